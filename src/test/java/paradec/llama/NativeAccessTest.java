package paradec.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import paradec.testing.TestModels;

/**
 * A JVM started without {@code --enable-native-access} gets one line from paradec naming the flag to add,
 * before the JDK's own warning (JDK 22-25 warn and go on; a later JDK refuses, and then that line is the
 * error). With the flag there is no such line. bin/paradec sets it, so this runs the CLI in a child JVM.
 */
class NativeAccessTest {
    record Run(int code, String out, List<String> errLines) {}

    static Run tokenize(boolean flag) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (flag) command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(List.of("--add-modules", "jdk.incubator.vector", "-Dparadec.native.dir=" + TestModels.nativeDir(),
                "-cp", System.getProperty("java.class.path"), "paradec.cli.Main", "tokenize",
                "-m", TestModels.root().resolve("models/code-ar.gguf").toString(), "-p", "def f(x):"));
        Process p = new ProcessBuilder(command).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "tokenize did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.exitValue(), out, err.lines().toList());
    }

    static List<String> paradecNativeAccessLines(Run r) {
        return r.errLines().stream().filter(l -> l.startsWith("paradec: native access")).toList();
    }

    @Test
    void withoutTheFlagOneLineNamesIt() throws Exception {
        Run without = tokenize(false);
        List<String> ours = paradecNativeAccessLines(without);
        assertEquals(1, ours.size(), String.join("\n", without.errLines()));
        assertTrue(ours.getFirst().contains("--enable-native-access=ALL-UNNAMED"), ours.getFirst());
        int ourLine = without.errLines().indexOf(ours.getFirst());
        int jdkWarning = without.errLines().stream().filter(l -> l.startsWith("WARNING: A restricted method")).findFirst()
                .map(without.errLines()::indexOf).orElse(Integer.MAX_VALUE);
        assertTrue(ourLine < jdkWarning, "paradec's line comes before the first restricted call: " + without.errLines());

        Run with = tokenize(true);
        assertEquals(0, with.code(), String.join("\n", with.errLines()));
        assertEquals(List.of(), paradecNativeAccessLines(with));
        if (Runtime.version().feature() <= 25) {
            // these JDKs only warn: the command still does its work, with the same tokens
            assertEquals(0, without.code(), String.join("\n", without.errLines()));
            assertEquals(with.out(), without.out());
        }
    }
}
