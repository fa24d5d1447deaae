package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import paradec.json.JsonReader;
import paradec.testing.TestModels;

/**
 * paradec runs in a JVM started without {@code --add-modules jdk.incubator.vector} (the logits
 * statistics fall back to scalar code) and gives the same tokens as with it. This used to load the
 * model and then die on the first token with NoClassDefFoundError.
 */
class NoVectorApiTest {
    static Map<String, Object> generate(boolean vectorModule, String decoder) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        if (vectorModule) command.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        command.addAll(List.of("-Dparadec.native.dir=" + TestModels.nativeDir(), "-cp", System.getProperty("java.class.path"),
                "paradec.cli.Main", "generate", "-m", TestModels.root().resolve("models/code-ar.gguf").toString(),
                "-p", "def fibonacci(n):", "-n", "24", "--decoder", decoder, "--threads", "1", "--json"));
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "generation did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), err);
        assertFalse(err.contains("NoClassDefFoundError"), err);
        return JsonReader.parseObject(out.strip());
    }

    @Test
    void scalarFallbackGivesTheVectorisedTokens() throws Exception {
        for (String decoder : List.of("ar", "jacobi")) {
            Map<String, Object> scalar = generate(false, decoder);
            Map<String, Object> vector = generate(true, decoder);
            assertEquals(vector.get("tokens"), scalar.get("tokens"), decoder);
            assertEquals(24L, scalar.get("generated_tokens"));
        }
    }
}
