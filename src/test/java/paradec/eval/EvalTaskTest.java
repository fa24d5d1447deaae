package paradec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalTaskTest {
    @Test
    void exactAnswerIsTheLeadingRunOfDigitsAndCommas() {
        assertTrue(EvalTask.answerMatches("01997", "01997"));
        assertTrue(EvalTask.answerMatches(" 01997\n", "01997"));
        assertTrue(EvalTask.answerMatches("01997+12", "01997"));
        assertFalse(EvalTask.answerMatches("1997", "01997"), "the fixed width is part of the answer");
        assertFalse(EvalTask.answerMatches("019971", "01997"));
        assertFalse(EvalTask.answerMatches("", "01997"));
        assertFalse(EvalTask.answerMatches("x01997", "01997"));
        assertTrue(EvalTask.answerMatches("07,45,83", "07,45,83"));
        assertFalse(EvalTask.answerMatches("07,45,83,", "07,45,83"), "a trailing comma is a wrong answer");
        assertFalse(EvalTask.answerMatches("07,45", "07,45,83"));
        assertTrue(EvalTask.answerMatches("53,31|", "53,31"));
    }

    @Test
    void codeScoresTheCommonPrefixFraction() {
        assertEquals(1.0, EvalTask.prefixMatch("return x\n", "return x\n"));
        assertEquals(0.5, EvalTask.prefixMatch("retu", "return x"));
        assertEquals(0.5, EvalTask.prefixMatch("returnXXXXXXX", "return x y z"));
        assertEquals(0.0, EvalTask.prefixMatch("", "abc"));
        assertEquals(1.0, EvalTask.prefixMatch("anything", ""));
        assertEquals(0.25, EvalTask.CODE.score("ab", "abcdefgh"));
        assertEquals(1.0, EvalTask.ADD.score("00003", "00003"));
        assertEquals(0.0, EvalTask.SORT.score("1,2", "01,02"));
    }

    @Test
    void namesRoundTripAndUnknownNamesAreRejected() {
        for (EvalTask t : EvalTask.values()) assertEquals(t, EvalTask.of(t.cliName()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EvalTask.of("chess"));
        assertTrue(e.getMessage().contains("add, sort, path, inc, plan, code"), e.getMessage());
    }

    @Test
    void shippedHeldOutFilesParseAndFitTheirGenerationLength() throws Exception {
        Path root = Path.of(System.getProperty("paradec.root", ".")).toAbsolutePath();
        for (EvalTask t : EvalTask.values()) {
            var problems = HeldOut.read(root.resolve(t.heldOutFile()));
            assertTrue(problems.size() >= 50, t + ": " + problems.size());
            for (HeldOut.Problem p : problems) {
                assertTrue(p.prompt().length() > 0 && p.answer().length() > 0, t + ": " + p);
                if (t.exact()) {
                    assertTrue(p.prompt().endsWith("="), p.prompt());
                    // character vocabulary: the answer and its end marker fit the generated positions
                    assertTrue(p.answer().length() + 1 <= t.generationLength(), t + ": " + p);
                    assertEquals(1.0, t.score(p.answer(), p.answer()), t + ": " + p);
                }
            }
        }
        assertTrue(Files.size(root.resolve(EvalTask.CODE_TEXT)) > 10_000);
    }

    /**
     * The long-answer task: every held-out answer is its prompt's 24 numbers each plus one modulo 100 (recomputed
     * here, independently of the lab's generator), the reference answer scores 1 and any one wrong character, a
     * missing number or a missing leading zero scores 0; the tuning set shares no prompt with the held-out file.
     */
    @Test
    void incHeldOutAnswersAreThePromptPlusOneAndOnlyTheExactAnswerScores() throws Exception {
        Path root = Path.of(System.getProperty("paradec.root", ".")).toAbsolutePath();
        var problems = HeldOut.read(root.resolve(EvalTask.INC.heldOutFile()));
        assertTrue(problems.size() >= 200, "held-out problems: " + problems.size());
        java.util.Set<String> prompts = new java.util.HashSet<>();
        for (HeldOut.Problem p : problems) {
            assertTrue(p.prompt().startsWith("+1:") && p.prompt().endsWith("="), p.prompt());
            String[] xs = p.prompt().substring(3, p.prompt().length() - 1).split(",");
            assertEquals(24, xs.length, p.prompt());
            StringBuilder expected = new StringBuilder();
            for (String x : xs) {
                assertEquals(2, x.length(), p.prompt());
                if (!expected.isEmpty()) expected.append(',');
                expected.append(String.format("%02d", (Integer.parseInt(x) + 1) % 100));
            }
            assertEquals(expected.toString(), p.answer());
            assertEquals(71, p.answer().length());
            assertTrue(p.answer().length() + 1 <= EvalTask.INC.generationLength(), "the answer and </s> fit");
            assertEquals(1.0, EvalTask.INC.score(p.answer(), p.answer()));
            assertEquals(1.0, EvalTask.INC.score(p.answer() + "\n", p.answer()), "trailing text after the answer is allowed");
            int i = p.answer().length() - 1; // the last digit, changed
            String wrong = p.answer().substring(0, i) + (char) ('0' + (p.answer().charAt(i) - '0' + 1) % 10);
            assertEquals(0.0, EvalTask.INC.score(wrong, p.answer()), wrong);
            assertEquals(0.0, EvalTask.INC.score(p.answer().substring(0, 68), p.answer()), "a number short");
            assertEquals(0.0, EvalTask.INC.score(p.answer().substring(1), p.answer()), "a leading zero or digit lost");
            prompts.add(p.prompt());
        }
        assertEquals(problems.size(), prompts.size(), "distinct problems");
        var dev = HeldOut.read(root.resolve("models/lab/tasks-inc-dev.tsv"));
        assertTrue(dev.size() >= 100, "dev problems: " + dev.size());
        for (HeldOut.Problem p : dev) assertFalse(prompts.contains(p.prompt()), "a tuning problem is held out: " + p.prompt());
    }

    /**
     * The planning task: every held-out answer is the path from start to goal through the prompt's star graph
     * (recomputed here by following the listed edges back from the goal, independently of the lab's generator), the
     * graph has two arms of the answer's length, distances 2..6 have 200 problems each, and only the exact path
     * scores: the other arm, a missing edge or a trailing comma score 0.
     */
    @Test
    void planHeldOutAnswersAreTheGoalsPathAndEveryDistanceHas200() throws Exception {
        Path root = Path.of(System.getProperty("paradec.root", ".")).toAbsolutePath();
        var problems = HeldOut.read(root.resolve(EvalTask.PLAN.heldOutFile()));
        java.util.Map<Integer, Integer> perDistance = new java.util.TreeMap<>();
        java.util.Set<String> prompts = new java.util.HashSet<>();
        for (HeldOut.Problem p : problems) {
            String q = p.prompt();
            assertTrue(q.matches("([a-z]{2},)*[a-z]{2}\\|[a-z]>[a-z]="), q);
            String[] edges = q.substring(0, q.indexOf('|')).split(",");
            char start = q.charAt(q.indexOf('|') + 1);
            char goal = q.charAt(q.indexOf('>') + 1);
            java.util.Map<Character, Character> parent = new java.util.HashMap<>();
            for (String e : edges) assertEquals(null, parent.put(e.charAt(1), e.charAt(0)), "a tree: one edge into each node " + q);
            java.util.ArrayDeque<String> path = new java.util.ArrayDeque<>();
            for (char v = goal; v != start; v = parent.get(v)) path.addFirst("" + parent.get(v) + v);
            String expected = String.join(",", path);
            assertEquals(expected, p.answer(), q);
            int d = EvalTask.distance(p.answer());
            assertEquals(path.size(), d);
            assertEquals(2 * d, edges.length, "two arms of length d: " + q);
            perDistance.merge(d, 1, Integer::sum);
            assertEquals(1.0, EvalTask.PLAN.score(p.answer(), p.answer()));
            assertEquals(1.0, EvalTask.PLAN.score(" " + p.answer() + "\n", p.answer()));
            assertEquals(1.0, EvalTask.PLAN.score(p.answer() + "|", p.answer()), "text after the answer is allowed");
            assertEquals(0.0, EvalTask.PLAN.score(p.answer() + ",", p.answer()), "a trailing comma is a wrong answer");
            assertEquals(0.0, EvalTask.PLAN.score(p.answer().substring(0, p.answer().length() - 3), p.answer()), "an edge short");
            // the other arm from the start: the distractor a model without look-ahead picks half of the time
            String firstEdge = p.answer().substring(0, 2);
            String other = java.util.Arrays.stream(edges).filter(e -> e.charAt(0) == start && !e.equals(firstEdge)).findFirst().orElseThrow();
            assertEquals(0.0, EvalTask.PLAN.score(other + p.answer().substring(2), p.answer()), other);
            assertTrue(p.answer().length() + 1 <= EvalTask.PLAN.generationLength(), "the answer and </s> fit");
            prompts.add(q);
        }
        assertEquals(problems.size(), prompts.size(), "distinct problems");
        assertEquals(java.util.Map.of(2, 200, 3, 200, 4, 200, 5, 200, 6, 200), perDistance);
        assertEquals(0.0, EvalTask.ADD.score("ab", "ab"), "letters are no answer of the digit tasks");
    }

    @Test
    void heldOutFileIsParsedUnescapedAndBadLinesNamed(@TempDir Path dir) throws Exception {
        Path good = Files.writeString(dir.resolve("ok.tsv"), "0001+0002=\t00003\n\ndef f():\\n\\treturn\t 1\\\\n\n");
        var problems = HeldOut.read(good);
        assertEquals(2, problems.size());
        assertEquals("def f():\n\treturn", problems.get(1).prompt());
        assertEquals(" 1\\n", problems.get(1).answer());
        Path bad = Files.writeString(dir.resolve("bad.tsv"), "0001+0002=\t00003\nno tab here\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HeldOut.read(bad));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        Path empty = Files.writeString(dir.resolve("empty.tsv"), "\n\n");
        assertThrows(IllegalArgumentException.class, () -> HeldOut.read(empty));
    }
}
