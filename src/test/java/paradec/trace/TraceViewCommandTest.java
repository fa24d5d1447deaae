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
        assertTrue(o.toString(StandardCharsets.UTF_8).strip().startsWith("wrote " + out + ": jacobi: 3 calls"), o.toString());
        assertTrue(Files.readString(out).contains("<svg"));
        assertEquals(Main.OK, Main.run(new String[] {"trace-view", "--output=" + dir.resolve("u.svg"), trace.toString()}, po, pe));
        assertTrue(Files.exists(dir.resolve("u.svg")));

        assertEquals(Main.USAGE, Main.run(new String[] {"trace-view", trace.toString()}, po, pe), "no -o");
        assertEquals(Main.USAGE, Main.run(new String[] {"trace-view", "-o", "x.svg"}, po, pe), "no trace");
        assertEquals(Main.USAGE, Main.run(new String[] {"trace-view", "a", "b", "-o", "x.svg"}, po, pe), "two traces");
        assertEquals(Main.BAD_INPUT, Main.run(new String[] {"trace-view", trace.toString(), "-o", dir.resolve("x.gif").toString()}, po, pe));
        assertEquals(Main.BAD_INPUT, Main.run(new String[] {"trace-view", dir.resolve("none.jsonl").toString(), "-o", out.toString()}, po, pe));
        Path corrupt = dir.resolve("corrupt.jsonl");
        Files.writeString(corrupt, Files.readString(trace) + "{oops\n");
        e.reset();
        assertEquals(Main.BAD_INPUT, Main.run(new String[] {"trace-view", corrupt.toString(), "-o", out.toString()}, po, pe));
        assertTrue(e.toString(StandardCharsets.UTF_8).contains("line 5"), e.toString());
    }

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static final Path CODE_AR = paradec.testing.TestModels.root().resolve("models/code-ar.gguf");
    static final Path TASKS_DLM = paradec.testing.TestModels.root().resolve("models/tasks-dlm.gguf");

    /** The summary trace-view prints (and draws) says what generate --json said, for every family. */
    @Test
    void theSummaryAgreesWithJson() throws Exception {
        record Case(Path model, String prompt, String decoder, int n) {}
        for (Case c : java.util.List.of(new Case(CODE_AR, "class Queue:", "ar", 24), new Case(CODE_AR, "class Queue:", "jacobi", 40),
                new Case(CODE_AR, "class Queue:", "lookahead", 40), new Case(TASKS_DLM, "12+34=", "dico", 8),
                new Case(TASKS_DLM, "0052+1945=", "llada", 8))) {
            Path trace = dir.resolve(c.decoder() + ".jsonl");
            Run g = run("generate", "-m", c.model().toString(), "-p", c.prompt(), "-n", Integer.toString(c.n()), "--decoder", c.decoder(),
                    "--json", "--trace", trace.toString(), "--threads", "1");
            assertEquals(Main.OK, g.code(), g.err());
            java.util.Map<String, Object> json = paradec.json.JsonReader.parseObject(g.out().strip());
            Run v = run("trace-view", trace.toString(), "-o", dir.resolve(c.decoder() + ".html").toString());
            assertEquals(Main.OK, v.code(), v.err());
            String summary = v.out().strip();
            String expected = String.format(java.util.Locale.ROOT, "%s: %d forward calls", json.get("decoder"), (Long) json.get("forward_calls"));
            assertTrue(summary.contains(expected), summary + " vs " + json);
            assertTrue(summary.contains(", " + json.get("generated_tokens") + " tokens, "), summary + " vs " + json);
            assertTrue(summary.contains(String.format(java.util.Locale.ROOT, "%.2f tokens/call", ((Number) json.get("tokens_per_call")).doubleValue())),
                    summary + " vs " + json);
            assertTrue(summary.contains("stopped by " + json.get("stop_reason")), summary + " vs " + json);
            // and the page shows the same line
            assertTrue(Files.readString(dir.resolve(c.decoder() + ".html")).contains(summary.substring(summary.indexOf(": ") + 2)
                    .replace("'", "&#39;")), summary);
        }
    }

    /** Cells carry the tokens' text from the model the trace names; the ids are in the tooltips; --ids draws ids. */
    @Test
    void cellsShowTokenTextAndTooltipsTheIds() throws Exception {
        Path trace = dir.resolve("ar.jsonl");
        Run g = run("generate", "-m", CODE_AR.toString(), "-p", "import os", "-n", "12", "--decoder", "ar", "--json", "--trace",
                trace.toString(), "--threads", "1");
        assertEquals(Main.OK, g.code(), g.err());
        int[] tokens = paradec.json.JsonReader.parseObject(g.out().strip()).get("tokens") instanceof java.util.List<?> l
                ? l.stream().mapToInt(x -> ((Number) x).intValue()).toArray() : new int[0];
        Path svg = dir.resolve("ar.svg");
        assertEquals(Main.OK, run("trace-view", trace.toString(), "-o", svg.toString()).code());
        String picture = Files.readString(svg);
        try (paradec.llama.Model m = paradec.llama.Model.load(CODE_AR, paradec.llama.ModelParams.vocabOnlyParams())) {
            for (int t : tokens) {
                String piece = m.vocab().piece(t);
                String shown = piece.replace("\n", "↵").replace("\t", "⇥").replace(' ', '·');
                // the tooltip names id and text; the cell's label is the text (cut with … when long)
                assertTrue(picture.contains("model produced " + t + " &#39;" + Svg.escape(shown) + "&#39;"), t + " " + shown);
                String label = shown.codePointCount(0, shown.length()) <= 3 ? shown : shown.substring(0, shown.offsetByCodePoints(0, 2));
                assertTrue(picture.contains(">" + Svg.escape(label)), "cell text for " + t + ": " + label);
            }
        }
        Path ids = dir.resolve("ids.svg");
        assertEquals(Main.OK, run("trace-view", trace.toString(), "-o", ids.toString(), "--ids").code());
        assertTrue(Files.readString(ids).contains(">" + tokens[0] + "</text>"), "--ids draws the ids");
    }

    /** A PNG of the same picture: the SVG's size at scale 2, with the four cell colours of a Jacobi trace. */
    @Test
    void writesAPng() throws Exception {
        Path trace = jacobi();
        Path png = dir.resolve("t.png");
        Run r = run("trace-view", trace.toString(), "-o", png.toString());
        assertEquals(Main.OK, r.code(), r.err());
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
        String svg = new TraceRenderer(null).svg(TraceFile.read(trace));
        java.util.regex.Matcher size = java.util.regex.Pattern.compile("width=\"([0-9.]+)\" height=\"([0-9.]+)\"").matcher(svg);
        assertTrue(size.find());
        assertEquals((int) Math.ceil(Double.parseDouble(size.group(1)) * 2), image.getWidth());
        assertEquals((int) Math.ceil(Double.parseDouble(size.group(2)) * 2), image.getHeight());
        java.util.Map<Integer, Integer> counts = new java.util.HashMap<>();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) counts.merge(image.getRGB(x, y) & 0xffffff, 1, Integer::sum);
        }
        // the trace has 3 settled, 6 accepted, 3 bonus and 1 rejected cells, plus one legend swatch each
        int cell = counts.getOrDefault(Integer.parseInt(TraceRenderer.REJECTED.substring(1), 16), 0);
        assertTrue(cell > 100, "rejected fill drawn: " + cell);
        for (String fill : java.util.List.of(TraceRenderer.SETTLED, TraceRenderer.ACCEPTED, TraceRenderer.BONUS)) {
            int n = counts.getOrDefault(Integer.parseInt(fill.substring(1), 16), 0);
            assertTrue(n > 2 * cell, fill + " covers more than the one rejected cell: " + n + " vs " + cell);
        }
        assertTrue(counts.getOrDefault(0xffffff, 0) > image.getWidth() * image.getHeight() / 2, "white background");
    }
}
