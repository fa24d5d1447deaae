package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import paradec.decode.ArDecoder;
import paradec.decode.GenerationSettings;
import paradec.llama.Context;
import paradec.llama.ContextParams;
import paradec.llama.Model;
import paradec.testing.TestModels;

/** generate --json, tokenize and --trace, checked against the library API (AR) computed independently. */
class CliGenerateTest {
    static final String PROMPT = "Hello world, the cat the cat";
    static final int N = 20;
    static Path model;
    static int[] promptTokens;
    static int[] arTokens;
    static String arText;

    @BeforeAll
    static void reference() throws IOException {
        model = TestModels.withVocab("llama-spm", 41);
        try (Model m = Model.load(model); paradec.engine.LlamaCausalModel c = new paradec.engine.LlamaCausalModel(m, new ContextParams(128, 64, 64, 1, 1, false))) {
            promptTokens = m.vocab().tokenize(PROMPT, true, true);
            arTokens = new ArDecoder().generate(c, promptTokens, GenerationSettings.greedy(N), null).tokens();
            arText = m.vocab().detokenize(arTokens, false);
        }
    }

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static final List<String> FIELDS = List.of("model", "decoder", "prompt_tokens", "generated_tokens", "tokens", "text",
            "forward_calls", "wall_ms", "decode_ms", "tokens_per_second", "tokens_per_call", "stop_reason");

    static String raw(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|\\[[^\\]]*\\]|[-0-9.eE+]+|true|false|null)").matcher(json);
        assertTrue(m.find(), "field " + key + " missing in " + json);
        String v = m.group(1);
        assertTrue(!m.find(), "field " + key + " appears twice");
        return v;
    }

    static double number(String json, String key) {
        return Double.parseDouble(raw(json, key));
    }

    static int[] intArray(String json, String key) {
        String v = raw(json, key);
        String inner = v.substring(1, v.length() - 1).strip();
        return inner.isEmpty() ? new int[0] : Stream.of(inner.split(",")).mapToInt(s -> Integer.parseInt(s.strip())).toArray();
    }

    static String string(String json, String key) {
        String v = raw(json, key);
        assertTrue(v.startsWith("\""), key + " must be a string");
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < v.length() - 1; i++) {
            char c = v.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = v.charAt(++i);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(v.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> sb.append(e);
            }
        }
        return sb.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ar", "jacobi", "lookahead"})
    void generateJson(String decoder) {
        Run r = run("generate", "-m", model.toString(), "-p", PROMPT, "-n", Integer.toString(N), "--decoder", decoder,
                "--threads", "1", "--json");
        assertEquals(Main.OK, r.code(), r.err());
        String json = r.out().strip();
        assertEquals(1, json.lines().count(), "one JSON object on one line");
        assertTrue(json.startsWith("{") && json.endsWith("}"));
        for (String f : FIELDS) assertNotNull(raw(json, f));
        assertEquals(model.toString(), string(json, "model"));
        assertEquals(decoder, string(json, "decoder"));
        assertEquals(promptTokens.length, (int) number(json, "prompt_tokens"));
        assertArrayEquals(arTokens, intArray(json, "tokens"));
        assertEquals(N, (int) number(json, "generated_tokens"));
        assertEquals(arText, string(json, "text"));
        double calls = number(json, "forward_calls");
        assertTrue(calls >= 1 && calls <= N, "forward_calls " + calls);
        double wall = number(json, "wall_ms");
        double decode = number(json, "decode_ms");
        assertTrue(wall > 0 && decode > 0 && decode <= wall, "wall " + wall + " decode " + decode);
        assertEquals(N / (wall / 1000), number(json, "tokens_per_second"), N / (wall / 1000) * 1e-3);
        assertEquals(N / calls, number(json, "tokens_per_call"), 1e-9);
        assertEquals("max_tokens", string(json, "stop_reason"));
        if (decoder.equals("ar")) assertEquals(N, (int) calls, "AR: the prompt call plus one per further token");
    }

    @Test
    void plainGenerateStreamsTheSameText() {
        Run r = run("generate", "-m", model.toString(), "-p", PROMPT, "-n", Integer.toString(N), "--threads", "1");
        assertEquals(Main.OK, r.code(), r.err());
        assertEquals(arText + "\n", r.out());
    }

    @Test
    void tokenizePrintsIdsOnOneLine() throws IOException {
        Run r = run("tokenize", "-m", model.toString(), "-p", PROMPT);
        assertEquals(Main.OK, r.code(), r.err());
        assertEquals(1, r.out().lines().count());
        int[] ids = Stream.of(r.out().strip().split(" ")).mapToInt(Integer::parseInt).toArray();
        assertArrayEquals(promptTokens, ids);
        // vocab-only load of llama.cpp's own vocab file gives the same ids as the model built on it
        Run v = run("tokenize", "-m", TestModels.vocab("llama-spm").toString(), "--vocab-only", "-p", PROMPT);
        assertEquals(Main.OK, v.code(), v.err());
        assertEquals(r.out(), v.out());
        Run ns = run("tokenize", "-m", model.toString(), "--no-special", "-p", PROMPT);
        assertEquals(r.out().strip().substring(r.out().indexOf(' ') + 1), ns.out().strip(), "--no-special drops the BOS");
    }

    @Test
    void jacobiTraceIsJsonLines(@TempDir Path dir) throws IOException {
        Path trace = dir.resolve("trace.jsonl");
        Run r = run("generate", "-m", model.toString(), "-p", PROMPT, "-n", Integer.toString(N), "--decoder", "jacobi",
                "--window", "4", "--threads", "1", "--json", "--trace", trace.toString());
        assertEquals(Main.OK, r.code(), r.err());
        List<String> lines = Files.readAllLines(trace, StandardCharsets.UTF_8);
        assertTrue(lines.size() >= 2);
        String header = lines.get(0);
        assertEquals("ar-header", string(header, "kind"));
        assertEquals("jacobi", string(header, "decoder"));
        assertArrayEquals(promptTokens, intArray(header, "prompt"));
        int calls = (int) number(r.out(), "forward_calls");
        // the last line is the generation's result, as --json says it
        String result = lines.removeLast();
        assertEquals("result", string(result, "kind"));
        assertEquals(calls, (int) number(result, "forward_calls"));
        assertEquals((int) number(r.out(), "generated_tokens"), (int) number(result, "generated_tokens"));
        assertEquals(calls - 1, lines.size() - 1, "one line per forward call after the prompt's");
        int emitted = 0;
        int position = promptTokens.length;
        for (int i = 1; i < lines.size(); i++) {
            String s = lines.get(i);
            assertTrue(s.startsWith("{") && s.endsWith("}"));
            assertEquals("ar-step", string(s, "kind"));
            assertEquals(i - 1, (int) number(s, "iteration"));
            assertEquals(position, (int) number(s, "position"));
            int[] window = intArray(s, "window");
            int[] out = intArray(s, "emitted");
            int accepted = (int) number(s, "accepted");
            assertEquals(accepted + 1, out.length);
            assertTrue(window.length >= 1 && window.length <= 4);
            assertEquals(window.length, intArray(s, "predictions").length);
            // the first window token is the settled token, i.e. the last output token so far
            assertEquals(arTokens[emitted], window[0]);
            for (int k = 0; k < out.length; k++) assertEquals(arTokens[emitted + 1 + k], out[k]);
            emitted += out.length;
            position += out.length;
        }
        assertEquals(N - 1, emitted, "every token after the first comes from a traced call");
    }
}
