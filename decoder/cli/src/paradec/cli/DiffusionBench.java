package paradec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import paradec.diffusion.DiffusionGenerator;
import paradec.diffusion.DiffusionResult;
import paradec.diffusion.DiffusionSettings;
import paradec.engine.LlamaDenoisingModel;
import paradec.llama.ChatMessage;
import paradec.llama.ChatTemplates;
import paradec.llama.Model;

/** The diffusion half of {@code paradec bench}: every unmasking policy on the same prompts, interleaved. */
final class DiffusionBench {
    private static final Pattern TOTAL = Pattern.compile("total time: ([0-9.]+)ms, time per step: ([0-9.]+)ms, sampling time per step: ([0-9.]+)ms");

    private DiffusionBench() {}

    /**
     * One run of llama-diffusion-cli with the same steps per block. Its blocks cover the whole
     * n_ubatch (prompt included) from the prompt's end, so n_ubatch is the prompt plus the
     * generation rounded up to a block, and its steps are blocks x steps-per-block; its
     * tokens/s counts the positions it actually generates.
     */
    private static BenchCommand.Run llamaDiffusionCli(Path bin, Model model, String rawPrompt, int promptLength, int genLength,
                                                      int blockLength, int stepsPerBlock, int threads, int p, int r,
                                                      List<String> samplingTimes) throws IOException {
        int ub = (promptLength + genLength + blockLength - 1) / blockLength * blockLength;
        int steps = ub / blockLength * stepsPerBlock;
        List<String> command = List.of(bin.resolve("llama-diffusion-cli").toString(), "-m", model.path().toString(),
                "-p", rawPrompt, "-ub", Integer.toString(ub), "-b", Integer.toString(ub), "-c", Integer.toString(ub),
                "-t", Integer.toString(threads), "--diffusion-steps", Integer.toString(steps),
                "--diffusion-block-length", Integer.toString(blockLength), "--diffusion-algorithm", "4", "--temp", "0");
        // llama.cpp logs from a background thread and now and then exits before the last lines are out: retry
        Matcher m;
        for (int attempt = 1; ; attempt++) {
            String log = LlamaCppTools.exec(command);
            m = TOTAL.matcher(log);
            if (m.find()) break;
            if (attempt == 3) throw new IOException("llama-diffusion-cli printed no timing line in 3 runs:\n" + LlamaCppTools.tail(log));
        }
        double totalMs = Double.parseDouble(m.group(1));
        samplingTimes.add(m.group(3));
        int generated = ub - promptLength;
        return new BenchCommand.Run("llama-diffusion-cli (C++)", p, r, generated * 1000.0 / totalMs, (double) generated / steps,
                steps, generated, 0, 0, 0, null);
    }

    static int run(Options o, Model model, List<String> decoders, List<String> prompts, int repeat, int threads,
                   boolean againstLlama, PrintStream out, PrintStream err) throws UsageException, IOException {
        if (decoders.equals(List.of("ar", "jacobi", "lookahead"))) decoders = List.of("llada", "fast-dllm", "eb", "klass", "dico");
        int genLength = o.getInt(128, 1, 1 << 16, "--gen-length", "-n");
        int blockLength = o.getInt(Math.min(32, genLength), 1, 1 << 16, "--block-length");
        int steps = o.getInt(genLength, 1, 1 << 20, "--steps");
        DiffusionSettings settings;
        try {
            settings = DiffusionSettings.of(genLength, blockLength, steps).withCfgScale(o.getDouble(0, 0, 100, "--cfg"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        for (String d : decoders) DiffusionPolicies.create(d.trim(), o); // reject unknown names before any work
        List<String> rawPrompts = prompts;
        if (againstLlama) {
            // llama-diffusion-cli always wraps the prompt in a chat template (chatml when the model has none):
            // both sides then see the same tokens
            String template = model.chatTemplate() != null ? model.chatTemplate() : "chatml";
            prompts = prompts.stream().map(p -> ChatTemplates.apply(template, List.of(new ChatMessage("user", p)), true)).toList();
        }
        List<String> promptTexts = prompts;
        int[][] promptTokens = promptTexts.stream().map(p -> model.vocab().tokenize(p, true, true)).toArray(int[][]::new);
        int longest = 0;
        for (int[] p : promptTokens) longest = Math.max(longest, p.length);
        String baseline = decoders.get(0).trim();
        List<BenchCommand.Run> runs = new ArrayList<>();
        List<String> llamaSampling = new ArrayList<>();
        try (LlamaDenoisingModel dlm = new LlamaDenoisingModel(model, longest + genLength, threads)) {
            DiffusionGenerator generator = new DiffusionGenerator();
            for (String d : decoders) generator.generate(dlm, promptTokens[0], settings, DiffusionPolicies.create(d.trim(), o), null);
            Path bin = Path.of(System.getProperty("paradec.native.dir", Main.root().resolve("build/llama/bin").toString()));
            for (int r = 0; r < repeat; r++) {
                for (int p = 0; p < prompts.size(); p++) {
                    int[] reference = null;
                    for (int i = 0; i < decoders.size(); i++) {
                        String d = decoders.get((i + r + p) % decoders.size()).trim();
                        long t0 = System.nanoTime();
                        DiffusionResult res = generator.generate(dlm, promptTokens[p], settings, DiffusionPolicies.create(d, o), null);
                        long wall = System.nanoTime() - t0;
                        int tokens = res.tokens().length;
                        runs.add(new BenchCommand.Run(d, p, r, tokens * 1e9 / wall, (double) tokens / res.steps(), res.steps(), tokens,
                                res.forwardNanos() / 1e6, 0, res.javaNanos() / 1e6, null));
                    }
                    if (againstLlama) runs.add(llamaDiffusionCli(bin, model, rawPrompts.get(p), promptTokens[p].length, genLength,
                            blockLength, settings.stepsPerBlock(), threads, p, r, llamaSampling));
                }
            }
        }
        String table = Report.table(runs, baseline);
        if (o.has("--json")) out.println(Report.json(runs, model.path()));
        else out.print(table);
        if (o.has("--out")) {
            double[] javaPerStep = runs.stream().filter(r -> r.decoder().equals(baseline))
                    .mapToDouble(r -> r.javaMs() / r.calls()).toArray();
            double[] decodePerStep = runs.stream().filter(r -> r.decoder().equals(baseline))
                    .mapToDouble(r -> r.decodeMs() / r.calls()).toArray();
            String extra = "Every run commits all " + genLength + " positions (block length " + blockLength + ", " + steps
                    + " steps budget). Greedy. NFE per run is the calls/run column.\n\n"
                    + "Per step, " + baseline + ": forward (llama_decode) " + BenchCommand.fmt(Report.median(decodePerStep))
                    + " ms, Java (softmax statistics of every masked row, policy, bookkeeping) "
                    + BenchCommand.fmt(Report.median(javaPerStep)) + " ms (medians).\n"
                    + (llamaSampling.isEmpty() ? "" : "\nllama-diffusion-cli's own 'sampling time per step' (ms), one per run: "
                    + String.join(", ", llamaSampling) + "\n");
            String report = Report.document("Diffusion decoders: unmasking policies", model.path(), model.description(),
                    String.join(" ", o.raw()), repeat, prompts, genLength, threads, table, extra);
            Files.writeString(Path.of(o.get("--out")), report, StandardCharsets.UTF_8);
            err.println("wrote " + o.get("--out"));
        }
        return Main.OK;
    }
}
