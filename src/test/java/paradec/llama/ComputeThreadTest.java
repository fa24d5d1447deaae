package paradec.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import paradec.testing.JavaCommand;

/**
 * Only one thread of a process runs OpenMP teams (ComputeThread): each scenario of {@link ComputeThreadScenarios}
 * in a JVM of its own, since the role lasts as long as its thread.
 */
class ComputeThreadTest {
    @ParameterizedTest
    @ValueSource(strings = {"first-decoder", "compute-thread"})
    void onlyOneThreadRunsMultiThreadedDecodes(String scenario, @TempDir Path dir) throws Exception {
        Path log = dir.resolve("child.log");
        Process p = new ProcessBuilder(JavaCommand.of(ComputeThreadScenarios.class, List.of("-Dparadec.fixed-threads=true"), List.of(scenario)))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(120, TimeUnit.SECONDS);
        if (!finished) p.destroyForcibly().waitFor();
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(finished, "the scenario hung: " + text);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.lines().anyMatch("PASS"::equals), text);
    }
}
