package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import paradec.decode.ArDecoder;
import paradec.generation.GenerationResult;
import paradec.decode.GenerationSettings;
import paradec.generation.StopReason;
import paradec.llama.Context;
import paradec.llama.ContextParams;
import paradec.llama.Model;
import paradec.testing.TestModels;

/**
 * paradec's greedy AR output equals llama.cpp's own llama-simple on the same GGUF and prompt.
 *
 * <p>llama-simple (examples/simple/simple.cpp) tokenizes with add_special=true, parse_special=true,
 * prints every prompt piece and then every generated piece with llama_token_to_piece(..., special=true),
 * a newline at the end, and samples exactly -n tokens (its loop runs while n_pos + n_batch < n_prompt +
 * n_predict), stopping early without printing on an end-of-generation token.
 */
class LlamaSimpleParityTest {
    static final int N = 24;
    static final List<String> PROMPTS = List.of("Hello my name is", "int main(void) {\n  return", "Ünïcödé 日本語 🙂 and more");

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "llama-bpe"})
    void greedyOutputMatchesLlamaSimple(String vocab) throws Exception {
        Path model = TestModels.withVocab(vocab, vocab.equals("llama-spm") ? 31 : 32);
        Path simple = TestModels.nativeDir().resolve("llama-simple");
        assertTrue(Files.isExecutable(simple), simple + " must exist (make native)");
        try (Model m = Model.load(model); paradec.engine.LlamaCausalModel ctx = new paradec.engine.LlamaCausalModel(m, new ContextParams(256, 256, 256, 1, 1, false))) {
            for (String prompt : PROMPTS) {
                int[] tokens = m.vocab().tokenize(prompt, true, true);
                GenerationResult r = new ArDecoder().generate(ctx, tokens, GenerationSettings.greedy(N), null);
                if (r.stopReason() != StopReason.END_OF_GENERATION) assertEquals(N, r.tokens().length);
                ByteArrayOutputStream expected = new ByteArrayOutputStream();
                for (int t : tokens) expected.writeBytes(m.vocab().pieceBytes(t, true));
                for (int t : r.tokens()) expected.writeBytes(m.vocab().pieceBytes(t, true));
                expected.write('\n');

                byte[] actual = runSimple(simple, model, prompt);
                assertEquals(expected.toString(StandardCharsets.UTF_8), new String(actual, StandardCharsets.UTF_8),
                        vocab + " prompt '" + prompt + "'");
                assertArrayEquals(expected.toByteArray(), actual);
            }
        }
    }

    private static byte[] runSimple(Path simple, Path model, String prompt) throws IOException, InterruptedException {
        Path err = Files.createTempFile("llama-simple", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(simple.toString(), "-m", model.toString(), "-n", Integer.toString(N), prompt)
                    .redirectError(err.toFile());
            pb.environment().put("LD_LIBRARY_PATH", simple.getParent().toString());
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "llama-simple timed out");
            assertEquals(0, p.exitValue(), "llama-simple failed: " + Files.readString(err));
            return out;
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
