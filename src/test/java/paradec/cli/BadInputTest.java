package paradec.cli;

import static paradec.cli.CliGenerateTest.run;

import paradec.cli.CliGenerateTest.Run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import paradec.testing.TestModels;

/**
 * Bad models and bad arguments end with the documented exit code (2 usage, 3 bad model or input)
 * and a one-line message, in-process through Main.run and through the real launcher.
 */
class BadInputTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path empty;
    static Path random;
    static Path truncated;
    static Path absurd;
    static Path unknownArch;

    @BeforeAll
    static void files() throws IOException {
        model = TestModels.generated(2, 64, 4, 512, 5);
        empty = Files.createFile(dir.resolve("empty.gguf"));
        byte[] noise = new byte[4096];
        new SplittableRandom(3).nextBytes(noise);
        random = Files.write(dir.resolve("random.gguf"), noise);
        byte[] whole = Files.readAllBytes(model);
        truncated = Files.write(dir.resolve("truncated.gguf"), java.util.Arrays.copyOf(whole, whole.length / 2));
        // a valid header claiming 2^60 tensors and 2^60 metadata entries
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(24).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {'G', 'G', 'U', 'F'}).putInt(3).putLong(1L << 60).putLong(1L << 60);
        absurd = Files.write(dir.resolve("absurd.gguf"), b.array());
        // well-formed GGUF that llama.cpp itself refuses (unknown architecture)
        unknownArch = new paradec.gguf.GgufWriter().putString("general.architecture", "no-such-arch").write(dir.resolve("arch.gguf"));
    }


    static Run assertFails(int code, String... args) {
        Run r = run(args);
        assertEquals(code, r.code(), String.join(" ", args) + " -> " + r.err());
        assertOneLine(r.err(), String.join(" ", args));
        return r;
    }

    static void assertOneLine(String err, String what) {
        String[] lines = err.strip().split("\n");
        assertEquals(1, lines.length, what + ": stderr must be one line, got: " + err);
        assertTrue(lines[0].startsWith("paradec: "), what + ": " + lines[0]);
        assertTrue(lines[0].length() > "paradec: ".length() + 5, what + ": message too short: " + lines[0]);
    }

    @Test
    void badModelFiles() {
        for (Path p : List.of(dir.resolve("missing.gguf"), empty, random, truncated, absurd, dir, unknownArch)) {
            assertFails(Main.BAD_INPUT, "generate", "-m", p.toString(), "-p", "hi", "-n", "2");
            assertFails(Main.BAD_INPUT, "tokenize", "-m", p.toString(), "-p", "hi");
        }
        assertTrue(run("generate", "-m", dir.resolve("missing.gguf").toString(), "-p", "hi").err().contains("missing.gguf"));
        // llama.cpp's reason is in the one line
        assertTrue(run("generate", "-m", unknownArch.toString(), "-p", "hi").err().contains("unknown model architecture"));
    }

    @Test
    void usageErrors() {
        String m = model.toString();
        // no arguments at all: the usage text on stderr (the one multi-line error, by design)
        Run none = run();
        assertEquals(Main.USAGE, none.code());
        assertTrue(none.err().startsWith("usage: paradec"), none.err());
        assertFails(Main.USAGE, "frobnicate");
        assertFails(Main.USAGE, "generate", "-m", m, "-p", "hi", "--no-such-option");
        assertFails(Main.USAGE, "generate", "-m", m, "-p", "hi", "-n", "0");
        assertFails(Main.USAGE, "generate", "-m", m, "-p", "hi", "-n", "-5");
        assertFails(Main.USAGE, "generate", "-m", m, "-p", "hi", "-n", "many");
        assertFails(Main.USAGE, "generate", "-m", m, "-p", "hi", "-n");
        assertFails(Main.USAGE, "generate", "-m", m, "-p", "hi", "--decoder", "telepathy");
        assertFails(Main.USAGE, "generate", "-m", m, "-p", "hi", "--decoder", "jacobi", "--window", "0");
        assertFails(Main.USAGE, "generate", "-m", m, "-p", "hi", "--temp", "-1");
        assertFails(Main.USAGE, "generate", "-m", m);
        assertFails(Main.USAGE, "tokenize", "-p", "hi");
        assertFails(Main.USAGE, "tokenize", "-m", m);
    }

    @Test
    void textFilesThatAreNotUtf8AreRefusedNamingTheByte() throws IOException {
        Path latin1 = Files.write(dir.resolve("latin1.txt"), new byte[] {'d', 'e', 'f', ' ', (byte) 0xe9, '\n'});
        Run r = assertFails(Main.BAD_INPUT, "generate", "-m", model.toString(), "--prompt-file", latin1.toString(), "-n", "2");
        assertTrue(r.err().contains(latin1 + " is not UTF-8 text: byte 0xE9 at offset 4"), r.err());
        r = assertFails(Main.BAD_INPUT, "bench", "-m", model.toString(), "--prompts", latin1.toString(), "-n", "2", "--repeat", "1");
        assertTrue(r.err().contains("is not UTF-8 text"), r.err());
        r = assertFails(Main.BAD_INPUT, "generate", "-m", model.toString(), "--prompt-file", dir.toString(), "-n", "2");
        assertTrue(r.err().contains(dir + " is a directory"), r.err());
        r = assertFails(Main.BAD_INPUT, "eval", "--task", "add", "-m", model.toString(), "--heldout", dir.toString());
        assertTrue(r.err().contains(dir + " is a directory"), r.err());
        r = assertFails(Main.USAGE, "generate", "-m", "", "-p", "x");
        assertTrue(r.err().contains("-m needs a model file"), r.err());
        // valid UTF-8 (and a NUL in it) is a prompt like any other
        Path utf8 = Files.write(dir.resolve("utf8.txt"), "def caf\u00e9\u0000(x):".getBytes(StandardCharsets.UTF_8));
        Run ok = run("generate", "-m", TestModels.root().resolve("models/code-ar.gguf").toString(), "--prompt-file", utf8.toString(), "-n", "2");
        assertEquals(Main.OK, ok.code(), ok.err());
    }

    @Test
    void promptTooLongForTheContext() {
        String longPrompt = "word ".repeat(100);
        assertFails(Main.BAD_INPUT, "generate", "-m", model.toString(), "-p", longPrompt, "--ctx", "16", "-n", "4");
        assertFails(Main.BAD_INPUT, "generate", "-m", model.toString(), "-p", longPrompt, "--ctx", "16", "-n", "4", "--decoder", "jacobi");
    }

    @Test
    void aGoodRunStillWorksAfterBadOnes() {
        Run r = run("generate", "-m", model.toString(), "-p", "hi", "-n", "3");
        assertEquals(Main.OK, r.code(), r.err());
    }

    // ---- the real launcher ---------------------------------------------------------------

    @Test
    void launcherExitCodesAndNoCrashFiles(@TempDir Path cwd) throws Exception {
        Path launcher = TestModels.root().resolve("bin/paradec");
        Path jar = TestModels.root().resolve("target/paradec.jar");
        assertTrue(Files.isRegularFile(jar), jar + " is missing: the launcher tests need 'mvn package' (or 'make jar') first");
        List<Object[]> cases = new ArrayList<>();
        cases.add(new Object[] {Main.BAD_INPUT, new String[] {"generate", "-m", dir.resolve("missing.gguf").toString(), "-p", "hi"}});
        cases.add(new Object[] {Main.BAD_INPUT, new String[] {"generate", "-m", random.toString(), "-p", "hi"}});
        cases.add(new Object[] {Main.BAD_INPUT, new String[] {"tokenize", "-m", truncated.toString(), "-p", "hi"}});
        cases.add(new Object[] {Main.USAGE, new String[] {"generate", "-m", model.toString(), "-p", "hi", "-n", "0"}});
        cases.add(new Object[] {Main.USAGE, new String[] {"no-such-command"}});
        cases.add(new Object[] {Main.BAD_INPUT, new String[] {"generate", "-m", unknownArch.toString(), "-p", "hi"}});
        for (Object[] c : cases) {
            List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
            cmd.addAll(List.of((String[]) c[1]));
            Path err = cwd.resolve("err.txt");
            Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectError(err.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher timed out: " + cmd);
            String stderr = Files.readString(err);
            assertEquals((int) c[0], p.exitValue(), cmd + " -> " + stderr);
            assertOneLine(stderr.lines().filter(l -> !l.startsWith("WARNING")).reduce("", (a, l) -> a + l + "\n"), cmd.toString());
        }
        try (Stream<Path> s = Files.list(cwd)) {
            assertTrue(s.noneMatch(f -> f.getFileName().toString().startsWith("hs_err_pid")), "a JVM crash file appeared");
        }
    }
}
