package paradec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import paradec.decode.SamplingSettings;
import paradec.engine.GenerationRequest;
import paradec.engine.ParadecModel;
import paradec.generation.GenerationResult;
import paradec.llama.ModelParams;
import paradec.trace.TraceWriter;


/** {@code paradec generate}: one generation with any decoder, streamed or as one JSON object. */
final class GenerateCommand {
    static final Set<String> VALUE_OPTIONS = Set.of("-m", "--model", "-p", "--prompt", "-n", "--decoder", "--temp", "--top-k",
            "--top-p", "--seed", "--ctx", "--threads", "--gpu-layers", "-ngl", "--rpc", "--tensor-split", "-ts", "--rpc-timeout", "--window", "--ngram", "--guesses", "--init-from",
            "--trace", "--guess-init", "--gen-length", "--block-length", "--steps", "--threshold", "--factor", "--cfg", "--prompt-file", "--stop", "--kv-cache", "--cache-refresh", "--draft-model", "--draft-length", "--draft-steps");
    static final Set<String> FLAGS = Set.of("--json");

    private GenerateCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) throws UsageException, IOException {
        Options o = Options.parse(args, 1, VALUE_OPTIONS, FLAGS);
        if (!o.positional().isEmpty()) throw new UsageException("unexpected argument '" + o.positional().get(0) + "'");
        String prompt = o.get("-p", "--prompt");
        if (prompt == null && o.has("--prompt-file")) prompt = Main.readText(Path.of(o.get("--prompt-file")));
        if (prompt == null) throw new UsageException("generate needs -p PROMPT");
        Path modelPath = Main.modelPath(o);
        int threads = o.getInt(0, 0, 1024, "--threads");
        boolean json = o.has("--json");

        try (ParadecModel model = ParadecModel.load(modelPath, Placement.modelParams(o), threads)) {
            if (!json && DefaultModels.isSynthesized(modelPath) && !o.has("-m", "--model")) {
                err.println("note: the default model is a synthesized random-weight model (no trained model shipped yet): its text is noise");
            }
            int[] promptTokens = model.tokenize(prompt);
            String name = o.getOr(model.defaultDecoders().get(0), "--decoder");
            GenerationRequest request = DecoderSpec.request(name, o, model, o.getInt(64, 1, 1_000_000, "-n"));
            if (o.has("--ctx")) request = request.contextLength(o.getInt(0, 16, 1 << 20, "--ctx"));
            if (o.has("--stop")) {
                if (o.get("--stop").isEmpty()) throw new UsageException("--stop needs a non-empty text");
                request = request.stop(o.get("--stop").replace("\\n", "\n"));
            }
            String tracePath = o.get("--trace");
            try (TraceWriter trace = tracePath == null ? null
                    : new TraceWriter(Files.newBufferedWriter(Path.of(tracePath), StandardCharsets.UTF_8))) {
                if (trace != null) request = request.trace(trace);
                if (!json) request = request.streamTo(piece -> {
                    out.print(piece);
                    out.flush();
                });
                GenerationResult r = model.generate(promptTokens, request);
                if (json) out.println(Results.toJson(modelPath, r, request.sampling().temperature() > 0 ? request.sampling().seed() : null));
                else out.println();
                if (!json && r.stopReason() == paradec.generation.StopReason.CONTEXT_FULL) {
                    err.println("note: generation stopped at a full context (" + (promptTokens.length + r.generatedTokens())
                            + " positions); --ctx sets a larger one up to the model's trained length");
                }
            }
        }
        return Main.OK;
    }

    static SamplingSettings sampling(Options o) throws UsageException {
        try {
            // without --seed, sampled runs differ from run to run (as llama.cpp's do); the seed is in --json output
            long seed = o.has("--seed") ? o.getLong(0, "--seed") : new java.security.SecureRandom().nextLong() >>> 1;
            return new SamplingSettings(o.getDouble(0, 0, 100, "--temp"), o.getInt(40, 0, 1 << 20, "--top-k"),
                    o.getDouble(0.95, 0, 1, "--top-p"), seed);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
