package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import paradec.testing.TestModels;

/** bin/paradec-jshell: the API is one import away in jshell, and a generation runs there. */
class JshellTest {
    @Test
    void aGenerationRunsInJshell(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("try.jsh");
        Files.writeString(script, """
                var m = ParadecModel.load(Path.of("%s"));
                var r = m.generate("def fibonacci(n):", GenerationRequest.of("jacobi").maxTokens(12));
                System.out.println("generated " + r.generatedTokens() + " with " + r.decoder());
                m.close();
                /exit
                """.formatted(TestModels.root().resolve("models/code-ar.gguf")));
        Process p = new ProcessBuilder(TestModels.root().resolve("bin/paradec-jshell").toString(), script.toString())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "jshell did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(out.contains("generated 12 with jacobi"), out);
    }
}
