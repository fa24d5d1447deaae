package paradec.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import paradec.engine.TextStream;
import paradec.testing.TestModels;

/**
 * Tokenizer round trips on llama.cpp's real vocabularies, and paradec's tokenize checked against
 * llama.cpp's own test expectations (models/ggml-vocab-*.gguf.inp/.out, as used by test-tokenizer-0:
 * add_special=false, parse_special=false).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenizerTest {
    /** Vocabularies, and whether they prepend a space (SentencePiece "add_space_prefix"). */
    static final Map<String, Boolean> VOCABS = Map.of("llama-spm", true, "phi-3", true, "llama-bpe", false,
            "gpt-2", false, "qwen2", false);

    static final List<String> TEXTS = List.of(
            "Hello world",
            "héllo wörld, café é",
            "日本語のテキスト",
            "emoji 🙂 and 👩‍💻 here",
            "line one\nline two\n\n\tindented\twith tabs",
            "  two leading spaces",
            "x",
            "🙂");

    private final Map<String, Model> models = new HashMap<>();

    @BeforeAll
    void load() throws IOException {
        for (String v : VOCABS.keySet()) models.put(v, Model.load(TestModels.vocab(v), ModelParams.vocabOnlyParams()));
    }

    @AfterAll
    void close() {
        models.values().forEach(Model::close);
    }

    static Stream<Arguments> vocabAndText() {
        return VOCABS.keySet().stream().sorted().flatMap(v -> TEXTS.stream().map(t -> Arguments.of(v, t)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("vocabAndText")
    void nativeRoundTrip(String vocabName, String text) {
        Vocab vocab = models.get(vocabName).vocab();
        int[] tokens = vocab.tokenize(text, false, false);
        assertTrue(tokens.length > 0);
        for (int t : tokens) assertTrue(t >= 0 && t < vocab.size());
        // llama_detokenize drops the SentencePiece leading space itself when no BOS precedes
        assertEquals(text, vocab.detokenizeNative(tokens, false, false));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("vocabAndText")
    void joinedPiecesRoundTrip(String vocabName, String text) {
        Vocab vocab = models.get(vocabName).vocab();
        String prefix = VOCABS.get(vocabName) ? " " : "";
        int[] tokens = vocab.tokenize(text, false, false);
        // the pieces themselves keep the SentencePiece space that the tokenizer added
        assertEquals(prefix + text, vocab.detokenize(tokens, false));
        // byte lengths, not char lengths, reach llama.cpp: nothing of the text may be cut off
        int pieceBytes = 0;
        for (int t : tokens) pieceBytes += vocab.pieceBytes(t, false).length;
        assertEquals((prefix + text).getBytes(StandardCharsets.UTF_8).length, pieceBytes);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("vocabAndText")
    void withSpecialTokens(String vocabName, String text) {
        Vocab vocab = models.get(vocabName).vocab();
        int[] plain = vocab.tokenize(text, false, false);
        int[] special = vocab.tokenize(text, true, false);
        boolean addsBos = special.length > plain.length && special[0] == vocab.bos();
        if (addsBos) {
            assertEquals(plain.length + 1, special.length);
            int[] rest = new int[plain.length];
            System.arraycopy(special, 1, rest, 0, rest.length);
            assertArrayEquals(plain, rest);
            // removeSpecial drops the BOS (llama.cpp keeps the SPM space after a removed BOS)
            String expected = (VOCABS.get(vocabName) ? " " : "") + text;
            assertEquals(expected, vocab.detokenizeNative(special, true, false));
            assertTrue(vocab.detokenizeNative(special, false, true).endsWith(text));
        } else {
            assertArrayEquals(plain, special);
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("vocabAndText")
    void textStreamNeverSplitsACharacter(String vocabName, String text) {
        Vocab vocab = models.get(vocabName).vocab();
        int[] tokens = vocab.tokenize(text, false, false);
        List<String> chunks = new ArrayList<>();
        TextStream stream = new TextStream(vocab);
        for (int t : tokens) addChunk(chunks, stream.push(t));
        addChunk(chunks, stream.flush());
        for (String c : chunks) {
            assertFalse(c.contains("\uFFFD"), "chunk '" + c + "' holds a broken character");
            // no lone surrogates either
            for (int i = 0; i < c.length(); i++) {
                char ch = c.charAt(i);
                if (Character.isHighSurrogate(ch)) assertTrue(i + 1 < c.length() && Character.isLowSurrogate(c.charAt(++i)));
                else assertFalse(Character.isLowSurrogate(ch));
            }
        }
        assertEquals(vocab.detokenize(tokens, false), String.join("", chunks));
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "llama-bpe", "gpt-2", "qwen2", "phi-3"})
    void emptyString(String vocabName) {
        Vocab vocab = models.get(vocabName).vocab();
        assertEquals(0, vocab.tokenize("", false, false).length);
        assertEquals("", vocab.detokenizeNative(new int[0], false, false));
        assertEquals("", vocab.detokenize(new int[0], false));
        int[] special = vocab.tokenize("", true, false);
        assertTrue(special.length <= 1);
        if (special.length == 1) assertEquals(vocab.bos(), special[0]);
    }

    @Test
    void byteFallbackSplitsEmojiAcrossTokensInSpm() {
        // llama-spm has no token for U+1F642: it falls back to its 4 UTF-8 bytes, each a token
        Vocab vocab = models.get("llama-spm").vocab();
        int[] tokens = vocab.tokenize("🙂", false, false);
        int partial = 0;
        for (int t : tokens) {
            byte[] b = vocab.pieceBytes(t, false);
            if (b.length == 1 && (b[0] & 0x80) != 0) partial++;
        }
        assertEquals(4, partial, "expected the 4 byte-fallback tokens of U+1F642");
        List<String> chunks = new ArrayList<>();
        TextStream stream = new TextStream(vocab);
        for (int t : tokens) addChunk(chunks, stream.push(t));
        addChunk(chunks, stream.flush());
        assertEquals(" 🙂", String.join("", chunks));
        assertTrue(chunks.contains("🙂"), "the emoji must come out whole: " + chunks);
    }

    private static void addChunk(List<String> chunks, String piece) {
        if (!piece.isEmpty()) chunks.add(piece);
    }

    @Test
    void longTextGrowsTheTokenBuffer() {
        Vocab vocab = models.get("llama-bpe").vocab();
        // many short tokens per byte: the first llama_tokenize call may report a larger size
        String text = "a\n".repeat(3000) + "日本語".repeat(500);
        int[] tokens = vocab.tokenize(text, false, false);
        assertEquals(text, vocab.detokenizeNative(tokens, false, false));
    }

    // ---- llama.cpp's own expectations ---------------------------------------------------

    static Stream<String> vocabsWithExpectations() {
        return Stream.of("llama-spm", "llama-bpe", "gpt-2", "qwen2", "phi-3");
    }

    @ParameterizedTest
    @MethodSource("vocabsWithExpectations")
    void matchesLlamaCppTokenizerTests(String vocabName) throws IOException {
        Path gguf = TestModels.vocab(vocabName);
        Path inp = Path.of(gguf + ".inp");
        Path outFile = Path.of(gguf + ".out");
        String raw = Files.readString(inp, StandardCharsets.UTF_8);
        List<String> inputs = new ArrayList<>();
        String sep = "\n__ggml_vocab_test__\n";
        int pos = 0;
        while (pos < raw.length()) {
            int next = raw.indexOf(sep, pos);
            if (next < 0) {
                inputs.add(raw.substring(pos));
                break;
            }
            inputs.add(raw.substring(pos, next));
            pos = next + sep.length();
        }
        List<String> outputs = Files.readAllLines(outFile, StandardCharsets.UTF_8);
        assertEquals(inputs.size(), outputs.size(), "test-tokenizer-0 file format");
        assertTrue(inputs.size() >= 20);
        Vocab vocab = models.get(vocabName).vocab();
        int checked = 0;
        for (int i = 0; i < inputs.size(); i++) {
            String o = outputs.get(i).strip();
            int[] expected = o.isEmpty() ? new int[0] : Stream.of(o.split(" ")).mapToInt(Integer::parseInt).toArray();
            int[] actual = vocab.tokenize(inputs.get(i), false, false);
            assertArrayEquals(expected, actual, vocabName + " test #" + i + ": '" + inputs.get(i) + "'");
            checked++;
        }
        assertEquals(inputs.size(), checked);
    }
}
