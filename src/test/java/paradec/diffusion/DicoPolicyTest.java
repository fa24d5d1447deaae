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
import java.util.function.IntPredicate;

import org.junit.jupiter.api.Test;

import paradec.diffusion.DicoPolicy.Phase;
import paradec.logits.Logits;
import paradec.logits.LogitsView;

class DicoPolicyTest {

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
    void growthToleratesMFailingPositionsAndOnlyLandsOnPassingOnes() {
        // P = pass, F = fail; cluster starts at 5
        IntPredicate gap2 = pass("FFFFFPFFPFFFP"); // right: 6,7 fail, 8 passes; 9,10,11 fail (3 > M)
        assertArrayEquals(new int[] {5, 8}, DicoPolicy.grow(5, 5, 0, 12, gap2, 2));
        IntPredicate gap3 = pass("FFFFFPFFFPPPP");
        assertArrayEquals(new int[] {5, 5}, DicoPolicy.grow(5, 5, 0, 12, gap3, 2), "M+1 failing is not bridged");
        IntPredicate tail = pass("FFFFFPPFF");
        assertArrayEquals(new int[] {5, 6}, DicoPolicy.grow(5, 5, 0, 8, tail, 2), "edge stays on the last pass");
        IntPredicate left = pass("PFFPFPF");
        assertArrayEquals(new int[] {0, 5}, DicoPolicy.grow(5, 5, 0, 6, left, 2));
        assertArrayEquals(new int[] {3, 5}, DicoPolicy.grow(5, 5, 2, 6, left, 2), "bounded by min");
    }

    private static IntPredicate pass(String pattern) {
        return i -> pattern.charAt(i) == 'P';
    }

    @Test
    void mergesOverlappingAndAdjacentIntervals() {
        List<int[]> in = new ArrayList<>(List.of(new int[] {10, 12}, new int[] {1, 3}, new int[] {4, 6},
                new int[] {11, 11}, new int[] {14, 15}));
        List<int[]> out = DicoPolicy.merge(in);
        assertEquals(3, out.size());
        assertArrayEquals(new int[] {1, 6}, out.get(0));
        assertArrayEquals(new int[] {10, 12}, out.get(1));
        assertArrayEquals(new int[] {14, 15}, out.get(2));
    }

    @Test
    void stableRule() {
        List<int[]> a = List.of(new int[] {0, 9}, new int[] {20, 29});
        assertTrue(DicoPolicy.stable(a, List.of(new int[] {0, 9}, new int[] {20, 29}), 0.1));
        assertFalse(DicoPolicy.stable(a, List.of(new int[] {0, 10}, new int[] {20, 29}), 0.1), "10% growth");
        assertFalse(DicoPolicy.stable(a, List.of(new int[] {0, 9}), 0.1), "count changed");
        assertFalse(DicoPolicy.stable(null, a, 0.1));
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
        DicoPolicy p = new DicoPolicy().beta(1.0); // w_min = 1: no trajectory weighting
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
        DicoPolicy p = new DicoPolicy().beta(1.0);
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
        DicoPolicy p = new DicoPolicy().beta(1.0).maxDivideSteps(1);
        p.startBlock(0, 1, 33);
        LogitsView v = confs(filled(32, 0.52));
        commit(s, p.select(ctx(s, v, 1)));
        p.select(ctx(s, v, 1));
        assertEquals("CONQUER", p.phase());
    }

    @Test
    void conquerCommitsSafeTokensAndFactorTopKPerCluster() {
        MaskState s = state(32);
        DicoPolicy p = new DicoPolicy();
        p.force(Phase.CONQUER, 0, 1, 33, List.of(new int[] {3, 8}, new int[] {20, 25}));
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
        DicoPolicy p = new DicoPolicy();
        p.force(Phase.CONQUER, 0, 1, 33, List.of(new int[] {3, 8}));
        assertArrayEquals(new int[] {15}, p.select(ctx(s, confs(c), 1)));
        assertEquals("CONQUER", p.phase());

        c[14] = 0.55;
        DicoPolicy q = new DicoPolicy();
        q.force(Phase.CONQUER, 0, 1, 33, List.of(new int[] {3, 8}));
        q.select(ctx(s, confs(c), 1));
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
        DicoPolicy p = new DicoPolicy();
        p.force(Phase.FINALIZE, 0, 1, 5, List.of());
        LogitsView v = Logits.ofRows(rows);
        assertArrayEquals(new int[] {1, 2}, p.select(ctx(s, v, 1)));
        assertEquals("FINALIZE", p.phase());
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

    private static void commit(MaskState s, int[] positions) {
        for (int pos : positions) {
            s.commit(pos, 0);
        }
    }
}
