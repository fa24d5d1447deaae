package paradec.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import paradec.llama.Batch;
import paradec.llama.Context;
import paradec.llama.ContextParams;
import paradec.llama.Model;

/**
 * Checks each shipped trained model against the model lab's PyTorch forward pass: the expected values are
 * written by {@code models/lab/reference.py} into {@code models/lab/ref/NAME.{tokenize,logits}.tsv}.
 *
 * <ul>
 *   <li>tokenisation: llama.cpp's SPM tokenizer gives SentencePiece's ids on 200 held-out snippets;</li>
 *   <li>logits: for 3 prompts, the argmax at every position and 16 greedy tokens equal PyTorch's, and the
 *       last position's logits are within {@link #MAX_ABS_DIFF} of PyTorch's (which used the same
 *       F16-rounded weights).</li>
 * </ul>
 * Skipped when the model is not there (it is built by {@code make models}).
 */
class ShippedModelTest {

    static final double MAX_ABS_DIFF = 2e-2;

    private static Path root() {
        return Path.of(System.getProperty("paradec.root", ".")).toAbsolutePath();
    }

    private static Path model(String name) {
        Path m = root().resolve("models").resolve(name + ".gguf");
        assumeTrue(Files.isRegularFile(m), m + " is not built");
        return m;
    }

    private static List<String[]> tsv(String name, String kind) throws IOException {
        Path p = root().resolve("models/lab/ref").resolve(name + "." + kind + ".tsv");
        List<String[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            rows.add(line.split("\t", -1));
        }
        return rows;
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(switch (n) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    default -> n;
                });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    static int[] ids(String s) {
        return s.isBlank() ? new int[0] : Arrays.stream(s.trim().split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    static int argmax(MemorySegment row, int n) {
        int best = 0;
        float bv = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = row.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (v > bv) {
                bv = v;
                best = i;
            }
        }
        return best;
    }

    @ParameterizedTest
    @ValueSource(strings = {"code-ar"})
    void tokenizesLikeSentencePiece(String name) throws IOException {
        Path m = model(name);
        try (Model model = Model.load(m)) {
            int n = 0;
            for (String[] row : tsv(name, "tokenize")) {
                String text = unescape(row[0]);
                assertArrayEquals(ids(row[1]), model.vocab().tokenize(text, false, false), "snippet " + n + ": " + row[0]);
                n++;
            }
            assertEquals(200, n);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"code-ar"})
    void logitsAndGreedyMatchPyTorch(String name) throws IOException {
        Path m = model(name);
        List<String[]> rows = tsv(name, "logits");
        try (Model model = Model.load(m);
                Context ctx = model.newContext(ContextParams.of(256).withThreads(2));
                Batch batch = ctx.newBatch(256)) {
            int nVocab = ctx.vocabSize();
            for (int r = 0; r < rows.size(); r += 4) {
                String prompt = unescape(rows.get(r)[1]);
                int[] promptIds = ids(rows.get(r)[2]);
                int[] argmax = ids(rows.get(r + 1)[1]);
                int[] greedy = ids(rows.get(r + 2)[1]);
                String[] ref = rows.get(r + 3)[1].split(" ");
                assertArrayEquals(promptIds, model.vocab().tokenize(prompt, true, false), "prompt ids of " + prompt);

                ctx.clearMemory();
                batch.clear();
                for (int i = 0; i < promptIds.length; i++) {
                    batch.add(promptIds[i], i, true);
                }
                ctx.decode(batch);
                for (int i = 0; i < promptIds.length; i++) {
                    assertEquals(argmax[i], argmax(ctx.logits(i), nVocab), "argmax at position " + i + " of " + prompt);
                }
                MemorySegment last = ctx.logits(promptIds.length - 1);
                double maxDiff = 0;
                for (int v = 0; v < nVocab; v++) {
                    maxDiff = Math.max(maxDiff, Math.abs(last.getAtIndex(ValueLayout.JAVA_FLOAT, v) - Double.parseDouble(ref[v])));
                }
                System.out.printf("%s %s: max |logit diff| %.5f%n", name, rows.get(r)[1], maxDiff);
                assertTrue(maxDiff < MAX_ABS_DIFF, "max |logit diff| " + maxDiff + " for " + prompt);

                int pos = promptIds.length;
                int next = argmax(last, nVocab);
                int[] got = new int[greedy.length];
                for (int k = 0; k < greedy.length; k++) {
                    got[k] = next;
                    batch.clear();
                    batch.add(next, pos++, true);
                    ctx.decode(batch);
                    next = argmax(ctx.logits(0), nVocab);
                }
                assertArrayEquals(greedy, got, "greedy continuation of " + prompt);
            }
        }
    }
}
