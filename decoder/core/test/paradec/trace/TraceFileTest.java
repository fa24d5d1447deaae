package paradec.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceFileTest {
    @TempDir
    Path dir;

    private static Trace read(String text) throws IOException {
        return TraceFile.read(new StringReader(text), "t.jsonl");
    }

    private static void assertRejected(String text, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read(text));
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
    }

    @Test
    void readsWhatTheArWriterWrites() throws IOException {
        ArTrace t = assertInstanceOf(ArTrace.class, TraceFile.read(Traces.jacobi(dir)));
        assertEquals("jacobi", t.decoder());
        assertArrayEquals(new int[] {1, 2, 3}, t.prompt());
        assertEquals(3, t.steps().size());
        ArStep s = t.steps().get(1);
        assertEquals(1, s.iteration());
        assertEquals(6, s.position());
        assertArrayEquals(new int[] {99, 20, 21, 22}, s.window());
        assertArrayEquals(new int[] {20, 50, 60, 70}, s.predictions());
        assertEquals(1, s.accepted());
        assertArrayEquals(new int[] {20, 50}, s.emitted());
        assertEquals(9, t.tokens());
        assertEquals("jacobi: 3 calls, 9 tokens, 3.00 tokens/call", t.summary());
    }

    @Test
    void readsWhatTheDiffusionWriterWrites() throws IOException {
        DiffusionTrace t = assertInstanceOf(DiffusionTrace.class, read(Traces.diffusion() + "\n\n"));
        assertEquals(5, t.promptLength());
        assertEquals(12, t.genLength());
        assertEquals(4, t.blockLength());
        assertEquals("dico", t.policy());
        assertEquals(5, t.steps().size());
        DiffusionStep s = t.steps().get(1);
        assertEquals(1, s.step());
        assertEquals("CONQUER", s.phase());
        assertArrayEquals(new int[] {0, 2}, s.committedPositions());
        assertEquals(0.7, s.confidences()[0]);
        assertTrue(Double.isNaN(s.confidences()[1]), "null confidence reads back as NaN");
        assertArrayEquals(new int[] {1, 0, 1, 0, 2, 2, 2, 2, 3, 4, 3, 3}, t.commitStep());
        assertEquals(12, t.committed());
    }

    @Test
    void theResultLineGivesTheGenerationsOwnNumbers() throws IOException {
        String steps = Files.readString(Traces.jacobi(dir));
        // three drawn calls emit 3 + 2 + 4 = 9 tokens; the run itself made 4 calls (the prompt's) and kept 8 (a limit)
        java.io.StringWriter w = new java.io.StringWriter();
        try (TraceWriter tw = new TraceWriter(w)) {
            tw.result(new paradec.generation.GenerationResult("jacobi", 3, new int[] {1, 2, 3, 4, 5, 6, 7, 8}, "", 
                    paradec.generation.StopReason.MAX_TOKENS, 4, 0, 0, java.util.Map.of()), "/m.gguf");
        }
        ArTrace t = assertInstanceOf(ArTrace.class, read(steps + w));
        assertEquals(new TraceResult(8, 4, "max_tokens", "/m.gguf"), t.result());
        assertEquals("jacobi: 4 forward calls (3 drawn; the prompt's call gave the first token), 8 tokens, 2.00 tokens/call, "
                + "stopped by max_tokens", t.summary());
        assertEquals("jacobi: 3 calls, 9 tokens, 3.00 tokens/call", assertInstanceOf(ArTrace.class, read(steps)).summary(),
                "without a result line, what the steps show");
        assertRejected(steps + w + steps.lines().toList().getLast() + "\n", "line 6", "after the result line");
    }

    @Test
    void badLinesAreRejectedWithTheirLineNumber() {
        String h = "{\"kind\":\"ar-header\",\"decoder\":\"jacobi\",\"prompt\":[1]}\n";
        String ok = "{\"kind\":\"ar-step\",\"decoder\":\"jacobi\",\"iteration\":0,\"position\":1,\"window\":[5,6],"
                + "\"predictions\":[6,7],\"accepted\":1,\"emitted\":[6,7]}\n";
        assertRejected(h + ok + "{\"kind\":\"ar-step\",\n", "t.jsonl: line 3:", "JSON error");
        assertRejected(h + "\n" + ok.replace("\"accepted\":1", "\"accepted\":2"), "line 3:", "accepted 2 exceeds");
        assertRejected(h + ok.replace("\"predictions\":[6,7]", "\"predictions\":[6]"), "line 2:", "predictions");
        assertRejected(h + ok.replace("\"position\":1", "\"position\":-1"), "line 2:", "\"position\"");
        assertRejected(h + ok.replace("\"window\":[5,6]", "\"window\":[5,\"x\"]"), "line 2:", "window[1]");
        assertRejected(h + ok.replace("\"emitted\":[6,7]", "\"emitted\":[6,7,8]"), "line 2:", "emitted 3");
        assertRejected(h + ok.replace(",\"iteration\":0", ""), "line 2:", "missing field \"iteration\"");
        assertRejected(h + ok.replace("ar-step", "diffusion"), "line 2:", "ar-step");
        assertRejected(ok, "line 1:", "header");
        assertRejected(h + "[1,2]\n", "line 2:", "object");
        assertRejected(h + h, "line 2:");
        assertRejected("", "empty trace");
        assertRejected("\n  \n", "empty trace");
    }

    @Test
    void badDiffusionStepsAreRejected() {
        String h = "{\"kind\":\"diffusion-header\",\"prompt_length\":2,\"gen_length\":4,\"block_length\":2,\"policy\":\"llada\"}\n";
        String s0 = "{\"kind\":\"diffusion\",\"step\":0,\"block\":0,\"positions\":[1],\"confidences\":[0.5],\"tokens\":[9],\"phase\":\"\"}\n";
        assertRejected(h + s0.replace("[1]", "[4]"), "line 2:", "position 4 outside");
        assertRejected(h + s0 + s0.replace("\"step\":0", "\"step\":1"), "line 3:", "position 1 was already committed at step 0");
        assertRejected(h + s0 + s0.replace("[1]", "[2]"), "line 3:", "does not follow");
        assertRejected(h + s0.replace("\"tokens\":[9]", "\"tokens\":[9,9]"), "line 2:", "differ in length");
        assertRejected(h + s0.replace("[0.5]", "[\"high\"]"), "line 2:", "confidences[0]");
        assertRejected(h.replace("\"block_length\":2", "\"block_length\":0"), "line 1:", "block_length");
        assertRejected(h.replace("\"gen_length\":4", "\"gen_length\":4.5"), "line 1:", "gen_length");
        assertRejected(h + s0.replace("\"kind\":\"diffusion\"", "\"kind\":\"ar-step\""), "line 2:", "diffusion");
    }

    @Test
    void unreadableFilesFailWithIoException() throws IOException {
        assertThrows(NoSuchFileException.class, () -> TraceFile.read(dir.resolve("absent.jsonl")));
        Path bad = dir.resolve("bad.jsonl");
        byte[] header = "{\"kind\":\"ar-header\",\"decoder\":\"ar\",\"prompt\":[]}\n".getBytes();
        byte[] junk = {'{', '"', (byte) 0xff, (byte) 0xfe, '"', '}', '\n'};
        byte[] all = new byte[header.length + junk.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(junk, 0, all, header.length, junk.length);
        Files.write(bad, all);
        IOException e = assertThrows(IOException.class, () -> TraceFile.read(bad));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("UTF-8"), e.getMessage());
    }
}
