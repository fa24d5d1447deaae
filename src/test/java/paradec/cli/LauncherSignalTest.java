package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import paradec.testing.TestModels;

/**
 * bin/paradec runs a long command's JVM as its child (to filter the incubator notice from stderr): a signal that
 * ends the launcher must end that JVM too, or a killed {@code serve} keeps running, port and all.
 */
class LauncherSignalTest {
    @Test
    void killingTheLauncherEndsItsServer() throws Exception {
        Path root = TestModels.root();
        assertTrue(Files.isRegularFile(root.resolve("target/paradec.jar")), "the launcher tests need 'make jar' first");
        Process launcher = new ProcessBuilder(root.resolve("bin/paradec").toString(), "serve", "-m", root.resolve("models/code-ar.gguf").toString(),
                "--port", "0").redirectErrorStream(true).start();
        List<ProcessHandle> jvm = List.of();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8));
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.contains("serving"));
            assertTrue(line != null, "the server never said it was serving");
            jvm = launcher.descendants().filter(h -> h.info().command().orElse("").endsWith("/java")).toList();
            assertEquals(1, jvm.size(), "one JVM under the launcher: " + jvm);
            launcher.destroy(); // SIGTERM, as kill or a service manager sends it
            assertTrue(launcher.waitFor(30, TimeUnit.SECONDS), "the launcher did not end");
            for (int i = 0; i < 300 && jvm.get(0).isAlive(); i++) Thread.sleep(100);
            assertFalse(jvm.get(0).isAlive(), "the server's JVM outlived its launcher");
        } finally {
            // an orphaned JVM is no longer the launcher's descendant: end it by its handle
            jvm.forEach(ProcessHandle::destroyForcibly);
            launcher.destroyForcibly();
        }
        assertFalse(launcher.isAlive());
    }
}
