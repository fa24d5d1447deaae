package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import paradec.gguf.GgufWriter;
import paradec.testing.TestModels;

/**
 * The command line leaves llama.cpp's log in native code unless {@code --verbose} (a process-wide choice made in
 * {@code Main.main}, so these run a child JVM): a generation still works, prints nothing of llama.cpp's, and a
 * model llama.cpp refuses still reports llama.cpp's reason.
 */
class SilentNativeLogTest {
    record Run(int exit, String out, String err) {}

    static Run main(List<String> jvmArgs, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dparadec.native.dir=" + TestModels.nativeDir(),
                "-cp", System.getProperty("java.class.path")));
        command.addAll(jvmArgs);
        command.add("paradec.cli.Main");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child did not finish");
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void aRefusedModelStillNamesLlamaCppsReason(@TempDir Path dir) throws Exception {
        Path file = new GgufWriter().putString("general.architecture", "no-such-arch").write(dir.resolve("unknown.gguf"));
        Run r = main(List.of(), "generate", "-m", file.toString(), "-p", "hi", "-n", "4");
        assertTrue(r.exit() != 0, r.toString());
        assertTrue(r.err().contains("unknown model architecture"), "llama.cpp's reason belongs in the message: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    /** Natives that are nowhere to be found: one line that says where they were looked for, no crash. */
    @Test
    void missingNativesAreReportedInOneLine(@TempDir Path dir) throws Exception {
        String classPath = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(e -> !e.contains("natives")).collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dparadec.native.dir=" + dir.resolve("none"), "-Dparadec.root=" + dir,
                "-cp", classPath, "paradec.cli.Main", "generate", "-m", TestModels.root().resolve("models/code-ar.gguf").toString(),
                "-p", "hi", "-n", "4");
        Process p = new ProcessBuilder(command).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child did not finish");
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.exitValue() != 0, err);
        assertTrue(err.contains("libllama.so not found"), err);
        assertEquals(1, err.strip().lines().count(), "one line: " + err);
    }

    @Test
    void aGenerationPrintsNothingOfLlamaCppsAndVerboseShowsIt() throws Exception {
        String model = TestModels.root().resolve("models/code-ar.gguf").toString();
        Run quiet = main(List.of(), "generate", "-m", model, "-p", "def f(x):", "-n", "8", "--threads", "1", "--temp", "0");
        assertEquals(0, quiet.exit(), quiet.err());
        assertEquals("", quiet.err());
        // the lines never reach Java: not even a logger switched on explicitly sees them (routed, it would)
        String loggerOn = "-Dorg.slf4j.simpleLogger.log.llama.cpp=info";
        Run silent = main(List.of(loggerOn), "generate", "-m", model, "-p", "def f(x):", "-n", "8", "--threads", "1", "--temp", "0");
        assertEquals("", silent.err());
        Run routed = main(List.of(loggerOn, "-Dparadec.nativeLog=route"), "generate", "-m", model, "-p", "def f(x):", "-n", "8",
                "--threads", "1", "--temp", "0");
        assertTrue(routed.err().contains("llama_model_loader"), routed.err());
        Run verbose = main(List.of(), "generate", "-m", model, "-p", "def f(x):", "-n", "8", "--threads", "1", "--temp", "0", "--verbose");
        assertEquals(0, verbose.exit(), verbose.err());
        assertTrue(verbose.err().contains("llama.cpp") && verbose.err().contains("llama_model_loader"), verbose.err());
        assertEquals(quiet.out(), verbose.out(), "the same text either way");
    }
}
