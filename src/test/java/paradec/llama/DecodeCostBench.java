package paradec.llama;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import paradec.testing.TestModels;

/**
 * Per-decode cost of the safe layer: one-token decodes on the shipped code-ar model, reading the
 * logits row each time. Run with {@code -Dparadec.bench=true -Dtest=DecodeCostBench}.
 */
@EnabledIfSystemProperty(named = "paradec.bench", matches = "true")
class DecodeCostBench {
    static final int DECODES = 2000;
    static final int ROUNDS = 7;

    @Test
    void oneTokenDecodes() throws IOException {
        Path path = TestModels.root().resolve("models/code-ar.gguf");
        try (Model model = Model.load(path);
             Context ctx = model.newContext(ContextParams.of(512).withThreads(1))) {
            report("plain decode", ctx, rounds(ctx));
        }
    }

    static double[] rounds(Context ctx) {
        run(ctx, 200); // warm-up
        double[] perDecodeUs = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            long t0 = System.nanoTime();
            run(ctx, DECODES);
            perDecodeUs[r] = (System.nanoTime() - t0) / 1e3 / DECODES;
        }
        return perDecodeUs;
    }

    static void report(String label, Context ctx, double[] us) {
        double[] sorted = us.clone();
        Arrays.sort(sorted);
        System.out.printf("BENCH %s: %d one-token decodes x %d rounds, us/decode min %.1f median %.1f (all %s)%n",
                label, DECODES, ROUNDS, sorted[0], sorted[sorted.length / 2], Arrays.toString(us));
    }

    /** n one-token decodes of sequence 0, greedy, restarting from an empty memory when the context fills. */
    static void run(Context ctx, int n) {
        int vocab = ctx.vocabSize();
        int limit = ctx.positionsPerSequence();
        try (Batch b = ctx.newBatch(1)) {
            ctx.clearMemory();
            int token = 1;
            int pos = 0;
            for (int i = 0; i < n; i++) {
                if (pos >= limit) {
                    ctx.clearMemory();
                    pos = 0;
                }
                b.clear().add(token, pos++, true);
                ctx.decode(b);
                MemorySegment row = ctx.logits(0);
                int best = 0;
                float bestValue = row.getAtIndex(ValueLayout.JAVA_FLOAT, 0);
                for (int t = 1; t < vocab; t++) {
                    float v = row.getAtIndex(ValueLayout.JAVA_FLOAT, t);
                    if (v > bestValue) {
                        bestValue = v;
                        best = t;
                    }
                }
                token = best;
            }
            assertTrue(token >= 0 && token < vocab);
        }
    }
}
