package paradec.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static paradec.diffusion.Fixtures.confs;
import static paradec.diffusion.Fixtures.ctx;
import static paradec.diffusion.Fixtures.probs;
import static paradec.diffusion.Fixtures.state;
import static paradec.diffusion.Fixtures.view;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import paradec.logits.LogitsView;

class PoliciesTest {

    @Test
    void lowConfidencePicksTheKMostConfidentMaskedPositions() {
        MaskState s = state(5);
        LogitsView v = confs(0.5, 0.9, 0.3, 0.95, 0.7);
        assertArrayEquals(new int[] {2, 4}, new LowConfidencePolicy().select(ctx(s, v, 2)));
        s.commit(4, 3); // position 4 (c 0.95) is no longer masked
        assertArrayEquals(new int[] {2, 5}, new LowConfidencePolicy().select(ctx(s, v, 2)));
    }

    @Test
    void entropyPicksLowestEntropyFirstAndMarginLargestMargin() {
        MaskState s = state(3);
        // A: top 0.6, rest spread (high entropy); B: 0.5/0.5 (entropy ln 2); C: 0.4, 0.1 x6 (margin 0.3)
        LogitsView v = view(probs(0.6, 0.4 / 6, 0.4 / 6, 0.4 / 6, 0.4 / 6, 0.4 / 6, 0.4 / 6),
                probs(0.5, 0.5),
                probs(0.4, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1));
        assertArrayEquals(new int[] {1}, new LowConfidencePolicy().select(ctx(s, v, 1)));
        assertArrayEquals(new int[] {2}, new EntropyPolicy().select(ctx(s, v, 1)));
        assertArrayEquals(new int[] {1}, new MarginPolicy().select(ctx(s, v, 1)));
        LogitsView w = view(probs(0.5, 0.45, 0.05), probs(0.4, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1));
        MaskState s2 = state(2);
        assertArrayEquals(new int[] {1}, new LowConfidencePolicy().select(ctx(s2, w, 1)));
        assertArrayEquals(new int[] {2}, new MarginPolicy().select(ctx(s2, w, 1)));
    }

    @Test
    void originGoesLeftToRight() {
        MaskState s = state(5);
        s.commit(2, 0);
        assertArrayEquals(new int[] {1, 3}, new OriginPolicy().select(ctx(s, confs(0.1, 0.1, 0.9, 0.9, 0.9), 2)));
    }

    @Test
    void randomIsSeededAndStaysOnMaskedBlockPositions() {
        MaskState s = state(16);
        s.commit(3, 0);
        s.commit(6, 0);
        LogitsView v = confs(new double[16]);
        int[] a = new RandomPolicy().select(ctx(s, v, 2, 10, 4, 99));
        int[] b = new RandomPolicy().select(ctx(s, v, 2, 10, 4, 99));
        assertArrayEquals(a, b);
        assertEquals(4, a.length);
        for (int p : a) {
            assertTrue(p >= 2 && p < 10 && s.isMasked(p), "position " + p);
        }
        boolean differs = false;
        for (long seed = 0; seed < 20 && !differs; seed++) {
            differs = !Arrays.equals(a, new RandomPolicy().select(ctx(s, v, 2, 10, 4, seed)));
        }
        assertTrue(differs, "different seeds should give different picks");
    }

    @Test
    void thresholdCommitsAllAboveTauAndAtLeastOne() {
        MaskState s = state(4);
        FastDllmThresholdPolicy p = new FastDllmThresholdPolicy();
        assertEquals(0.9, p.tau());
        assertArrayEquals(new int[] {1, 2}, p.select(ctx(s, confs(0.95, 0.91, 0.5, 0.89), 1)));
        assertArrayEquals(new int[] {3}, p.select(ctx(s, confs(0.5, 0.6, 0.8, 0.7), 1)));
        assertThrows(IllegalArgumentException.class, () -> p.tau(1.5));
    }

    @Test
    void factorRuleBoundaries() {
        FastDllmFactorPolicy p = new FastDllmFactorPolicy();
        // f = 1: n=1 needs c > 1/2, n=2 needs c_(2) > 2/3, n=3 needs c_(3) > 3/4
        assertArrayEquals(new int[] {1, 3}, p.select(ctx(state(4), confs(0.99, 0.70, 0.76, 0.2), 1)));
        assertArrayEquals(new int[] {1, 2, 3}, p.select(ctx(state(4), confs(0.99, 0.77, 0.76, 0.2), 1)));
        assertArrayEquals(new int[] {1, 2}, p.select(ctx(state(4), confs(0.99, 0.67, 0.66, 0.2), 1)));
        // nothing qualifies (c_(1) < 1/2): still the top-1
        assertArrayEquals(new int[] {2}, p.select(ctx(state(3), confs(0.3, 0.45, 0.2), 1)));
        // a larger factor admits more
        assertArrayEquals(new int[] {1, 2, 3}, new FastDllmFactorPolicy().factor(2.0)
                .select(ctx(state(4), confs(0.99, 0.70, 0.6, 0.2), 1)));
    }

    @Test
    void ebSamplerGammaBoundary() {
        MaskState s = state(4);
        LogitsView v = view(probs(0.9, 0.1), probs(0.999, 0.001), probs(0.98, 0.02), probs(0.99, 0.01));
        StepContext c = ctx(s, v, 1);
        // sorted by confidence: positions 2 (0.999), 4 (0.99), 3 (0.98), 1 (0.9)
        double h2 = c.stats(2).entropy();
        double h4 = c.stats(4).entropy();
        double h3 = c.stats(3).entropy();
        double atThree = h2 + h4 + h3 - Math.max(h2, Math.max(h4, h3));
        assertArrayEquals(new int[] {2, 3, 4}, new EbSamplerPolicy().select(ctx(s, v, 1)));
        assertArrayEquals(new int[] {2, 3, 4}, new EbSamplerPolicy().gamma(atThree).select(ctx(s, v, 1)));
        assertArrayEquals(new int[] {2, 4}, new EbSamplerPolicy().gamma(Math.nextDown(atThree)).select(ctx(s, v, 1)));
        assertArrayEquals(new int[] {2}, new EbSamplerPolicy().gamma(0).select(ctx(s, v, 1)));
        assertArrayEquals(new int[] {1, 2, 3, 4}, new EbSamplerPolicy().gamma(10).select(ctx(s, v, 1)));
    }

    @Test
    void klassNeedsTwoStableStepsAndFallsBackToTopOne() {
        MaskState s = state(5);
        KlassPolicy p = new KlassPolicy().topK(3); // small top-K: the coarse KL must still see the flip
        p.startBlock(0, 1, 6);
        // 1: stable 0.9; 2: stable 0.5 (below tau); 3: flips between tokens 0 and 2; 4: stable 0.8; 5: stable 0.95
        LogitsView even = view(Fixtures.conf(1, 0.9), Fixtures.conf(1, 0.5), Fixtures.conf(0, 0.85),
                Fixtures.conf(1, 0.8), Fixtures.conf(1, 0.95));
        LogitsView odd = view(Fixtures.conf(1, 0.9), Fixtures.conf(1, 0.5), Fixtures.conf(2, 0.85),
                Fixtures.conf(1, 0.8), Fixtures.conf(1, 0.95));
        assertArrayEquals(new int[] {5}, p.select(ctx(s, even, 1)), "no history: top-1");
        assertArrayEquals(new int[] {5}, p.select(ctx(s, odd, 1)), "one stable step is not enough");
        assertTrue(p.lastKl(1) < 1e-9);
        assertTrue(p.lastKl(3) > 1.0);
        assertArrayEquals(new int[] {1, 4, 5}, p.select(ctx(s, even, 1)));
        // a new block forgets the history
        p.startBlock(0, 1, 6);
        assertArrayEquals(new int[] {5}, p.select(ctx(s, even, 1)));
        assertFalse(Double.isNaN(p.kappa()));
    }

    @Test
    void stepContextCachesStatsAndGuardsTheBlock() {
        MaskState s = state(4);
        StepContext c = ctx(s, confs(0.5, 0.6, 0.7, 0.8), 2, 4, 1, 1);
        assertTrue(c.stats(2) == c.stats(2), "cached");
        assertThrows(IndexOutOfBoundsException.class, () -> c.stats(4));
        assertArrayEquals(new int[] {2, 3}, c.maskedPositions());
        assertNotEquals(c.stats(2).top1(), Fixtures.MASK);
    }
}
