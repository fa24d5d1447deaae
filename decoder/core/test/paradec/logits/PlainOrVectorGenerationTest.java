package paradec.logits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import paradec.diffusion.DenoisingModel;
import paradec.diffusion.DiffusionGenerator;
import paradec.diffusion.DiffusionSettings;
import paradec.diffusion.Policies;
import paradec.generation.GenerationResult;

/**
 * A JVM starts on the plain loops and moves to the vector kernels mid-generation; both must decide alike even
 * where the decisions hang on the last bits of a sum. The model here gives every position, at every step, the
 * same logits in another order, the favourite's id depending on how many positions are still masked: in exact
 * arithmetic every confidence, entropy and margin would be equal, so the policies rank positions by rounding alone,
 * and a path that summed in another order would commit other positions at other times, hence other tokens
 * (running the vector kernel's loop backwards makes this test fail).
 */
class PlainOrVectorGenerationTest {
    static final int V = 5003; // not a multiple of 8: the tails count too
    static final int MASK = V - 1;

    /** The same values at every position and step, shuffled (all but the favourite and the mask token). */
    static final class NearTieModel implements DenoisingModel {
        final float[] base = new float[V];
        int calls;

        NearTieModel() {
            SplittableRandom rnd = new SplittableRandom(17);
            for (int i = 0; i < V; i++) base[i] = (float) (rnd.nextGaussian() * 2);
            base[42] = 9f; // a clear favourite (moved per position below), so confidences are far from uniform
        }

        @Override public int vocabSize() { return V; }
        @Override public int maskToken() { return MASK; }
        @Override public int maxSequenceLength() { return 4096; }

        @Override
        public LogitsView forward(int[] tokens, int from, int to) {
            calls++;
            float[][] rows = new float[tokens.length][];
            int masked = 0;
            for (int t : tokens) if (t == MASK) masked++;
            for (int p = 0; p < tokens.length; p++) {
                float[] r = base.clone();
                SplittableRandom rnd = new SplittableRandom(p * 7919L + calls);
                for (int i = MASK - 1; i > 0; i--) {
                    int j = rnd.nextInt(i + 1);
                    if (i == 42 || j == 42) continue;
                    float t = r[i];
                    r[i] = r[j];
                    r[j] = t;
                }
                // the favourite's id (not its value) depends on when the position is committed, so a different
                // commit order gives different tokens
                int fav = 43 + (p + masked) % 5;
                r[42] = r[fav];
                r[fav] = 9f;
                rows[p] = r;
            }
            return Logits.ofRows(rows);
        }
    }

    @AfterEach
    void backToDefault() {
        LogitMath.plainLoopsFor(LogitMath.VECTOR_AFTER);
    }

    @Test
    void everyPolicyCommitsTheSameOnEitherPath() {
        int[] prompt = {1, 2, 3};
        DiffusionSettings s = DiffusionSettings.of(48, 16, 24);
        for (String name : Policies.NAMES) {
            LogitMath.plainLoopsFor(Long.MAX_VALUE);
            GenerationResult plain = new DiffusionGenerator().generate(new NearTieModel(), prompt, s, Policies.named(name).get(), null, null);
            LogitMath.plainLoopsFor(0);
            GenerationResult vector = new DiffusionGenerator().generate(new NearTieModel(), prompt, s, Policies.named(name).get(), null, null);
            // switching in the middle of one generation: the budget runs out after a few rows
            LogitMath.plainLoopsFor(10L * V);
            GenerationResult switched = new DiffusionGenerator().generate(new NearTieModel(), prompt, s, Policies.named(name).get(), null, null);
            assertArrayEquals(plain.tokens(), vector.tokens(), name + ": plain loops and vectors differ");
            assertArrayEquals(plain.tokens(), switched.tokens(), name + ": a switch mid-generation changed the tokens");
            assertEquals(plain.forwardCalls(), vector.forwardCalls(), name);
        }
    }

    @Test
    void theModelReallyHoldsNearTies() {
        // without ties down to the last bits the test above would prove nothing
        NearTieModel m = new NearTieModel();
        LogitsView v = m.forward(new int[] {MASK, MASK, MASK, MASK, MASK, MASK, MASK, MASK}, 0, 8);
        java.util.Set<Double> confidences = new java.util.HashSet<>();
        for (int p = 0; p < 8; p++) {
            double c = LogitMath.statsScalar(v.row(p), V, MASK).confidence();
            confidences.add(c);
            assertEquals(LogitMath.statsScalar(v.row(0), V, MASK).confidence(), c, 2 * LogitMath.RELATIVE_ERROR_BOUND * c, "rounding only");
        }
        assertTrue(confidences.size() > 1, "rows whose sums round alike test nothing: " + confidences);
    }
}
