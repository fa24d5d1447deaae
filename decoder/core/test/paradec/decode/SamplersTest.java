package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Sampling correctness: drawn frequencies against the intended distribution, and top-p's nucleus. */
class SamplersTest {

    private static final int DRAWS = 40_000;

    private static float[] logitsOf(double... probs) {
        float[] x = new float[probs.length];
        for (int i = 0; i < probs.length; i++) {
            x[i] = probs[i] == 0 ? Float.NEGATIVE_INFINITY : (float) Math.log(probs[i]);
        }
        return x;
    }

    /** softmax(x / t) restricted to {@code keep} (null = all), renormalised. */
    private static double[] expected(float[] x, double t, boolean[] keep) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        double[] p = new double[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            if (keep == null || keep[i]) {
                p[i] = Math.exp((x[i] - max) / t);
                sum += p[i];
            }
        }
        for (int i = 0; i < x.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static int[] counts(float[] x, SamplingSettings s, int draws) {
        Sampler sampler = Samplers.of(s);
        int[] n = new int[x.length];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment row = arena.allocateFrom(ValueLayout.JAVA_FLOAT, x);
            for (int i = 0; i < draws; i++) {
                n[sampler.sample(row, x.length)]++;
            }
        }
        return n;
    }

    /**
     * Chi-square goodness of fit; categories with expected probability 0 must never be drawn.
     * The critical value is for a 0.1% false-alarm rate (the draws are seeded, so the test is
     * deterministic anyway).
     */
    private static void assertFits(double[] want, int[] got, String what) {
        double chi2 = 0;
        int df = -1;
        for (int i = 0; i < want.length; i++) {
            if (want[i] == 0) {
                assertEquals(0, got[i], what + ": token " + i + " is outside the kept set");
                continue;
            }
            double e = want[i] * DRAWS;
            chi2 += (got[i] - e) * (got[i] - e) / e;
            df++;
        }
        if (df == 0) {
            return; // one kept token: the zero checks above already show every draw went to it
        }
        double[] critical = {10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32};
        assertTrue(df >= 1 && df <= critical.length, "df " + df);
        assertTrue(chi2 < critical[df - 1], what + ": chi2 " + chi2 + " with " + df + " df, counts "
                + Arrays.toString(got) + ", expected " + Arrays.toString(want));
    }

    @Test
    void temperatureSamplesTheTemperedSoftmax() {
        float[] x = logitsOf(0.5, 0.25, 0.15, 0.07, 0.03);
        for (double t : new double[] {0.5, 1.0, 2.0}) {
            assertFits(expected(x, t, null), counts(x, new SamplingSettings(t, 0, 1.0, 11), DRAWS), "t=" + t);
        }
    }

    @Test
    void topKSamplesOnlyTheKBestRenormalised() {
        float[] x = logitsOf(0.1, 0.35, 0.05, 0.3, 0.2);
        boolean[] keep = {false, true, false, true, true};
        assertFits(expected(x, 1.0, keep), counts(x, new SamplingSettings(1.0, 3, 1.0, 5), DRAWS), "k=3");
        boolean[] keep2 = {false, true, false, true, false};
        assertFits(expected(x, 0.7, keep2), counts(x, new SamplingSettings(0.7, 2, 1.0, 6), DRAWS), "k=2 t=0.7");
    }

    @Test
    void topPSamplesExactlyTheNucleus() {
        // sorted 0.4, 0.3, 0.15, 0.1, 0.05: 0.7 < 0.8 <= 0.85, so the nucleus is the best three
        float[] x = logitsOf(0.15, 0.4, 0.05, 0.3, 0.1);
        boolean[] nucleus = {true, true, false, true, false};
        assertFits(expected(x, 1.0, nucleus), counts(x, new SamplingSettings(1.0, 0, 0.8, 3), DRAWS), "p=0.8");
        boolean[] top1 = {false, true, false, false, false};
        assertFits(expected(x, 1.0, top1), counts(x, new SamplingSettings(1.0, 0, 0.35, 4), DRAWS), "p=0.35");
        // with temperature 2 the tempered probabilities are proportional to sqrt(p):
        // 0.632, 0.548, 0.387, 0.316, 0.224 of 2.107; 0.300 + 0.260 = 0.560 < 0.6 <= 0.744
        boolean[] hot = {true, true, false, true, false};
        assertFits(expected(x, 2.0, hot), counts(x, new SamplingSettings(2.0, 0, 0.6, 9), DRAWS), "p=0.6 t=2");
    }

    @Test
    void topKThenTopP() {
        // top-3 = 0.4, 0.3, 0.15 of 0.85; renormalised 0.47, 0.35, 0.18: p = 0.75 keeps two
        float[] x = logitsOf(0.15, 0.4, 0.05, 0.3, 0.1);
        boolean[] keep = {false, true, false, true, false};
        assertFits(expected(x, 1.0, keep), counts(x, new SamplingSettings(1.0, 3, 0.75, 8), DRAWS), "k=3 p=0.75");
    }

    /**
     * Reference top-p/top-k sampler: a full (boxed) sort of the vocabulary, then the same
     * one-uniform-per-token inverse-CDF draw, so a correct sampler agrees token for token.
     * Without truncation the draw walks the tokens in id order (no sort needed).
     */
    private static int reference(float[] x, Integer[] sorted, SamplingSettings s, SplittableRandom random) {
        Integer[] order = sorted;
        if (s.topK() == 0 && s.topP() >= 1) {
            order = new Integer[x.length];
            for (int i = 0; i < x.length; i++) {
                order[i] = i;
            }
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        int n = s.topK() > 0 ? Math.min(s.topK(), x.length) : x.length;
        double[] w = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            w[i] = Math.exp((x[order[i]] - max) / s.temperature());
            sum += w[i];
        }
        double acc = 0;
        int keep = n;
        for (int i = 0; i < n; i++) {
            acc += w[i] / sum;
            if (acc >= s.topP()) {
                keep = i + 1;
                break;
            }
        }
        double kept = 0;
        for (int i = 0; i < keep; i++) {
            kept += w[i];
        }
        double u = random.nextDouble() * kept;
        for (int i = 0; i < keep; i++) {
            u -= w[i];
            if (u <= 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    @Test
    void agreesTokenForTokenWithAFullSortOnLargeRows() {
        SplittableRandom gen = new SplittableRandom(2024);
        try (Arena arena = Arena.ofConfined()) {
            for (int vocab : new int[] {1, 2, 50, 5000}) {
                for (double p : new double[] {0.3, 0.9, 0.99, 1.0}) {
                    for (int k : new int[] {0, 1, 40}) {
                        for (double t : new double[] {0.6, 1.0}) {
                            float[] x = new float[vocab];
                            for (int i = 0; i < vocab; i++) {
                                // a peaked head, a long flat tail and some exact ties
                                x[i] = i % 97 == 0 ? 8f : (float) Math.round(gen.nextGaussian() * 8) / 4f;
                            }
                            Integer[] sorted = new Integer[vocab];
                            for (int i = 0; i < vocab; i++) {
                                sorted[i] = i;
                            }
                            // stable: ties keep the lower id first
                            Arrays.sort(sorted, (a, b) -> Float.compare(x[b], x[a]));
                            SamplingSettings s = new SamplingSettings(t, k, p, 77);
                            Sampler sampler = Samplers.of(s);
                            SplittableRandom ref = new SplittableRandom(77);
                            MemorySegment row = arena.allocateFrom(ValueLayout.JAVA_FLOAT, x);
                            int[] got = new int[200];
                            int[] want = new int[200];
                            for (int i = 0; i < got.length; i++) {
                                got[i] = sampler.sample(row, vocab);
                                want[i] = reference(x, sorted, s, ref);
                            }
                            assertArrayEquals(want, got, "vocab " + vocab + " p " + p + " k " + k + " t " + t);
                        }
                    }
                }
            }
        }
    }

    @Test
    void greedyIsTheArgmax() {
        float[] x = {1f, 3f, 3f, 2f};
        assertEquals(1, counts(x, SamplingSettings.greedy(), 1)[1]);
    }
}
