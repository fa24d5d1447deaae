package paradec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import paradec.generation.GenerationResult;
import paradec.decode.GenerationSettings;
import paradec.llama.Context;
import paradec.llama.Model;

/**
 * {@code paradec demo}: the default model continues a Python prompt with AR, Jacobi and
 * lookahead decoding; prints the text once and the three speeds side by side.
 */
final class DemoCommand {
    static final String PROMPT = "def fibonacci(n):";

    private DemoCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) throws UsageException, IOException {
        Options o = Options.parse(args, 1, Set.of("-m", "--model", "-p", "--prompt", "-n", "--threads"), Set.of());
        Path modelPath = Main.modelPath(o);
        String prompt = o.getOr(PROMPT, "-p", "--prompt");
        int maxNew = o.getInt(96, 1, 4096, "-n");
        int threads = o.getInt(0, 0, 1024, "--threads");
        try (Model model = Model.load(modelPath)) {
            if (model.isDiffusion()) throw new UsageException("demo runs an autoregressive model; give one with -m");
            out.println("model: " + modelPath + " (" + model.description() + ")");
            if (DefaultModels.isSynthesized(modelPath)) {
                out.println("note: this is a SYNTHESIZED random-weight model (no trained model is shipped yet), so the text is noise;");
                out.println("      the speeds and the token-for-token agreement of the decoders are still real.");
            }
            int[] prompt_ = model.vocab().tokenize(prompt, true, true);
            GenerationSettings settings = GenerationSettings.greedy(maxNew);
            List<String> names = List.of("ar", "jacobi", "lookahead");
            GenerationResult[] results = new GenerationResult[names.size()];
            List<DecoderSpec> specs = new java.util.ArrayList<>();
            for (String name : names) specs.add(DecoderSpec.parse(name, o, model));
            try (Context ctx = model.newContext(DecoderSpec.shared(specs, prompt_.length + maxNew, threads))) {
                for (int i = 0; i < names.size(); i++) {
                    specs.get(i).decoder().generate(ctx, prompt_, settings, null); // warm-up and cost-curve calibration
                    results[i] = specs.get(i).decoder().generate(ctx, prompt_, settings, null);
                }
            }
            out.println();
            out.println(prompt + model.vocab().detokenize(results[0].tokens(), false));
            out.println();
            out.println("| decoder | tokens | forward calls | tokens/call | tokens/s | speedup vs ar | same tokens as ar |");
            out.println("|---|---|---|---|---|---|---|");
            for (int i = 0; i < names.size(); i++) {
                GenerationResult r = results[i];
                out.printf("| %s | %d | %d | %s | %s | %sx | %s |%n", names.get(i), r.generatedTokens(), r.forwardCalls(),
                        BenchCommand.fmt(r.tokensPerCall()), BenchCommand.fmt(r.tokensPerSecond()),
                        BenchCommand.fmt(r.tokensPerSecond() / results[0].tokensPerSecond()),
                        Arrays.equals(r.tokens(), results[0].tokens()) ? "yes" : "no (float tie, see docs)");
            }
            out.println();
            out.println("(one run each after a warm-up; 'bin/paradec bench' gives medians over many runs)");
        }
        return Main.OK;
    }
}
