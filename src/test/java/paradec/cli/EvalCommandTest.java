package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import paradec.json.JsonReader;

class EvalCommandTest {
    static final Path ROOT = Path.of(System.getProperty("paradec.root", ".")).toAbsolutePath();

    static CliGenerateTest.Run run(String... args) {
        return CliGenerateTest.run(args);
    }

    static Path shipped(String name) {
        Path m = ROOT.resolve("models").resolve(name + ".gguf");
        assumeTrue(Files.isRegularFile(m), m + " is not built");
        return m;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(CliGenerateTest.Run r) {
        assertEquals(Main.OK, r.code(), r.err());
        return (Map<String, Object>) JsonReader.parse(r.out().strip());
    }

    static double num(Map<String, Object> m, String key) {
        assertTrue(m.containsKey(key), key + " missing in " + m);
        return ((Number) m.get(key)).doubleValue();
    }

    static String[] readRef(String name) {
        try {
            return Files.readString(ROOT.resolve("models/lab/ref").resolve(name)).strip().split("\t");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void unknownTaskIsAUsageErrorAndMissingFileBadInput(@TempDir Path dir) {
        assertEquals(Main.USAGE, run("eval", "--task", "chess").code());
        assertEquals(Main.BAD_INPUT, run("eval", "--task", "add", "--heldout", dir.resolve("none.tsv").toString()).code());
        assertEquals(Main.USAGE, run("eval", "--task", "add", "stray").code());
    }

    /** Parallel decoders are lossless: the same score as AR, in fewer forward calls, on held-out code. */
    @Test
    void codeTaskScoresEveryDecoderAlikeAndReportsPerplexity() {
        String model = shipped("code-ar").toString();
        Map<String, Object> ar = json(run("eval", "--task", "code", "-m", model, "--decoder", "ar", "--n", "4", "--json"));
        assertEquals("code", ar.get("task"));
        assertEquals("ar", ar.get("decoder"));
        assertEquals(4.0, num(ar, "n"));
        assertEquals(4 * 32.0, num(ar, "generated_tokens"), "no end of text within 32 tokens of source code");
        assertEquals(num(ar, "generated_tokens"), num(ar, "forward_calls"), "AR: one call per token");
        double accuracy = num(ar, "accuracy");
        assertTrue(accuracy > 0 && accuracy < 1, "a small model continues some held-out code, not all: " + accuracy);
        double ppl = num(ar, "perplexity");
        // PyTorch's value on the same text and chunks (models/lab/code_heldout.py --nll)
        String[] ref = readRef("code-ar.heldout-nll.tsv");
        assertEquals(Double.parseDouble(ref[1]), num(ar, "perplexity_tokens"), "same tokens as SentencePiece");
        assertEquals(Double.parseDouble(ref[2]), Math.log(ppl), 5e-3, "mean nats per token");
        assertTrue(num(ar, "tokens_per_second") > 0);
        // fixed windows: with --window auto the cost curve measured on a busy machine may choose plain AR steps
        for (String d : new String[] {"jacobi", "lookahead"}) {
            Map<String, Object> par = json(run("eval", "--task", "code", "-m", model, "--decoder", d, "--window", "8", "--n", "4", "--json"));
            assertEquals(accuracy, num(par, "accuracy"), 1e-12, d);
            assertEquals(num(ar, "generated_tokens"), num(par, "generated_tokens"), d);
            assertTrue(num(par, "forward_calls") < num(ar, "forward_calls"), d + " " + par);
            assertEquals(ppl, num(par, "perplexity"), 1e-9, "perplexity does not depend on the decoder");
        }
    }

    @Test
    void diffusionModelsAreScoredOnTheirTask() {
        String model = shipped("tasks-dlm").toString();
        Map<String, Object> r = json(run("eval", "--task", "add", "-m", model, "--decoder", "llada", "--n", "10", "--json"));
        assertEquals("llada", r.get("decoder"));
        assertEquals(10 * 8.0, num(r, "forward_calls"), "vanilla LLaDA: one call per answer position");
        assertTrue(num(r, "accuracy") >= 0.9, "tasks-dlm solves held-out additions: " + r);
        assertTrue(!r.containsKey("perplexity"), "no perplexity for a diffusion model");
        CliGenerateTest.Run text = run("eval", "--task", "add", "-m", model, "--decoder", "dico", "--n", "5");
        assertEquals(Main.OK, text.code(), text.err());
        assertTrue(text.out().startsWith("task add, decoder dico: "), text.out());
    }

    /**
     * The long-answer task on its shipped model, in the layout of docs/long-task-policies.md: vanilla LLaDA takes one
     * call per answer position and solves the held-out problems; DiCo commits several positions per call and gets the
     * same answers.
     */
    @Test
    void longAnswerModelIsScoredOnIncAndDicoCommitsSeveralPositionsPerCall() {
        String model = shipped("tasks-long-dlm").toString();
        String[] layout = {"--task", "inc", "-m", model, "--gen-length", "72", "--block-length", "24", "--steps", "72",
                "--n", "8", "--threads", "1", "--json"};
        Map<String, Object> vanilla = json(run(concat(layout, "--decoder", "llada")));
        assertEquals("inc", vanilla.get("task"));
        assertEquals(8 * 72.0, num(vanilla, "forward_calls"), "vanilla: one call per answer position");
        assertTrue(num(vanilla, "accuracy") >= LONG_MIN_ACCURACY, "tasks-long-dlm solves held-out inc problems: " + vanilla);
        Map<String, Object> dico = json(run(concat(layout, "--decoder", "dico")));
        assertEquals(num(vanilla, "accuracy"), num(dico, "accuracy"), 1e-12, "DiCo: " + dico);
        assertTrue(num(dico, "forward_calls") <= num(vanilla, "forward_calls") / 3, "DiCo within a third of vanilla's calls: " + dico);
    }

    /**
     * Exact match asked of tasks-long-dlm with vanilla unmasking on 8 problems: it solves all 500 held-out ones
     * (docs/long-task-policies.md) and PyTorch's check too, so one miss is already a regression of the file or the
     * decoder; the margin of one problem leaves room for F16 rounding.
     */
    static final double LONG_MIN_ACCURACY = 7 / 8.0;

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length + 1);
        out[0] = "eval";
        System.arraycopy(a, 0, out, 1, a.length);
        System.arraycopy(b, 0, out, a.length + 1, b.length);
        return out;
    }

    /**
     * The planning task: --distance keeps only the held-out problems whose path has that many edges (here from a file
     * with 3 problems of distance 2 and 2 of distance 6), a distance no problem has and --distance on a task without
     * distances are usage errors before any model loads, and vanilla LLaDA takes one call per answer position (18).
     */
    @Test
    void planDistanceSelectsTheProblemsOfThatDistance(@TempDir Path dir) throws Exception {
        assertEquals(Main.USAGE, run("eval", "--task", "plan", "--distance", "7").code(), "the held-out set has 2..6");
        assertEquals(Main.USAGE, run("eval", "--task", "plan", "--distance", "1").code());
        assertEquals(Main.USAGE, run("eval", "--task", "add", "--distance", "3").code(), "addition has no planning distance");
        assertEquals(Main.USAGE, run("eval", "--task", "path", "--distance", "5").code(), "digit nodes: path has 2..4 only");
        java.util.List<String> lines = Files.readAllLines(ROOT.resolve("models/lab/tasks-plan-heldout.tsv"));
        // the file's problem i has distance 2 + i % 5: lines 0, 5, 10 have d=2, lines 4, 9 have d=6
        Path five = Files.write(dir.resolve("plan.tsv"), java.util.List.of(lines.get(0), lines.get(4), lines.get(5), lines.get(9), lines.get(10)));
        String model = shipped("plan-mdm").toString();
        for (int d : new int[] {2, 6}) {
            Map<String, Object> r = json(run("eval", "--task", "plan", "-m", model, "--decoder", "llada", "--heldout", five.toString(),
                    "--distance", String.valueOf(d), "--threads", "1", "--json"));
            assertEquals("plan", r.get("task"));
            assertEquals(d == 2 ? 3.0 : 2.0, num(r, "n"), "d=" + d);
            assertEquals(num(r, "n") * 18, num(r, "forward_calls"), "vanilla: one call per answer position");
        }
        assertEquals(Main.USAGE, run("eval", "--task", "plan", "-m", model, "--heldout", five.toString(), "--distance", "4").code());
    }

    /**
     * paradec perplexity: each pair's NLL adds up to the total; code-ar finds a held-out file's real continuation
     * far likelier than a run of underscores after the same prompt (what an undertrained diffusion model writes);
     * bad input is refused, not crashed on.
     */
    @Test
    void perplexityScoresContinuationsGivenTheirPrompts(@TempDir Path dir) throws Exception {
        String model = shipped("code-ar").toString();
        String line = Files.readAllLines(ROOT.resolve("models/lab/code-heldout.tsv")).get(0);
        String prompt = line.substring(0, line.indexOf('\t'));
        Path pairs = dir.resolve("pairs.tsv");
        Files.writeString(pairs, line + "\n" + prompt + "\t" + "_".repeat(40) + "\n");
        Map<String, Object> r = json(run("perplexity", "-m", model, "--pairs", pairs.toString(), "--threads", "1", "--json"));
        assertEquals(2.0, num(r, "pairs"));
        @SuppressWarnings("unchecked")
        java.util.List<Map<String, Object>> each = (java.util.List<Map<String, Object>>) r.get("per_pair");
        assertEquals(2, each.size());
        assertEquals(num(r, "nll"), num(each.get(0), "nll") + num(each.get(1), "nll"), 1e-6);
        assertEquals(num(r, "tokens"), num(each.get(0), "tokens") + num(each.get(1), "tokens"));
        double real = num(each.get(0), "nll") / num(each.get(0), "tokens");
        double junk = num(each.get(1), "nll") / num(each.get(1), "tokens");
        assertTrue(real < junk, "real continuation " + real + " nats/token vs underscores " + junk);

        Path tooLong = dir.resolve("long.tsv");
        Files.writeString(tooLong, "x\t" + "def f(x):\\n    return x\\n".repeat(200) + "\n");
        assertEquals(Main.BAD_INPUT, run("perplexity", "-m", model, "--pairs", tooLong.toString()).code());
        assertEquals(Main.USAGE, run("perplexity", "-m", model).code());
        assertEquals(Main.USAGE, run("perplexity", "-m", shipped("code-dlm").toString(), "--pairs", pairs.toString()).code());
    }
}
