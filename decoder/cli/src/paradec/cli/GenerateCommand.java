package paradec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import paradec.decode.SamplingSettings;
import paradec.engine.GenerationRequest;
import paradec.engine.ParadecModel;
import paradec.generation.GenerationResult;
import paradec.llama.ChatMessage;
import paradec.llama.ModelParams;
import paradec.trace.TraceWriter;


/** {@code paradec generate}: one generation with any decoder, streamed or as one JSON object. */
final class GenerateCommand {
    /** The model and how it runs: every command that loads one. */
    static final List<Options.Opt> MODEL = Options.table(List.of(
            Options.Opt.value("-m|--model", "MODEL", "models/code-ar.gguf", "the GGUF model file"),
            Options.Opt.value("--threads|-t", "N", "0 = one per physical core", "most CPU threads per decode (fewer while fewer are faster: a busy machine)")), Placement.OPTIONS);

    /** What to generate and with which decoder: generate, and the commands that run generations (bench, eval). */
    static final List<Options.Opt> GENERATION = List.of(
            Options.Opt.value("-n|--n-predict", "N", "64", "tokens to generate (a diffusion model's generation length too)"),
            Options.Opt.value("--decoder", "NAME", "the model's first: ar or llada",
                    "ar, jacobi, lookahead, specdiff, draft; diffusion: " + String.join(", ", DiffusionPolicies.NAMES)),
            Options.Opt.value("--temp", "T", "0 = greedy", "sampling temperature"),
            Options.Opt.value("--top-k", "K", "40", "sample among the K most likely tokens (AR family)"),
            Options.Opt.value("--top-p", "P", "0.95", "nucleus sampling mass (AR family)"),
            Options.Opt.value("--seed|-s", "S", "a fresh one, printed in --json", "sampling seed"),
            Options.Opt.value("--ctx|-c|--ctx-size", "N", "the model's trained length", "KV context positions"),
            Options.Opt.value("--window", "N|auto", "auto", "guesses per call (jacobi, lookahead)"),
            Options.Opt.value("--ngram", "N", "jacobi 3, lookahead " + paradec.decode.LookaheadSettings.DEFAULT_N,
                    "n-gram length (jacobi's lookup, lookahead's pool)"),
            Options.Opt.value("--guesses", "G", Integer.toString(paradec.decode.LookaheadSettings.DEFAULT_G),
                    "n-gram candidates verified per call (lookahead)"),
            Options.Opt.value("--guess-init", "lookup|random|repeat", "lookup", "how jacobi fills its guesses"),
            Options.Opt.value("--init-from", "FILE", null, "text whose tokens jacobi's lookup draws guesses from"),
            Options.Opt.value("--draft-model", "FILE", null, "the model that drafts: diffusion for specdiff, autoregressive for draft"),
            Options.Opt.value("--draft-length", "K|auto", "8 (specdiff), auto (draft)", "tokens drafted per call; auto: adaptive, up to 16"),
            Options.Opt.value("--draft-steps", "S", "min(2, K)", "denoising steps per draft (specdiff)"),
            Options.Opt.value("--gen-length", "L", "-n", "diffusion: positions generated"),
            Options.Opt.value("--block-length", "B", "32, at most L", "diffusion: positions per block"),
            Options.Opt.value("--steps", "S", "L", "diffusion: denoising steps"),
            Options.Opt.value("--threshold", "T", "the policy's (0.9)", "confidence threshold (fast-dllm, klass)"),
            Options.Opt.value("--factor", "F", "the policy's", "factor (fast-dllm-factor, dico)"),
            Options.Opt.value("--dico", "NAME=V,...", "the authors'", "DiCo's parameters by name (DicoParams: seeds, tauE, tauLow, ...)"),
            Options.Opt.value("--cfg", "C", "0 = off", "diffusion: classifier-free guidance scale"),
            Options.Opt.value("--kv-cache", "none|prefix", "none", "diffusion: prefix KV cache (a full pass every block)"),
            Options.Opt.value("--cache-refresh", "N", "every block only", "diffusion with --kv-cache prefix: a full pass every N steps too"),
            Options.Opt.value("--suffix-window", "W", "-1 = all", "diffusion: masked positions past the block the model sees (fewer: faster, approximate)"));

    static final List<Options.Opt> OPTIONS = Options.table(MODEL, List.of(
            Options.Opt.value("-p|--prompt", "TEXT", null, "the prompt (with --chat: the user's message)"),
            Options.Opt.value("--prompt-file|-f|--file", "FILE", null, "the prompt from a file, byte for byte (UTF-8)"),
            Options.Opt.flag("--chat", "format -p as a chat through the model's template (plain fallback without one)"),
            Options.Opt.value("--system", "TEXT", null, "a system message (implies --chat)")),
            GENERATION, List.of(
            Options.Opt.value("--stop", "TEXT", null, "stop before this text (\\n for a newline)"),
            Options.Opt.value("--trace", "FILE", null, "write the decoding trace (JSON Lines) for trace-view"),
            Options.Opt.flag("--json", "print one JSON object instead of streaming the text")));

    static final String NOTES = """
            One path for both families: -n is the generation length of a diffusion model too. Options a decoder
            does not read are ignored with a warning. llama.cpp's spellings (-c, -t, -ngl, -f, -s, --n-predict) work.""";

    private GenerateCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) throws UsageException, IOException {
        Options o = Options.parse(args, 1, OPTIONS);
        if (!o.positional().isEmpty()) throw new UsageException("unexpected argument '" + o.positional().get(0) + "'");
        if (o.has("-p", "--prompt") && o.has("--prompt-file")) throw new UsageException("give -p or --prompt-file (-f), not both");
        String prompt = o.get("-p", "--prompt");
        if (prompt == null && o.has("--prompt-file")) prompt = promptFile(Path.of(o.get("--prompt-file")));
        boolean chat = o.has("--chat") || o.has("--system");
        if (prompt == null) throw new UsageException("generate needs -p PROMPT or --prompt-file (-f) FILE");
        Path modelPath = Main.modelPath(o);
        int threads = o.getInt(0, 0, 1024, "--threads");
        int contextLength = o.has("--ctx") ? o.getInt(0, 16, 1 << 20, "--ctx") : 0;
        boolean json = o.has("--json");
        if (o.has("--stop") && o.get("--stop").isEmpty()) throw new UsageException("--stop needs a non-empty text");

        try (ParadecModel model = ParadecModel.load(modelPath, Placement.modelParams(o), threads)) {
            if (!json && DefaultModels.isSynthesized(modelPath) && !o.has("-m", "--model")) {
                err.println("note: the default model is a synthesized random-weight model (no trained model shipped yet): its text is noise");
            }
            String name = o.getOr(model.defaultDecoders().get(0), "--decoder");
            GenerationRequest request = DecoderSpec.request(name, o, model, o.getInt(64, 1, 1_000_000, "-n"));
            for (String warning : DecoderSpec.ignoredOptionWarnings(name, o)) err.println(warning);
            int trained = model.model().contextLengthTrained();
            if (contextLength > 0 && trained > 0 && contextLength > trained) {
                err.println("warning: --ctx " + contextLength + " is beyond the model's trained context length (" + trained
                        + "): positions past it were never trained and its text degrades there");
            }
            if (chat) {
                List<ChatMessage> messages = new ArrayList<>();
                if (o.has("--system")) messages.add(new ChatMessage("system", o.get("--system")));
                messages.add(new ChatMessage("user", prompt));
                prompt = model.chatPrompt(messages);
                if (!json && model.chatTemplate() == null) {
                    err.println("note: the model has no chat template: --chat uses the plain fallback (system and user text, a blank line between)");
                }
            }
            int[] promptTokens = model.tokenize(prompt);
            if (contextLength > 0) request = request.contextLength(contextLength);
            if (o.has("--stop")) request = request.stop(o.get("--stop").replace("\\n", "\n"));
            String tracePath = o.get("--trace");
            try (TraceWriter trace = tracePath == null ? null
                    : new TraceWriter(Files.newBufferedWriter(Path.of(tracePath), StandardCharsets.UTF_8))) {
                if (trace != null) request = request.trace(trace);
                if (!json) request = request.streamTo(piece -> {
                    out.print(piece);
                    out.flush();
                });
                GenerationResult r = model.generate(promptTokens, request);
                if (trace != null) trace.result(r, modelPath.toAbsolutePath().toString());
                if (json) out.println(Results.toJson(modelPath, r, request.sampling().temperature() > 0 ? request.sampling().seed() : null));
                else out.println();
                if (!json && r.stopReason() == paradec.generation.StopReason.CONTEXT_FULL) {
                    err.println("note: generation stopped at a full context (" + promptTokens.length + " prompt and " + r.generatedTokens()
                            + " generated tokens); --ctx sets a larger one up to the model's trained length");
                }
            }
        }
        return Main.OK;
    }

    /**
     * The prompt file as it is, byte for byte (as llama.cpp's -f reads it: no trimming, the last newline kept).
     * Text that is not UTF-8 is refused with the offset of the first bad byte: a Java string cannot carry it.
     */
    /** The prompt file's bytes as they are, which must be UTF-8 (a clear error naming the first bad byte otherwise). */
    static String promptFile(Path file) throws IOException {
        return Main.readText(file);
    }

    static SamplingSettings sampling(Options o) throws UsageException {
        try {
            // without --seed, sampled runs differ from run to run (as llama.cpp's do); the seed is in --json output
            // (not SecureRandom: its providers took a one-shot run ~20 ms, and a seed needs no secrecy)
            long seed = o.has("--seed") ? o.getLong(0, "--seed") : java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1;
            return new SamplingSettings(o.getDouble(0, 0, 100, "--temp"), o.getInt(40, 0, 1 << 20, "--top-k"),
                    o.getDouble(0.95, 0, 1, "--top-p"), seed);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
