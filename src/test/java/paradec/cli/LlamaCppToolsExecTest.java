package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Running llama.cpp's tools: their output need not be UTF-8 (a model's raw token bytes), and a failure says why. */
class LlamaCppToolsExecTest {

    @Test
    void outputThatIsNotUtf8IsReadWithReplacementCharacters() throws IOException {
        // a lone 0xff and a cut-off two-byte sequence around valid text, as a random-weight model's pieces print
        String out = LlamaCppTools.exec(List.of("sh", "-c", "printf 'a\\377b\\303 decoded 5 tokens\\n'"));
        assertTrue(out.contains("decoded 5 tokens"), out);
        assertTrue(out.startsWith("a\uFFFDb\uFFFD"), out);
    }

    @Test
    void aFailingToolIsAnIOExceptionWithItsLastLines() {
        IOException e = assertThrows(IOException.class,
                () -> LlamaCppTools.exec(List.of("sh", "-c", "printf 'bad \\377 model\\n'; exit 3")));
        assertTrue(e.getMessage().contains("exited with 3") && e.getMessage().contains("bad \uFFFD model"), e.getMessage());
    }
}
