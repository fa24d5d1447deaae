package paradec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import paradec.decode.Decoder;
import paradec.generation.GenerationResult;
import paradec.decode.GenerationSettings;
import paradec.decode.JsonlTraceWriter;
import paradec.decode.SamplingSettings;
import paradec.engine.TextStream;
import paradec.diffusion.DiffusionGenerator;
import paradec.diffusion.DiffusionResult;
import paradec.diffusion.DiffusionSettings;
import paradec.diffusion.UnmaskingPolicy;
import paradec.engine.LlamaDenoisingModel;
import paradec.llama.Context;
import paradec.llama.Model;
import paradec.llama.ModelParams;

/** {@code paradec generate}: one generation with any decoder, streamed or as one JSON object. */
final class GenerateCommand {
    static final Set<String> VALUE_OPTIONS = Set.of("-m", "--model", "-p", "--prompt", "-n", "--decoder", "--temp", "--top-k",
            "--top-p", "--seed", "--ctx", "--threads", "--gpu-layers", "--window", "--ngram", "--guesses", "--init-from",
            "--trace", "--guess-init", "--gen-length", "--block-length", "--steps", "--threshold", "--factor", "--cfg", "--prompt-file");
    static final Set<String> FLAGS = Set.of("--json");

    private GenerateCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) throws UsageException, IOException {
        Options o = Options.parse(args, 1, VALUE_OPTIONS, FLAGS);
        if (!o.positional().isEmpty()) throw new UsageException("unexpected argument '" + o.positional().get(0) + "'");
        String prompt = o.get("-p", "--prompt");
        if (prompt == null && o.has("--prompt-file")) prompt = Main.readText(Path.of(o.get("--prompt-file")));
        if (prompt == null) throw new UsageException("generate needs -p PROMPT");
        Path modelPath = Main.modelPath(o);
        int gpuLayers = o.getInt(0, -1, 100_000, "--gpu-layers");
        int threads = o.getInt(0, 0, 1024, "--threads");
        boolean json = o.has("--json");

        try (Model model = Model.load(modelPath, ModelParams.defaults().withGpuLayers(gpuLayers))) {
            if (!json && DefaultModels.isSynthesized(modelPath) && !o.has("-m", "--model")) {
                err.println("note: the default model is a synthesized random-weight model (no trained model shipped yet): its text is noise");
            }
            int[] promptTokens = model.vocab().tokenize(prompt, true, true);
            if (model.isDiffusion()) return diffusion(o, model, promptTokens, threads, json, out);
            return autoregressive(o, model, promptTokens, threads, json, out);
        }
    }

    private static int autoregressive(Options o, Model model, int[] prompt, int threads, boolean json, PrintStream out)
            throws UsageException, IOException {
        String name = o.getOr("ar", "--decoder");
        int maxNew = o.getInt(64, 1, 1_000_000, "-n");
        SamplingSettings sampling = sampling(o);
        DecoderSpec spec = DecoderSpec.parse(name, o, model);
        int ctxLength = o.getInt(Math.min(Math.max(model.contextLengthTrained(), 64), prompt.length + maxNew + spec.extraPositions()),
                16, 1 << 20, "--ctx");
        if (prompt.length >= ctxLength) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens does not fit in --ctx " + ctxLength);
        }
        Decoder decoder = spec.decoder();
        String tracePath = o.get("--trace");
        try (Context ctx = model.newContext(spec.contextParams(ctxLength).withThreads(threads));
             JsonlTraceWriter trace = tracePath == null ? null : new JsonlTraceWriter(Path.of(tracePath), decoder.name(), prompt)) {
            GenerationSettings settings = new GenerationSettings(maxNew, sampling, trace);
            TextStream stream = json ? null : new TextStream(model.vocab(), s -> {
                out.print(s);
                out.flush();
            });
            GenerationResult r = decoder.generate(ctx, prompt, settings, stream == null ? null : stream::onToken);
            if (stream != null) {
                stream.flush();
                out.println();
            } else {
                out.println(Results.toJson(model, r, model.vocab().detokenize(r.tokens(), false)));
            }
        }
        return Main.OK;
    }

    private static int diffusion(Options o, Model model, int[] prompt, int threads, boolean json, PrintStream out)
            throws UsageException, IOException {
        String name = o.getOr("llada", "--decoder");
        int genLength = o.getInt(128, 1, 1 << 16, "--gen-length", "-n");
        int blockLength = o.getInt(Math.min(32, genLength), 1, 1 << 16, "--block-length");
        int steps = o.getInt(genLength, 1, 1 << 20, "--steps");
        DiffusionSettings settings;
        try {
            settings = DiffusionSettings.of(genLength, blockLength, steps)
                    .withTemperature(o.getDouble(0, 0, 100, "--temp"))
                    .withCfgScale(o.getDouble(0, 0, 100, "--cfg"))
                    .withSeed(o.getLong(0, "--seed"))
                    .withTrimAtEog(true);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        UnmaskingPolicy policy = DiffusionPolicies.create(name, o);
        int length = prompt.length + genLength;
        String tracePath = o.get("--trace");
        try (LlamaDenoisingModel dlm = new LlamaDenoisingModel(model, length, threads);
             var writer = tracePath == null ? null : Files.newBufferedWriter(Path.of(tracePath), StandardCharsets.UTF_8)) {
            paradec.diffusion.JsonlTraceWriter trace = writer == null ? null : new paradec.diffusion.JsonlTraceWriter(writer);
            if (trace != null) trace.header(prompt.length, genLength, blockLength, policy.name());
            long t0 = System.nanoTime();
            DiffusionResult r = new DiffusionGenerator().generate(dlm, prompt, settings, policy, trace);
            long wall = System.nanoTime() - t0;
            String text = model.vocab().detokenize(r.tokens(), false);
            if (json) out.println(Results.toJson(model, name, prompt.length, r, text, wall));
            else out.println(text);
        }
        return Main.OK;
    }

    static SamplingSettings sampling(Options o) throws UsageException {
        try {
            return new SamplingSettings(o.getDouble(0, 0, 100, "--temp"), o.getInt(40, 0, 1 << 20, "--top-k"),
                    o.getDouble(0.95, 0, 1, "--top-p"), o.getLong(0, "--seed"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
