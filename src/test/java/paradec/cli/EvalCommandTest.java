package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalCommandTest {
    @Test
    void exactMatchTakesTheLeadingDigitsOnly() {
        assertTrue(EvalCommand.matches("01997", "01997"));
        assertTrue(EvalCommand.matches(" 01997\n", "01997"));
        assertTrue(EvalCommand.matches("01997+12", "01997"));
        assertFalse(EvalCommand.matches("1997", "01997"), "the fixed width is part of the answer");
        assertFalse(EvalCommand.matches("019971", "01997"));
        assertFalse(EvalCommand.matches("", "01997"));
        assertFalse(EvalCommand.matches("x01997", "01997"));
    }

    @Test
    void heldOutFileIsParsedAndBadLinesNamed(@TempDir Path dir) throws Exception {
        Path good = Files.writeString(dir.resolve("ok.tsv"), "0001+0002=\t00003\n\n0010+0020=\t00030\n");
        var problems = EvalCommand.read(good);
        assertEquals(2, problems.size());
        assertEquals("0010+0020=", problems.get(1).prompt());
        assertEquals("00030", problems.get(1).answer());
        Path bad = Files.writeString(dir.resolve("bad.tsv"), "0001+0002=\t00003\nno tab here\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EvalCommand.read(bad));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void unknownTaskIsAUsageErrorAndMissingFileBadInput(@TempDir Path dir) {
        var err = new ByteArrayOutputStream();
        assertEquals(Main.USAGE, Main.run(new String[] {"eval", "--task", "sort"}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err)));
        assertEquals(Main.BAD_INPUT, Main.run(new String[] {"eval", "--task", "add", "--heldout", dir.resolve("none.tsv").toString()},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err)));
    }
}
