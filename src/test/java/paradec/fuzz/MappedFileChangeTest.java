package paradec.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import paradec.testing.TestModels;

/**
 * A model file truncated while it is loaded: memory-mapped, the next generation and the next context are
 * refused with a clear error instead of a SIGBUS; loaded without mmap, the model keeps generating the same
 * tokens. Each in a child JVM, so that a crash is seen as one.
 */
class MappedFileChangeTest {
    @TempDir
    Path dir;

    List<String> run(String mode) throws Exception {
        Path copy = Files.copy(TestModels.root().resolve("models/code-ar.gguf"), dir.resolve(mode + ".gguf"));
        Path log = dir.resolve(mode + ".log");
        Process p = new ProcessBuilder(ChildJvm.command(MappedFileDriver.class, List.of(), List.of(mode, copy.toString())))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(180, TimeUnit.SECONDS);
        if (!finished) p.destroyForcibly().waitFor();
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertTrue(finished && p.exitValue() == 0 && lines.contains("DONE"),
                (finished ? "the child exited with " + p.exitValue() : "the child hung") + ":\n" + String.join("\n", lines));
        return lines;
    }

    @Test
    void aTruncatedMappedFileIsRefusedNotCrashedOn() throws Exception {
        List<String> lines = run("mmap");
        String generate = lines.stream().filter(l -> l.startsWith("GENERATE ")).findFirst().orElse("none");
        String context = lines.stream().filter(l -> l.startsWith("CONTEXT ")).findFirst().orElse("none");
        assertTrue(generate.startsWith("GENERATE REFUSED") && generate.contains("changed on disk"), generate);
        assertTrue(context.startsWith("CONTEXT REFUSED") && context.contains("changed on disk"), context);
    }

    @Test
    void withoutMmapTheModelOutlivesItsFile() throws Exception {
        List<String> lines = run("no-mmap");
        String first = lines.stream().filter(l -> l.startsWith("FIRST ")).findFirst().orElse("none").substring(6);
        String second = lines.stream().filter(l -> l.startsWith("SECOND ")).findFirst().orElse("SECOND none").substring(7);
        assertEquals(first, second, String.join("\n", lines));
        assertTrue(lines.contains("CONTEXT OK"), String.join("\n", lines));
    }
}
