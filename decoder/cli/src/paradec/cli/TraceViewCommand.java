package paradec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import paradec.llama.Model;
import paradec.llama.ModelParams;
import paradec.llama.Vocab;
import paradec.trace.ArStep;
import paradec.trace.ArTrace;
import paradec.trace.DiffusionStep;
import paradec.trace.DiffusionTrace;
import paradec.trace.Trace;
import paradec.trace.TraceFile;
import paradec.trace.TraceRenderer;

/**
 * {@code paradec trace-view FILE -o OUT.svg|OUT.html|OUT.png [-m MODEL] [--ids]}: draws a decoding trace (the JSON
 * Lines that {@code generate --trace} writes) as an SVG picture, an HTML page holding it, or a PNG image. Cells
 * show the tokens' text, from the vocabulary of the model the trace names (or {@code -m MODEL}); the ids are in
 * each cell's tooltip. The summary line (printed, and on the picture) is the generation's own numbers, those of
 * {@code generate --json}.
 */
final class TraceViewCommand {
    private TraceViewCommand() {}

    static final java.util.List<Options.Opt> OPTIONS = java.util.List.of(
            Options.Opt.value("-o|--output", "OUT", null, "OUT.svg, OUT.html or OUT.png"),
            Options.Opt.value("-m|--model", "MODEL", "the model the trace names", "the vocabulary that gives the cells' text"),
            Options.Opt.flag("--ids", "draw token ids instead of their text"));

    static final String NOTES = """
            Rows are forward calls (AR family) or denoising steps (diffusion); token ids are in each cell's tooltip.
            The summary is the generation's own numbers, as generate --json gives them.""";

    /**
     * @throws UsageException           no trace file, several, or no -o/--output
     * @throws IOException              the trace cannot be read or the output cannot be written
     * @throws IllegalArgumentException the trace is corrupt (the message names the line) or OUT does not end
     *                                  in .svg, .html or .png
     */
    static int run(String[] args, PrintStream out, PrintStream err) throws UsageException, IOException {
        Options o = Options.parse(args, 1, OPTIONS);
        if (o.positional().isEmpty()) throw new UsageException("trace-view needs a trace FILE (written by generate --trace)");
        if (o.positional().size() > 1) throw new UsageException("trace-view takes one trace FILE, got " + o.positional().size());
        String output = o.get("-o", "--output");
        if (output == null) throw new UsageException("trace-view needs -o OUT.svg, -o OUT.html or -o OUT.png");
        Path target = Path.of(output);
        // check the extension before reading, so a typo fails fast even on a large trace
        boolean png = target.getFileName() != null && target.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png");
        if (!png) TraceRenderer.Format.of(target);
        Trace trace = TraceFile.read(Path.of(o.positional().getFirst()));
        Map<Integer, String> text = o.has("--ids") ? null : tokenText(trace, o, err);
        TraceRenderer renderer = new TraceRenderer(text);
        if (png) {
            SvgPng.write(renderer.render(trace, TraceRenderer.Format.SVG), target);
        } else {
            renderer.write(trace, target);
        }
        out.println("wrote " + target + ": " + trace.summary());
        return Main.OK;
    }

    /** Token id -> text from the model's vocabulary; null (ids are drawn) when no model is named or it does not fit. */
    private static Map<Integer, String> tokenText(Trace trace, Options o, PrintStream err) throws IOException {
        String named = o.get("-m", "--model");
        if (named == null) {
            var result = switch (trace) {
                case ArTrace t -> t.result();
                case DiffusionTrace t -> t.result();
            };
            named = result == null ? null : result.model();
            if (named == null) {
                err.println("note: the trace names no model: cells show token ids (-m MODEL gives their text)");
                return null;
            }
            if (!Files.isRegularFile(Path.of(named))) {
                err.println("note: the trace's model " + named + " is not there: cells show token ids (-m MODEL gives their text)");
                return null;
            }
        }
        try (Model model = Model.load(Path.of(named), ModelParams.vocabOnlyParams())) {
            Vocab vocab = model.vocab();
            Map<Integer, String> text = new HashMap<>();
            for (int id : ids(trace)) {
                if (id < 0 || id >= vocab.size()) {
                    err.println("note: token " + id + " is outside " + named + "'s vocabulary of " + vocab.size()
                            + ": the trace comes from another model; cells show token ids");
                    return null;
                }
                text.computeIfAbsent(id, vocab::piece);
            }
            return text;
        }
    }

    private static int[] ids(Trace trace) {
        java.util.stream.IntStream.Builder all = java.util.stream.IntStream.builder();
        switch (trace) {
            case ArTrace t -> {
                for (int id : t.prompt()) all.add(id);
                for (ArStep s : t.steps()) {
                    for (int id : s.window()) all.add(id);
                    for (int id : s.predictions()) all.add(id);
                    for (int id : s.emitted()) all.add(id);
                }
            }
            case DiffusionTrace t -> {
                for (DiffusionStep s : t.steps()) for (int id : s.tokens()) all.add(id);
            }
        }
        return all.build().distinct().toArray();
    }
}
