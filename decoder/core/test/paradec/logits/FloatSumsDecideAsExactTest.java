package paradec.logits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import paradec.diffusion.DenoisingModel;
import paradec.diffusion.DiffusionGenerator;
import paradec.diffusion.DiffusionSettings;
import paradec.diffusion.DiffusionSettings.ScheduleKind;
import paradec.diffusion.Policies;
import paradec.generation.GenerationResult;

/**
 * Pass 2's float sums against {@link LogitMath#statsExact}'s double ones, where it counts: the tokens and forward
 * calls of whole generations under every unmasking policy, with CFG and with seeded sampling, on rows shaped like a
 * model's (a few strong candidates over a wide Gaussian floor, every row and step its own). Rows closer than
 * {@link LogitMath#RELATIVE_ERROR_BOUND} twice over may be ordered either way by the two; PlainOrVectorGenerationTest
 * builds such ties on purpose, this test the ordinary case.
 */
class FloatSumsDecideAsExactTest {
    static final int V = 32_003;
    static final int MASK = V - 1;

    /**
     * Logits that depend on the tokens so far, so an early difference shows in every later row: a Gaussian floor
     * (one table, read from a random offset: cheaper than drawing every row) and four strong candidates per row.
     */
    static final class ModelLike implements DenoisingModel {
        final int vocab;
        final float[] floor;

        ModelLike(int vocab) {
            this.vocab = vocab;
            SplittableRandom rnd = new SplittableRandom(5);
            floor = new float[2 * vocab];
            for (int i = 0; i < floor.length; i++) floor[i] = (float) (rnd.nextGaussian() * 2.5);
        }

        @Override public int vocabSize() { return vocab; }
        @Override public int maskToken() { return vocab - 1; }
        @Override public int maxSequenceLength() { return 4096; }

        @Override
        public LogitsView forward(int[] tokens, int from, int to) {
            long context = 1;
            for (int t : tokens) context = context * 31 + t;
            float[][] rows = new float[tokens.length][];
            for (int p = 0; p < tokens.length; p++) {
                SplittableRandom rnd = new SplittableRandom(context * 7919 + p);
                int offset = rnd.nextInt(vocab);
                float[] r = Arrays.copyOfRange(floor, offset, offset + vocab);
                for (int k = 0; k < 4; k++) r[rnd.nextInt(vocab - 1)] += (float) (6 + rnd.nextDouble() * 6);
                rows[p] = r;
            }
            return Logits.ofRows(rows);
        }
    }

    @AfterEach
    void backToDefault() {
        LogitMath.useExactSums(Boolean.getBoolean("paradec.logits.exactSums"));
    }

    static GenerationResult run(boolean exact, DenoisingModel model, DiffusionSettings s, String policy) {
        LogitMath.useExactSums(exact);
        return new DiffusionGenerator().generate(model, new int[] {1, 2, 3}, s, Policies.named(policy).get(), null, null);
    }

    @Test
    void everyPolicyCommitsTheSameTokensWithFloatOrDoubleSums() {
        List<String> differ = new ArrayList<>();
        DiffusionSettings greedy = DiffusionSettings.of(48, 16, 24);
        DiffusionSettings guided = new DiffusionSettings(32, 16, 16, 0, 1.5, 0, ScheduleKind.LINEAR, 1e-3, false);
        DiffusionSettings sampled = new DiffusionSettings(32, 16, 16, 0.8, 0, 11, ScheduleKind.LINEAR, 1e-3, false);
        ModelLike model = new ModelLike(V);
        for (String name : Policies.NAMES) {
            for (DiffusionSettings s : List.of(greedy, guided, sampled)) {
                GenerationResult exact = run(true, model, s, name);
                GenerationResult single = run(false, model, s, name);
                assertEquals(exact.forwardCalls(), single.forwardCalls(), name + " " + s);
                if (!Arrays.equals(exact.tokens(), single.tokens())) differ.add(name + " " + s);
            }
        }
        assertTrue(differ.isEmpty(), "float sums changed the tokens of " + differ);
    }

    @Test
    void atLladasVocabularyTooOnTheThresholdPolicies() {
        // a threshold compares one confidence with a constant: the bound applies to it alone
        ModelLike model = new ModelLike(126_464);
        DiffusionSettings s = DiffusionSettings.of(16, 16, 8);
        for (String name : List.of("fast-dllm", "eb", "klass", "dico")) {
            GenerationResult exact = run(true, model, s, name);
            GenerationResult single = run(false, model, s, name);
            assertArrayEquals(exact.tokens(), single.tokens(), name);
            assertEquals(exact.forwardCalls(), single.forwardCalls(), name);
        }
    }

    @Test
    void theStatisticsReallyDifferBetweenTheTwo() {
        // equal tokens would prove nothing if the switch left the sums as they were
        LogitsView v = new ModelLike(V).forward(new int[] {MASK, MASK, MASK, MASK}, 0, 4);
        int differing = 0;
        for (int p = 0; p < 4; p++) {
            LogitMath.useExactSums(true);
            RowStats exact = LogitMath.stats(v.row(p), V, MASK);
            LogitMath.useExactSums(false);
            RowStats single = LogitMath.stats(v.row(p), V, MASK);
            assertEquals(exact.top1(), single.top1());
            assertEquals(exact.confidence(), single.confidence(), 2 * LogitMath.RELATIVE_ERROR_BOUND * exact.confidence());
            if (exact.confidence() != single.confidence()) differing++;
        }
        assertTrue(differing > 0, "the float and double sums gave the same bits on every row");
    }
}
