package paradec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import paradec.decode.GenerationResult;
import paradec.decode.GenerationSettings;
import paradec.diffusion.DiffusionGenerator;
import paradec.diffusion.DiffusionResult;
import paradec.diffusion.DiffusionSettings;
import paradec.engine.LlamaDenoisingModel;
import paradec.json.JsonWriter;
import paradec.llama.Context;
import paradec.llama.Model;

/**
 * {@code paradec eval --task add -m MODEL --decoder D}: exact-match accuracy on the held-out
 * problems the model lab wrote (prompt TAB answer per line), with forward calls and speed.
 */
final class EvalCommand {
    static final String DEFAULT_HELDOUT = "models/lab/tasks-add-heldout.tsv";

    private EvalCommand() {}

    record Problem(String prompt, String answer) {}

    static int run(String[] args, PrintStream out) throws UsageException, IOException {
        Set<String> values = new HashSet<>(GenerateCommand.VALUE_OPTIONS);
        values.addAll(Set.of("--task", "--n", "--heldout"));
        Options o = Options.parse(args, 1, values, Set.of("--json"));
        String task = o.getOr("add", "--task");
        if (!task.equals("add")) throw new UsageException("only --task add is implemented so far (got '" + task + "')");
        Path file = Path.of(o.getOr(Main.root().resolve(DEFAULT_HELDOUT).toString(), "--heldout"));
        List<Problem> problems = read(file);
        int n = Math.min(problems.size(), o.getInt(problems.size(), 1, 1_000_000, "--n"));
        problems = problems.subList(0, n);
        int threads = o.getInt(0, 0, 1024, "--threads");

        int correct = 0;
        long calls = 0;
        long tokens = 0;
        long nanos = 0;
        String decoder;
        try (Model model = Model.load(Main.modelPath(o))) {
            if (model.isDiffusion()) {
                decoder = o.getOr("llada", "--decoder");
                int gen = o.getInt(8, 1, 4096, "--gen-length", "-n");
                DiffusionSettings settings;
                try {
                    settings = DiffusionSettings.of(gen, o.getInt(gen, 1, 4096, "--block-length"), o.getInt(gen, 1, 1 << 20, "--steps"))
                            .withTrimAtEog(true);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
                int longest = 0;
                List<int[]> prompts = new ArrayList<>();
                for (Problem p : problems) {
                    int[] ids = model.vocab().tokenize(p.prompt(), true, true);
                    prompts.add(ids);
                    longest = Math.max(longest, ids.length);
                }
                try (LlamaDenoisingModel dlm = new LlamaDenoisingModel(model, longest + gen, threads)) {
                    DiffusionGenerator generator = new DiffusionGenerator();
                    for (int i = 0; i < n; i++) {
                        long t0 = System.nanoTime();
                        DiffusionResult r = generator.generate(dlm, prompts.get(i), settings, DiffusionPolicies.create(decoder, o), null);
                        nanos += System.nanoTime() - t0;
                        calls += r.steps();
                        tokens += r.tokens().length;
                        if (matches(model.vocab().detokenize(r.tokens(), false), problems.get(i).answer())) correct++;
                    }
                }
            } else {
                decoder = o.getOr("ar", "--decoder");
                DecoderSpec spec = DecoderSpec.parse(decoder, o, model);
                int maxNew = o.getInt(8, 1, 4096, "-n");
                try (Context ctx = model.newContext(spec.contextParams(256 + maxNew + spec.extraPositions()).withThreads(threads))) {
                    for (Problem p : problems) {
                        GenerationResult r = spec.decoder().generate(ctx, model.vocab().tokenize(p.prompt(), true, true),
                                GenerationSettings.greedy(maxNew), null);
                        nanos += r.wallNanos();
                        calls += r.forwardCalls();
                        tokens += r.generatedTokens();
                        if (matches(model.vocab().detokenize(r.tokens(), false), p.answer())) correct++;
                    }
                }
            }
        }
        double accuracy = (double) correct / n;
        double tps = nanos == 0 ? 0 : tokens * 1e9 / nanos;
        if (o.has("--json")) {
            out.println(new JsonWriter().beginObject().field("task", task).field("decoder", decoder).field("n", n)
                    .field("accuracy", accuracy).field("forward_calls", calls).field("generated_tokens", tokens)
                    .field("tokens_per_second", tps).endObject());
        } else {
            out.printf("task %s, decoder %s: %d/%d exact (%.1f%%), %d forward calls (%.2f per problem), %.1f tokens/s%n",
                    task, decoder, correct, n, 100.0 * accuracy, calls, (double) calls / n, tps);
        }
        return Main.OK;
    }

    /** The answer is the leading digits of the output; leading zeros are part of the fixed-width format. */
    static boolean matches(String output, String expected) {
        String s = output.strip();
        int end = 0;
        while (end < s.length() && Character.isDigit(s.charAt(end))) end++;
        return end > 0 && s.substring(0, end).equals(expected.strip());
    }

    static List<Problem> read(Path file) throws IOException {
        List<Problem> problems = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isBlank()) continue;
            int tab = line.indexOf('\t');
            if (tab < 0) throw new IllegalArgumentException(file + ": line " + lineNo + ": expected 'prompt<TAB>answer'");
            problems.add(new Problem(line.substring(0, tab), line.substring(tab + 1)));
        }
        if (problems.isEmpty()) throw new IllegalArgumentException(file + ": no problems");
        return problems;
    }
}
