package paradec.cli;

import java.util.ArrayList;
import paradec.decode.ContextNeeds;
import paradec.engine.GenerationRequest;
import paradec.engine.ParadecModel;
import paradec.generation.GenerationResult;
import paradec.llama.ModelParams;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * {@code paradec demo}: the default model continues a Python prompt with AR, Jacobi and
 * lookahead decoding; prints the text once and the three speeds side by side.
 */
final class DemoCommand {
    static final String PROMPT = "def fibonacci(n):";

    private DemoCommand() {}

    static final java.util.List<Options.Opt> OPTIONS = java.util.List.of(
            Options.Opt.value("-m|--model", "MODEL", "models/code-ar.gguf", "the GGUF model file"),
            Options.Opt.value("-p|--prompt", "TEXT", "a Python class header", "the prompt"),
            Options.Opt.value("-n|--n-predict", "N", "96", "tokens to generate"),
            Options.Opt.value("--threads|-t", "N", "0 = one per physical core", "most CPU threads per decode"));

    static final String NOTES = "AR, Jacobi and lookahead side by side on one prompt.";

    static int run(String[] args, PrintStream out, PrintStream err) throws UsageException, IOException {
        Options o = Options.parse(args, 1, OPTIONS);
        Path modelPath = Main.modelPath(o);
        String prompt = o.getOr(PROMPT, "-p", "--prompt");
        int maxNew = o.getInt(96, 1, 4096, "-n");
        int threads = o.getInt(0, 0, 1024, "--threads");
        try (ParadecModel model = ParadecModel.load(modelPath, ModelParams.defaults(), threads)) {
            out.println("model: " + modelPath + " (" + model.model().description() + ")");
            if (DefaultModels.isSynthesized(modelPath)) {
                out.println("note: this is a SYNTHESIZED random-weight model (no trained model is shipped yet), so the text is noise;");
                out.println("      the speeds and the token-for-token agreement of the decoders are still real.");
            }
            int[] promptTokens = model.tokenize(prompt);
            List<String> names = model.defaultDecoders();
            List<GenerationRequest> requests = new ArrayList<>();
            ContextNeeds shared = null;
            for (String name : names) {
                GenerationRequest q = DecoderSpec.request(name, o, model, maxNew);
                if (q.decoder() != null) shared = shared == null ? q.decoder().needs() : shared.union(q.decoder().needs());
                requests.add(q);
            }
            List<GenerationRequest> runs = new ArrayList<>();
            for (GenerationRequest q : requests) runs.add(shared == null ? q : q.contextNeeds(shared));
            // warm-up of every decoder first (JIT, cost-curve calibration), so none is timed on colder code than another
            for (int pass = 0; pass < 2; pass++) for (GenerationRequest q : runs) model.generate(promptTokens, q);
            GenerationResult[] results = new GenerationResult[names.size()];
            for (int i = 0; i < names.size(); i++) results[i] = model.generate(promptTokens, runs.get(i));
            String baseline = names.get(0);
            out.println();
            out.println(prompt + results[0].text());
            out.println();
            out.println("| decoder | tokens | forward calls | tokens/call | tokens/s | speedup vs " + baseline + " | same tokens as " + baseline + " |");
            out.println("|---|---|---|---|---|---|---|");
            for (int i = 0; i < names.size(); i++) {
                GenerationResult r = results[i];
                out.printf("| %s | %d | %d | %s | %s | %sx | %s |%n", names.get(i), r.generatedTokens(), r.forwardCalls(),
                        BenchCommand.fmt(r.tokensPerCall()), BenchCommand.fmt(r.tokensPerSecond()),
                        BenchCommand.fmt(r.tokensPerSecond() / results[0].tokensPerSecond()),
                        Arrays.equals(r.tokens(), results[0].tokens()) ? "yes" : baseline.equals("ar") ? "no (float tie, see docs)" : "no");
            }
            out.println();
            out.println("(one run each after a warm-up; 'bin/paradec bench' gives medians over many runs)");
        }
        return Main.OK;
    }
}
