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
        assertTrue(e.getMessage().contains("add, sort, path, code"), e.getMessage());
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
                    assertTrue(EvalTask.answerMatches(p.answer(), p.answer()));
                }
            }
        }
        assertTrue(Files.size(root.resolve(EvalTask.CODE_TEXT)) > 10_000);
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
