import java.nio.file.Path;
import paradec.engine.GenerationRequest;
import paradec.engine.ParadecModel;
import paradec.generation.GenerationResult;

/**
 * paradec in one file: load a GGUF model (autoregressive or diffusion, detected from the file),
 * stream a Jacobi-decoded continuation, then print what it cost.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector \
 *      -cp "target/paradec.jar:target/lib/*" examples/QuickStart.java models/code-ar.gguf
 * </pre>
 */
public class QuickStart {
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: QuickStart MODEL.gguf [PROMPT]");
            System.exit(2);
        }
        String prompt = args.length > 1 ? args[1] : "def fibonacci(n):";
        try (ParadecModel model = ParadecModel.load(Path.of(args[0]))) {
            // Jacobi for an autoregressive model; a diffusion model takes an unmasking policy such as "dico"
            String decoder = model.isDiffusion() ? "dico" : "jacobi";
            System.out.print(prompt);
            GenerationResult result = model.generate(prompt, GenerationRequest.of(decoder)
                    .maxTokens(64)
                    .stop("\n\n\n")
                    .streamTo(System.out::print));
            System.out.println();
            System.out.printf("%s: %d tokens in %d forward calls (%.2f per call), %.0f tokens/s, stopped by %s%n",
                    result.decoder(), result.generatedTokens(), result.forwardCalls(), result.tokensPerCall(),
                    result.tokensPerSecond(), result.stopReason().jsonName());
        }
    }
}
