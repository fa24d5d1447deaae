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
    static final int ROUNDS = 9;

    @Test
    void oneTokenDecodes() throws IOException {
        Path path = TestModels.root().resolve("models/code-ar.gguf");
        try (Model model = Model.load(path);
             Context ctx = model.newContext(ContextParams.of(512).withThreads(1))) {
            run(ctx, 200); // warm-up
            // variants interleaved round by round, so that load from elsewhere hits them alike
            double[][] wall = new double[2][ROUNDS];
            double[][] outside = new double[2][ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                for (int v = 0; v < 2; v++) {
                    AutoCloseable lease = v == 1 ? acquire(ctx) : null;
                    if (v == 1 && lease == null) continue; // this version has no leases
                    try {
                        ctx.resetCounters();
                        long t0 = System.nanoTime();
                        run(ctx, DECODES);
                        long total = System.nanoTime() - t0;
                        wall[v][r] = total / 1e3 / DECODES;
                        outside[v][r] = (total - ctx.decodeNanos()) / 1e3 / DECODES;
                    } finally {
                        if (lease != null) lease.close();
                    }
                }
            }
            report("without a lease", wall[0], outside[0]);
            if (wall[1][0] > 0) report("under a lease", wall[1], outside[1]);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** ctx.acquire() where the safe layer has it (looked up so that this bench runs on older versions too). */
    static AutoCloseable acquire(Context ctx) throws ReflectiveOperationException {
        try {
            return (AutoCloseable) Context.class.getMethod("acquire").invoke(ctx);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    static void report(String label, double[] wall, double[] outside) {
        System.out.printf("BENCH %s: %d one-token decodes x %d rounds; us/decode wall median %.1f min %.1f;"
                        + " outside llama_decode (batch fill, checks, views, argmax) median %.2f min %.2f%n",
                label, DECODES, ROUNDS, median(wall), min(wall), median(outside), min(outside));
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static double min(double[] xs) {
        return Arrays.stream(xs).min().orElse(Double.NaN);
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
