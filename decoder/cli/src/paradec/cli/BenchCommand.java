package paradec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import paradec.decode.CostCurve;
import paradec.generation.GenerationResult;
import paradec.decode.GenerationSettings;
import paradec.json.JsonWriter;
import paradec.llama.Context;
import paradec.llama.Model;
import paradec.llama.ModelParams;

/**
 * {@code paradec bench}: every decoder on the same prompts in one process, interleaved, with
 * llama.cpp's own tools in the same loop when asked. Speeds are medians with min-max spread;
 * speedups are medians of per-run ratios against the AR run of the same prompt and round.
 */
final class BenchCommand {
    static final List<String> DEFAULT_PROMPTS = List.of(
            "def fibonacci(n):",
            "import os\nimport sys\n\nclass Config:",
            "for i in range(10):\n    print(i)\nfor i in range(10):",
            "The quick brown fox jumps over the lazy dog. The quick brown fox");

    private BenchCommand() {}

    /** One timed generation. */
    record Run(String decoder, int prompt, int round, double tokensPerSecond, double tokensPerCall, long calls, int tokens,
               double decodeMs, double memoryMs, double javaMs, Boolean sameAsAr) {}

    static int run(String[] args, PrintStream out, PrintStream err) throws UsageException, IOException {
        Set<String> values = new java.util.HashSet<>(GenerateCommand.VALUE_OPTIONS);
        values.addAll(Set.of("--decoders", "--prompts", "--repeat", "--out"));
        Options o = Options.parse(args, 1, values, Set.of("--json", "--against-llama-cpp"));
        Path modelPath = Main.modelPath(o);
        int maxNew = o.getInt(64, 1, 100_000, "-n");
        int repeat = o.getInt(3, 1, 1000, "--repeat");
        int threads = o.getInt(Runtime.getRuntime().availableProcessors(), 1, 1024, "--threads");
        List<String> decoders = Arrays.asList(o.getOr("ar,jacobi,lookahead", "--decoders").split(","));
        List<String> prompts = o.has("--prompts") ? readPrompts(Path.of(o.get("--prompts"))) : DEFAULT_PROMPTS;
        boolean againstLlama = o.has("--against-llama-cpp");

        try (Model model = Model.load(modelPath, ModelParams.defaults().withGpuLayers(o.getInt(0, -1, 100_000, "--gpu-layers")))) {
            if (model.isDiffusion()) return DiffusionBench.run(o, model, decoders, prompts, repeat, threads, againstLlama, out, err);
            if (!decoders.contains("ar")) throw new UsageException("--decoders must include ar: speedups are measured against it");
            int[][] promptTokens = prompts.stream().map(p -> model.vocab().tokenize(p, true, true)).toArray(int[][]::new);
            int longest = Arrays.stream(promptTokens).mapToInt(a -> a.length).max().orElse(1);

            Map<String, DecoderSpec> specs = new LinkedHashMap<>();
            for (String d : decoders) specs.put(d.trim(), DecoderSpec.parse(d.trim(), o, model));
            try (Context ctx = model.newContext(DecoderSpec.shared(specs.values(), longest + maxNew, threads))) {
                GenerationSettings settings = GenerationSettings.greedy(maxNew);
                CostCurve curve = CostCurve.recalibrate(ctx);
                // warm-up: JIT, cost-curve calibration, first-touch of the weights; not timed
                // two passes over every prompt, so the JIT has compiled the hot loops before timing starts
                for (int pass = 0; pass < 2; pass++) {
                    for (int[] prompt : promptTokens) {
                        for (String d : specs.keySet()) specs.get(d).decoder().generate(ctx, prompt, settings, null);
                    }
                }

                LlamaCppTools tools = againstLlama ? new LlamaCppTools(Main.root(), modelPath, threads) : null;
                List<Run> runs = new ArrayList<>();
                List<String> order = new ArrayList<>(specs.keySet());
                for (int r = 0; r < repeat; r++) {
                    for (int p = 0; p < prompts.size(); p++) {
                        int[] ar = null;
                        Map<String, GenerationResult> results = new LinkedHashMap<>();
                        // rotate the order so no decoder always runs first (caches, turbo, neighbours)
                        for (int i = 0; i < order.size(); i++) {
                            String d = order.get((i + r + p) % order.size());
                            results.put(d, specs.get(d).decoder().generate(ctx, promptTokens[p], settings, null));
                        }
                        ar = results.get("ar").tokens();
                        for (var e : results.entrySet()) {
                            GenerationResult g = e.getValue();
                            runs.add(new Run(e.getKey(), p, r, g.tokensPerSecond(), g.tokensPerCall(), g.forwardCalls(), g.generatedTokens(),
                                    g.decodeNanos() / 1e6, g.memoryNanos() / 1e6, g.javaNanos() / 1e6, Arrays.equals(ar, g.tokens())));
                        }
                        if (tools != null) {
                            runs.add(tools.simple(prompts.get(p), maxNew, p, r));
                            runs.add(tools.lookahead(prompts.get(p), maxNew, p, r));
                        }
                    }
                }
                String table = Report.table(runs, "ar");
                if (o.has("--json")) out.println(Report.json(runs, modelPath));
                else out.print(table);
                if (o.has("--out")) {
                    String report = Report.document("Autoregressive decoders: AR, Jacobi, lookahead", modelPath, model.description(),
                            String.join(" ", args), repeat, prompts, maxNew, threads, table, Report.curveTable(curve));
                    Files.writeString(Path.of(o.get("--out")), report, StandardCharsets.UTF_8);
                    err.println("wrote " + o.get("--out"));
                }
            }
        }
        return Main.OK;
    }

    static List<String> readPrompts(Path file) throws IOException {
        // one prompt per line; a literal \n inside a line stands for a newline
        List<String> prompts = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank()).map(l -> l.replace("\\n", "\n")).toList();
        if (prompts.isEmpty()) throw new IllegalArgumentException(file + ": no prompts");
        return prompts;
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }

    static String today() {
        return LocalDate.now().toString();
    }

    static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (IOException e) {
            // not Linux: the CPU name is decoration
        }
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores visible to the JVM";
    }

    static JsonWriter runJson(JsonWriter j, Run r) {
        j.beginObject().field("decoder", r.decoder()).field("prompt", r.prompt()).field("round", r.round())
                .field("tokens_per_second", r.tokensPerSecond()).field("tokens_per_call", r.tokensPerCall())
                .field("forward_calls", r.calls()).field("generated_tokens", r.tokens()).field("decode_ms", r.decodeMs()).field("kv_ops_ms", r.memoryMs())
                .field("java_ms", r.javaMs());
        if (r.sameAsAr() != null) j.field("same_as_ar", r.sameAsAr());
        return j.endObject();
    }
}
