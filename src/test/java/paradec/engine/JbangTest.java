package paradec.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import paradec.engine.ConsumerProjectTest.Run;
import paradec.llama.ModelParams;
import paradec.testing.TestModels;

/**
 * {@code examples/Generate.java} as a jbang script: jbang (dev.jbang:jbang-cli from the Maven registry, run as its
 * own launcher script does: the CLI prints the java command, exit code 255, and the launcher runs it) resolves the
 * script's {@code //DEPS} on the installed io.paradec artifacts, compiles it and runs it; its text is the library's.
 */
class JbangTest {
    static final String JBANG = "dev.jbang:jbang-cli:0.132.1";

    @TempDir
    Path dir;

    @Test
    void theJbangScriptRunsOnTheInstalledArtifacts() throws Exception {
        boolean installed = Files.isRegularFile(ConsumerProjectTest.installed("paradec", null))
                && Files.isRegularFile(ConsumerProjectTest.installed("paradec-natives", ConsumerProjectTest.CLASSIFIER));
        String missing = "the io.paradec artifacts are not installed (make install, or make test, installs them)";
        if (Boolean.getBoolean("paradec.consumer.required")) assertTrue(installed, missing);
        Assumptions.assumeTrue(installed, missing);

        // jbang's class path, resolved by Maven like any dependency (fetched once when the registry is reachable)
        String[] gav = JBANG.split(":");
        Files.writeString(dir.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
                  <groupId>com.example</groupId><artifactId>jbang-launcher</artifactId><version>1</version>
                  <dependencies><dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version></dependency></dependencies>
                  <build><plugins><plugin><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version></plugin></plugins></build>
                </project>
                """.formatted(gav[0], gav[1], gav[2]));
        Run resolve = ConsumerProjectTest.run(dir, List.of("mvn", "-B", "-q", "dependency:build-classpath", "-Dmdep.outputFile=cp.txt"), 300);
        Assumptions.assumeTrue(resolve.code() == 0, JBANG + " could not be resolved here: " + resolve.out() + resolve.err());
        String jbangClassPath = Files.readString(dir.resolve("cp.txt")).strip();

        Path script = TestModels.root().resolve("examples/Generate.java");
        Path model = TestModels.root().resolve("models/code-ar.gguf");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // JBANG_DIR keeps jbang's cache in the temporary folder
        Run launch = ConsumerProjectTest.run(dir, List.of("env", "JBANG_DIR=" + dir.resolve("jbang-home"), java, "-cp", jbangClassPath,
                "dev.jbang.Main", "--offline", "run", script.toString(), model.toString(), "def fibonacci(n):", "jacobi", "24"), 300);
        assertEquals(255, launch.code(), "jbang prints the command for its launcher to run: " + launch.out() + launch.err());
        String command = launch.out().strip();
        assertTrue(command.contains("--enable-native-access=ALL-UNNAMED") && command.contains("paradec-natives"), command);

        Run generated = ConsumerProjectTest.run(dir, List.of("bash", "-c", "exec " + command), 180);
        assertEquals(0, generated.code(), generated.err());
        String expected;
        try (ParadecModel inProcess = ParadecModel.load(model, ModelParams.defaults(), 1)) {
            expected = inProcess.generate("def fibonacci(n):", GenerationRequest.of("ar").maxTokens(24)).text();
        }
        assertEquals(expected, generated.out());
        assertTrue(generated.err().contains("jacobi: 24 tokens in"), generated.err());
    }
}
