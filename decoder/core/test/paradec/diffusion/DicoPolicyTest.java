package paradec.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static paradec.diffusion.Fixtures.confs;
import static paradec.diffusion.Fixtures.ctx;
import static paradec.diffusion.Fixtures.state;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import paradec.diffusion.DicoPolicy.Phase;
import paradec.logits.Logits;
import paradec.logits.LogitsView;
import paradec.generation.GenerationResult;
import paradec.trace.DiffusionStep;

class DicoPolicyTest {

    private static final DicoParams NO_WEIGHTING = DicoParams.defaults().withBeta(1.0);

    private static double[] filled(int n, double c) {
        double[] a = new double[n];
        Arrays.fill(a, c);
        return a;
    }

    @Test
    void trajectoryLambda() {
        assertEquals(Math.log(20) / 31, DicoPolicy.trajectoryLambda(32, 0.0, 0.5, 0.05), 1e-15);
        assertEquals(-Math.log(0.3) / 9, DicoPolicy.trajectoryLambda(10, 0.5, 0.5, 0.05), 1e-15);
        assertEquals(0.0, DicoPolicy.trajectoryLambda(10, 1.0, 0.5, 0.9), 0.0, "w_min capped at 1");
        assertEquals(0.0, DicoPolicy.trajectoryLambda(1, 0.0, 0.5, 0.05), 0.0);
    }

    @Test
    void softSuppressionSkipsTheNeighbourOfTheFirstSeed() {
        double[] w = filled(32, 0.1);
        w[10] = 0.9;
        w[11] = 0.85; // raw second best, right next to the first
        w[28] = 0.7;
        boolean[] eligible = new boolean[32];
        Arrays.fill(eligible, true);
        int[] seeds = DicoPolicy.selectSeeds(w, eligible, 4, 0.3, 32 / 3.0);
        assertArrayEquals(new int[] {10, 28}, seeds, "11 is suppressed, the far 28 is chosen, then c' < tau_e stops");
        eligible[28] = false;
        assertArrayEquals(new int[] {10}, DicoPolicy.selectSeeds(w, eligible, 4, 0.3, 32 / 3.0));
        assertArrayEquals(new int[] {}, DicoPolicy.selectSeeds(filled(8, 0.29), eligible, 4, 0.3, 8 / 3.0));
    }

    @Test
    void divideWithoutSeedsGoesStraightToFinalize() {
        MaskState s = state(8);
        DicoPolicy p = new DicoPolicy();
        p.startBlock(0, 1, 9);
        int[] chosen = p.select(ctx(s, confs(filled(8, 0.2)), 1));
        assertEquals("FINALIZE", p.phase());
        assertArrayEquals(new int[] {1}, chosen, "finalize fallback: the single best (ties: leftmost)");
    }

    @Test
    void divideExitsWhenClustersStopGrowing() {
        MaskState s = state(32);
        DicoPolicy p = new DicoPolicy(NO_WEIGHTING); // w_min = 1: no trajectory weighting
        p.startBlock(0, 1, 33);
        LogitsView v = confs(filled(32, 0.52)); // c' >= tau_e everywhere, mean c < tau_low
        int[] first = p.select(ctx(s, v, 1));
        assertEquals("DIVIDE", p.phase());
        assertEquals(3, first.length, "c = 0.52: after 3 seeds the suppressed scores fall below tau_e");
        assertEquals(1, first[0], "leftmost of equal scores first");
        assertTrue(Arrays.stream(first).anyMatch(x -> x == 32), "the far end is the second seed");
        commit(s, first);
        assertEquals(1, p.clusters().size());
        int[] second = p.select(ctx(s, v, 1));
        assertEquals("DIVIDE", p.phase());
        commit(s, second);
        assertEquals(Phase.DIVIDE, p.currentPhase(), "exit is applied at the next step");
        int[] third = p.select(ctx(s, v, 1));
        assertEquals("CONQUER", p.phase(), "same cluster count, no growth: conquer");
        assertEquals(1, third.length, "(k+1)(1-c) <= 1 with c = 0.52 gives k = 1");
    }

    @Test
    void divideExitsOnHighMeanConfidence() {
        MaskState s = state(32);
        DicoPolicy p = new DicoPolicy(NO_WEIGHTING);
        p.startBlock(0, 1, 33);
        LogitsView v = confs(filled(32, 0.7));
        commit(s, p.select(ctx(s, v, 1)));
        assertEquals("DIVIDE", p.phase());
        p.select(ctx(s, v, 1));
        assertEquals("CONQUER", p.phase(), "mean c 0.7 >= tau_low after one divide step");
    }

    @Test
    void divideStepLimit() {
        MaskState s = state(32);
        DicoPolicy p = new DicoPolicy(DicoParams.defaults().withBeta(1.0).withMaxDivideSteps(1));
        p.startBlock(0, 1, 33);
        LogitsView v = confs(filled(32, 0.52));
        commit(s, p.select(ctx(s, v, 1)));
        p.select(ctx(s, v, 1));
        assertEquals("CONQUER", p.phase());
    }

    /**
     * One real Divide step that leaves clusters [3, 8] and, when {@code two}, [20, 25] for Conquer:
     * seeds at 9 (and 26) with c = 0.9 (0.88), their neighbours 3..8 (20..25) at 0.7, everything
     * else at 0.1. Soft suppression stops after those seeds, the clusters grow over the 0.7 runs,
     * the mean c left in them (0.7) is >= tau_low, so Divide exits and the seeds are trimmed off.
     */
    private static DicoPolicy inConquer(MaskState s, boolean two) {
        double[] c = filled(32, 0.1);
        for (int pos = 3; pos <= 8; pos++) {
            c[pos - 1] = 0.7;
        }
        c[9 - 1] = 0.9;
        if (two) {
            for (int pos = 20; pos <= 25; pos++) {
                c[pos - 1] = 0.7;
            }
            c[26 - 1] = 0.88;
        }
        DicoPolicy p = new DicoPolicy(NO_WEIGHTING);
        p.startBlock(0, 1, 33);
        int[] seeds = p.select(ctx(s, confs(c), 1));
        assertArrayEquals(two ? new int[] {9, 26} : new int[] {9}, seeds);
        assertEquals("DIVIDE", p.phase());
        commit(s, seeds);
        List<int[]> cs = p.clusters();
        assertEquals(two ? 2 : 1, cs.size());
        assertArrayEquals(new int[] {3, 9}, cs.get(0));
        if (two) {
            assertArrayEquals(new int[] {20, 26}, cs.get(1));
        }
        return p;
    }

    @Test
    void conquerCommitsSafeTokensAndFactorTopKPerCluster() {
        MaskState s = state(32);
        DicoPolicy p = inConquer(s, true); // clusters [3, 8] and [20, 25] once the seeds are trimmed off
        double[] c = filled(32, 0.1);
        double[] cluster1 = {0.95, 0.9, 0.8, 0.5, 0.4, 0.3}; // k = 3: 4 x 0.2 <= 1 but 5 x 0.5 > 1
        System.arraycopy(cluster1, 0, c, 2, 6); // positions 3..8 (generation offset = position - 1)
        for (int i = 19; i <= 24; i++) {
            c[i] = 0.45; // cluster 2: 2 x 0.55 > 1, k = 0
        }
        c[29] = 0.99; // position 30, outside every cluster, is "safe"
        int[] chosen = p.select(ctx(s, confs(c), 1));
        assertEquals("CONQUER", p.phase());
        assertArrayEquals(new int[] {3, 4, 5, 30}, chosen);
    }

    @Test
    void conquerFallbackNeedsSixTenths() {
        double[] c = filled(32, 0.1);
        for (int i = 2; i <= 7; i++) {
            c[i] = 0.45;
        }
        c[14] = 0.65; // position 15: the block's best, outside the cluster
        MaskState s = state(32);
        DicoPolicy p = inConquer(s, false); // cluster [3, 8]
        assertArrayEquals(new int[] {15}, p.select(ctx(s, confs(c), 1)));
        assertEquals("CONQUER", p.phase());

        c[14] = 0.55;
        MaskState s2 = state(32);
        DicoPolicy q = inConquer(s2, false);
        q.select(ctx(s2, confs(c), 1));
        assertEquals("DIVIDE", q.phase(), "conquer commits nothing, the round ends, a new divide runs");
    }

    @Test
    void finalizeUsesMarginOrConfidenceWithTopOneFallback() {
        // vocab 64 so a margin > 3 can come with a low confidence
        int vocab = 64;
        float[][] rows = new float[5][vocab];
        rows[1][0] = 4f; // margin 4 (> 3), c ~ 0.47
        rows[2][0] = 10f; // c > 0.98
        rows[3][0] = 2f; // margin 2, c low
        rows[4][0] = 2.5f;
        rows[4][1] = 0f;
        MaskState s = new MaskState(new int[] {1}, 4, 63);
        // tau_e = 1: Divide finds no seed and hands over to Finalize on the same logits
        DicoPolicy p = new DicoPolicy(DicoParams.defaults().withTauE(1.0));
        p.startBlock(0, 1, 5);
        LogitsView v = Logits.ofRows(rows);
        assertArrayEquals(new int[] {1, 2}, p.select(ctx(s, v, 1)));
        assertEquals("FINALIZE", p.phase());
        assertEquals(1, p.stats().get("divide_steps"));
        float[][] low = new float[5][vocab];
        low[3][0] = 1f;
        low[1][0] = 0.5f;
        assertArrayEquals(new int[] {3}, p.select(ctx(s, Logits.ofRows(low), 1)));
    }

    @Test
    void fullBlockOnConfidentLogitsTakesFewSteps() {
        MaskState s = state(32);
        DicoPolicy p = new DicoPolicy();
        p.startBlock(0, 1, 33);
        LogitsView v = confs(filled(32, 0.999));
        int steps = 0;
        while (s.maskedCount() > 0) {
            commit(s, p.select(ctx(s, v, 1)));
            steps++;
        }
        assertTrue(steps <= 3, "steps " + steps);
        assertTrue(p.stats().get("divide_steps") >= 1);
    }

    /** Runs a whole generation (4 blocks of 8) by hand; returns every step's selection and phase. */
    private static List<String> drive(DicoPolicy p) {
        SplittableRandom r = new SplittableRandom(3);
        double[] c = new double[32];
        for (int i = 0; i < c.length; i++) {
            c[i] = 0.15 + 0.84 * r.nextDouble();
        }
        LogitsView v = confs(c);
        MaskState s = state(32);
        List<String> log = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            int start = 1 + 8 * b;
            int end = start + 8;
            p.startBlock(b, start, end);
            while (s.maskedCount(start, end) > 0) {
                int[] chosen = p.select(ctx(s, v, start, end, 1, 1));
                log.add(p.phase() + Arrays.toString(chosen));
                commit(s, chosen);
            }
        }
        log.add(p.stats().toString());
        return log;
    }

    @Test
    void aSecondGenerationStartsFromScratch() {
        DicoPolicy p = new DicoPolicy();
        List<String> first = drive(p);
        assertEquals(first, drive(p), "same policy object, same logits: same steps and counters");
        assertEquals(first, drive(new DicoPolicy()));
        assertTrue(first.size() > 5, first.toString());
    }

    @Test
    void aSecondGenerationThroughTheGeneratorIsIdentical() {
        DicoPolicy p = new DicoPolicy();
        DiffusionSettings settings = DiffusionSettings.of(64, 16, 64);
        GeneratorTest.FakeModel m = new GeneratorTest.FakeModel(3, GeneratorTest.target(64),
                GeneratorTest.strength(64, 2.0), 0f);
        int[] prompt = {1, 2, 3};
        GeneratorTest.Recorder ra = new GeneratorTest.Recorder();
        GeneratorTest.Recorder rb = new GeneratorTest.Recorder();
        GenerationResult first = new DiffusionGenerator().generate(m, prompt, settings, p, null, ra);
        GenerationResult second = new DiffusionGenerator().generate(m, prompt, settings, p, null, rb);
        List<DiffusionStep> a = ra.steps;
        List<DiffusionStep> b = rb.steps;
        assertArrayEquals(first.tokens(), second.tokens());
        assertEquals(GeneratorTest.steps(first), GeneratorTest.steps(second));
        assertTrue(first.extras().keySet().stream().anyMatch(k -> k.startsWith("policy.")), first.extras().toString());
        assertEquals(first.extras(), second.extras(), "steps, stopped_early and the policy's counters");
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).committedPositions(), b.get(i).committedPositions(), "step " + i);
            assertEquals(a.get(i).phase(), b.get(i).phase(), "step " + i);
        }
    }

    private static void commit(MaskState s, int[] positions) {
        for (int pos : positions) {
            s.commit(pos, 0);
        }
    }
}
