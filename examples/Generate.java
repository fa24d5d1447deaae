///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 22+
//DEPS io.paradec:paradec:0.1.0-SNAPSHOT
//DEPS io.paradec:paradec-natives:0.1.0-SNAPSHOT:linux-x86_64
//DEPS org.slf4j:slf4j-simple:2.0.16
//RUNTIME_OPTIONS --enable-native-access=ALL-UNNAMED -Dorg.slf4j.simpleLogger.defaultLogLevel=warn

import java.nio.file.Path;
import paradec.engine.GenerationRequest;
import paradec.engine.ParadecModel;
import paradec.generation.GenerationResult;

/**
 * paradec as a jbang script, on the artifacts {@code make install} put in the local Maven repository:
 *
 * <pre>
 * jbang examples/Generate.java models/code-ar.gguf "def fibonacci(n):" jacobi 64
 * </pre>
 *
 * Streams the continuation to stdout (greedy, with the decoder named, else the model's first) and prints
 * what it cost on stderr.
 */
public class Generate {
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: Generate MODEL.gguf [PROMPT] [DECODER] [MAX_TOKENS]");
            System.exit(2);
        }
        String prompt = args.length > 1 ? args[1] : "def fibonacci(n):";
        try (ParadecModel model = ParadecModel.load(Path.of(args[0]))) {
            String decoder = args.length > 2 ? args[2] : model.defaultDecoders().getFirst();
            int maxTokens = args.length > 3 ? Integer.parseInt(args[3]) : 64;
            GenerationResult r = model.generate(prompt, GenerationRequest.of(decoder).maxTokens(maxTokens).streamTo(System.out::print));
            System.out.flush();
            System.err.printf("%n%s: %d tokens in %d forward calls, %.0f tokens/s%n", r.decoder(), r.generatedTokens(),
                    r.forwardCalls(), r.tokensPerSecond());
        }
    }
}
