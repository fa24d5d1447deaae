package paradec.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import paradec.cli.Main;

/** {@code paradec trace-view}: the CLI side of the renderer, whose own tests live with the core. */
class TraceViewCommandTest {
    @TempDir
    Path dir;

    /** A Jacobi trace of three calls, four lines (the same one the core's TraceRendererTest draws). */
    private Path jacobi() throws IOException {
        Path f = dir.resolve("jacobi.jsonl");
        try (TraceWriter w = new TraceWriter(Files.newBufferedWriter(f, StandardCharsets.UTF_8))) {
            w.onEvent(TraceStart.ar("jacobi", new int[] {1, 2, 3}));
            w.onEvent(new ArStep("jacobi", 0, 3, new int[] {10, 11, 12, 13}, new int[] {11, 12, 99, 98}, 2, new int[] {11, 12, 99}));
            w.onEvent(new ArStep("jacobi", 1, 6, new int[] {99, 20, 21, 22}, new int[] {20, 50, 60, 70}, 1, new int[] {20, 50}));
            w.onEvent(new ArStep("jacobi", 2, 8, new int[] {50, 60, 61, 62}, new int[] {60, 61, 62, 63}, 3, new int[] {60, 61, 62, 63}));
        }
        return f;
    }

    @Test
    void commandLineWritesThePictureAndMapsErrorsToExitCodes() throws Exception {
        Path trace = jacobi();
        Path out = dir.resolve("t.html");
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
        PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8);
        assertEquals(Main.OK, Main.run(new String[] {"trace-view", trace.toString(), "-o", out.toString()}, po, pe), e.toString());
        assertEquals("wrote " + out, o.toString(StandardCharsets.UTF_8).strip());
        assertTrue(Files.readString(out).contains("<svg"));
        assertEquals(Main.OK, Main.run(new String[] {"trace-view", "--output=" + dir.resolve("u.svg"), trace.toString()}, po, pe));
        assertTrue(Files.exists(dir.resolve("u.svg")));

        assertEquals(Main.USAGE, Main.run(new String[] {"trace-view", trace.toString()}, po, pe), "no -o");
        assertEquals(Main.USAGE, Main.run(new String[] {"trace-view", "-o", "x.svg"}, po, pe), "no trace");
        assertEquals(Main.USAGE, Main.run(new String[] {"trace-view", "a", "b", "-o", "x.svg"}, po, pe), "two traces");
        assertEquals(Main.BAD_INPUT, Main.run(new String[] {"trace-view", trace.toString(), "-o", dir.resolve("x.png").toString()}, po, pe));
        assertEquals(Main.BAD_INPUT, Main.run(new String[] {"trace-view", dir.resolve("none.jsonl").toString(), "-o", out.toString()}, po, pe));
        Path corrupt = dir.resolve("corrupt.jsonl");
        Files.writeString(corrupt, Files.readString(trace) + "{oops\n");
        e.reset();
        assertEquals(Main.BAD_INPUT, Main.run(new String[] {"trace-view", corrupt.toString(), "-o", out.toString()}, po, pe));
        assertTrue(e.toString(StandardCharsets.UTF_8).contains("line 5"), e.toString());
    }
}
