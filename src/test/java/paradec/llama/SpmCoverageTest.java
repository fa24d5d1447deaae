package paradec.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import paradec.cli.Main;
import paradec.testing.TestModels;

/**
 * The lab's task models have a 24-piece SPM vocabulary without byte tokens: llama.cpp's tokenizer
 * throws std::out_of_range for any other character, which used to terminate the JVM. Such text is
 * now refused in Java before llama.cpp sees it.
 */
class SpmCoverageTest {
    static final Path TASKS_AR = TestModels.root().resolve("models/tasks-ar.gguf");

    @Test
    void aCharacterOutsideTheVocabularyIsRefusedNotFatal() throws IOException {
        try (Model m = Model.load(TASKS_AR, ModelParams.vocabOnlyParams())) {
            Vocab v = m.vocab();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> v.tokenize("hi", true, true));
            assertTrue(e.getMessage().contains("U+0068"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> v.tokenize("12+3=\u00e9", false, false));
            // what the tasks are written in still tokenizes, and round-trips
            int[] tokens = v.tokenize("0052+1945=", false, false);
            assertTrue(tokens.length > 0);
            assertEquals("0052+1945=", v.detokenize(tokens, false).strip());
        }
    }

    @Test
    void anSpmVocabularyWithByteTokensTakesAnyText() throws IOException {
        try (Model m = Model.load(TestModels.withVocab("llama-spm", 51), ModelParams.vocabOnlyParams())) {
            String text = "hi \u00e9 \u65e5\u672c \uD83D\uDE42";
            assertTrue(m.vocab().tokenize(text, true, true).length > 0);
        }
    }

    @Test
    void theCommandLineExitsWithBadInputInsteadOfDying() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"generate", "-m", TASKS_AR.toString(), "-p", "hi", "-n", "4"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(Main.BAD_INPUT, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("cannot be tokenized"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theRefusalOfAnInvisibleCharacterStaysOneLine() throws IOException {
        try (Model m = Model.load(TASKS_AR, ModelParams.vocabOnlyParams())) {
            for (String text : new String[] {"12\r", "1\u00072", "\u0000", "\u2028", "\ufeff"}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.vocab().tokenize(text, false, false));
                assertEquals(1, e.getMessage().lines().count(), e.getMessage());
                assertTrue(e.getMessage().chars().noneMatch(c -> c < 0x20 || c == 0x2028 || c == 0xfeff), e.getMessage());
                assertTrue(e.getMessage().matches("character U\\+[0-9A-F]{4} cannot be tokenized.*"), e.getMessage());
            }
        }
    }

    @Test
    void anUnpairedSurrogateIsRefusedForEveryVocabulary() throws IOException {
        for (Path model : new Path[] {TASKS_AR, TestModels.root().resolve("models/code-ar.gguf")}) {
            try (Model m = Model.load(model, ModelParams.vocabOnlyParams())) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.vocab().tokenize("12\ud800+3", false, false));
                assertTrue(e.getMessage().contains("unpaired UTF-16 surrogate U+D800 at index 2"), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> m.vocab().tokenize("\udc00", false, false));
                // a pair is one character, not two halves
                if (model.toString().contains("code-ar")) assertTrue(m.vocab().tokenize("\ud83d\ude42", false, false).length > 0);
            }
        }
    }
}
