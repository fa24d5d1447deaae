package paradec.logits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class LogitMathTest {

    /** Naive reference: explicit probabilities in doubles, lowest-id ties. */
    private static RowStats naive(float[] x, int excluded) {
        int i1 = -1;
        for (int i = 0; i < x.length; i++) {
            if (i != excluded && (i1 < 0 || x[i] > x[i1])) {
                i1 = i;
            }
        }
        int i2 = -1;
        for (int i = 0; i < x.length; i++) {
            if (i != excluded && i != i1 && (i2 < 0 || x[i] > x[i2])) {
                i2 = i;
            }
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        double z = 0;
        for (float v : x) {
            z += Math.exp(v - max);
        }
        double h = 0;
        for (float v : x) {
            double p = Math.exp(v - max) / z;
            if (p > 0) {
                h -= p * Math.log(p);
            }
        }
        double c = Math.exp(x[i1] - max) / z;
        double p2 = i2 < 0 ? 0 : Math.exp(x[i2] - max) / z;
        float m = i2 < 0 ? Float.POSITIVE_INFINITY : x[i1] - x[i2];
        return new RowStats(i1, c, i2, p2, m, h);
    }

    private static MemorySegment seg(float[] x) {
        return Logits.ofRows(new float[][] {x}).row(0);
    }

    /** Within the float sums' bound: Z's relative error moves every probability by as much, relative. */
    static final double FLOAT_SUMS = 1.01 * LogitMath.RELATIVE_ERROR_BOUND;
    /** Double sums ({@link LogitMath#statsExact}) against the naive reference: rounding alone. */
    static final double DOUBLE_SUMS = 1e-9;

    private static void assertClose(RowStats want, RowStats got, String what) {
        assertClose(want, got, what, FLOAT_SUMS);
    }

    private static void assertClose(RowStats want, RowStats got, String what, double relative) {
        assertEquals(want.top1(), got.top1(), what + " top1");
        assertEquals(want.top2(), got.top2(), what + " top2");
        assertEquals(want.margin(), got.margin(), 0f, what + " margin");
        assertRel(want.confidence(), got.confidence(), relative, what + " confidence");
        assertRel(want.secondProbability(), got.secondProbability(), relative, what + " p2");
        assertEquals(want.entropy(), got.entropy(), 2 * relative * Math.max(1, want.entropy()), what + " entropy");
    }

    private static void assertRel(double want, double got, double relative, String what) {
        assertEquals(want, got, relative * Math.max(Math.abs(want), 1e-300), what);
    }

    private static float[] randomRow(SplittableRandom rnd, int n, int kind) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (kind) {
                case 0 -> (float) rnd.nextGaussian() * 3f;
                case 1 -> (float) (rnd.nextGaussian() * 1e4 + 5e4); // huge
                case 2 -> (float) (rnd.nextGaussian() * 50 - 1e5); // very negative
                case 3 -> rnd.nextInt(4); // many ties
                default -> rnd.nextInt(10) == 0 ? Float.NEGATIVE_INFINITY : (float) rnd.nextGaussian();
            };
        }
        return x;
    }

    @Test
    void scalarAndVectorMatchNaiveOnRandomRows() {
        SplittableRandom rnd = new SplittableRandom(7);
        int[] sizes = {1, 2, 3, 7, 15, 16, 17, 31, 33, 100, 1000, 4099};
        for (int n : sizes) {
            for (int kind = 0; kind < 5; kind++) {
                float[] x = randomRow(rnd, n, kind);
                int[] exclusions = n > 1 ? new int[] {-1, 0, n - 1, rnd.nextInt(n)} : new int[] {-1};
                for (int ex : exclusions) {
                    RowStats want = naive(x, ex);
                    String what = "n=" + n + " kind=" + kind + " ex=" + ex;
                    assertClose(want, LogitMath.statsScalar(seg(x), n, ex), what + " scalar");
                    RowStats vec = LogitMath.statsVector(seg(x), n, ex);
                    assertClose(want, vec, what + " vector");
                    RowStats sc = LogitMath.statsScalar(seg(x), n, ex);
                    // bit-identical, not just close: a JVM switches from one to the other mid-generation
                    assertEquals(sc, vec, what + ": scalar and vector differ");
                }
            }
        }
    }

    @Test
    void scalarAndVectorGiveTheSameBitsOnLargeRows() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int n : new int[] {32_000, 32_003, 126_464}) {
            for (int kind = 0; kind < 5; kind++) {
                float[] x = randomRow(rnd, n, kind);
                int ex = rnd.nextInt(n);
                RowStats sc = LogitMath.statsScalar(seg(x), n, ex);
                assertEquals(sc, LogitMath.statsVector(seg(x), n, ex), "n=" + n + " kind=" + kind);
                assertEquals(sc, LogitMath.stats(seg(x), n, ex), "n=" + n + " kind=" + kind + " via stats");
                assertClose(naive(x, ex), sc, "n=" + n + " kind=" + kind);
            }
        }
    }

    @Test
    void sixteenLanesAndTwoTimesEightGiveThePlainLoopsSums() {
        // the hardware picks one of the two vector layouts; both must add exactly as the plain loops do
        SplittableRandom rnd = new SplittableRandom(5);
        for (int n : new int[] {16, 64, 4000, 32_000, 151_936}) {
            float[] x = randomRow(rnd, n, 0);
            // some logits far below the clamp, some at -inf: the plain loop's clamp must agree with the vectors' max
            for (int i = 0; i < n; i += 7) x[i] = i % 2 == 0 ? -150f - i % 13 : Float.NEGATIVE_INFINITY;
            float shift = 12f;
            double[][] sums = new double[4][LogitMath.SUM_LANES];
            assertLaneLayoutsAddAsThePlainLoops(x, n, shift, true);
        }
    }

    @Test
    void withoutTheClampRowsAboveItGiveThePlainLoopsSums() {
        // pass 2 leaves the clamp out for rows whose smallest logit is above it: the same sums, to the bit
        SplittableRandom rnd = new SplittableRandom(6);
        for (int n : new int[] {16, 4000, 126_464, 151_936}) {
            float[] x = randomRow(rnd, n, 0);
            float shift = 12f;
            x[n / 3] = shift + LogitMath.EXPF_FLOOR;
            assertLaneLayoutsAddAsThePlainLoops(x, n, shift, false);
        }
    }

    @Test
    void rowsReachingBelowTheClampAreStillClamped() {
        // one logit below the floor (or at -inf) anywhere in a row, the excluded token's too, must reach pass 2's clamp:
        // without it that term's e^t would differ from the plain loop's (and -inf would make the sum NaN)
        SplittableRandom rnd = new SplittableRandom(8);
        int n = 126_464;
        for (float low : new float[] {-100f, -200f, Float.NEGATIVE_INFINITY}) {
            for (int at : new int[] {0, 77, n - 1}) {
                float[] x = randomRow(rnd, n, 0);
                x[at] = low;
                for (int ex : new int[] {-1, at == 0 ? 1 : 0, at}) {
                    if (ex == at && at == n - 1) continue;
                    RowStats sc = LogitMath.statsScalar(seg(x), n, ex);
                    assertEquals(sc, LogitMath.statsVector(seg(x), n, ex), "low " + low + " at " + at + ", excluded " + ex);
                }
            }
        }
    }

    private static void assertLaneLayoutsAddAsThePlainLoops(float[] x, int n, float shift, boolean clamp) {
        double[][] sums = new double[4][LogitMath.SUM_LANES];
        VectorKernels.sums(seg(x), n, shift, true, true, clamp, sums[0], sums[1]);
        VectorKernels.sums(seg(x), n, shift, false, true, clamp, sums[2], sums[3]);
        double[] plain = LogitMath.sums(x, n, shift);
        String what = "n=" + n + ", clamp " + clamp;
        assertEquals(plain[0], LogitMath.inLaneOrder(sums[0]), 0.0, "z, 16 lanes, " + what);
        assertEquals(plain[1], LogitMath.inLaneOrder(sums[1]), 0.0, "w, 16 lanes, " + what);
        assertEquals(plain[0], LogitMath.inLaneOrder(sums[2]), 0.0, "z, 2 x 8 lanes, " + what);
        assertEquals(plain[1], LogitMath.inLaneOrder(sums[3]), 0.0, "w, 2 x 8 lanes, " + what);
    }

    @Test
    void withoutEntropyEverythingElseIsTheSameBits() {
        SplittableRandom rnd = new SplittableRandom(17);
        for (int n : new int[] {5, 33, 4099, 126_464}) {
            for (int kind = 0; kind < 5; kind++) {
                float[] x = randomRow(rnd, n, kind);
                int ex = rnd.nextInt(n);
                RowStats full = LogitMath.statsScalar(seg(x), n, ex);
                for (RowStats lean : new RowStats[] {LogitMath.statsScalar(seg(x), n, ex, false),
                        LogitMath.statsVector(seg(x), n, ex, false), LogitMath.stats(seg(x), n, ex, false)}) {
                    String what = "n=" + n + " kind=" + kind;
                    assertTrue(Double.isNaN(lean.entropy()), what + ": entropy " + lean.entropy());
                    assertEquals(new RowStats(full.top1(), full.confidence(), full.top2(), full.secondProbability(),
                            full.margin(), Double.NaN), lean, what);
                }
            }
        }
    }

    @Test
    void floatSumsStayWithinTheirBoundOfTheExactOnes() {
        // the bound is what makes the float sums safe: every kind of row, up to the largest vocabulary in use
        SplittableRandom rnd = new SplittableRandom(13);
        double worst = 0;
        for (int n : new int[] {17, 1024, 1040, 32_000, 126_464, 151_936}) {
            for (int kind = 0; kind < 7; kind++) {
                float[] x = kind < 5 ? randomRow(rnd, n, kind) : flatRow(rnd, n, kind == 5 ? 0.01 : 30);
                int ex = rnd.nextInt(n);
                RowStats exact = LogitMath.statsExact(seg(x), n, ex);
                RowStats fast = LogitMath.statsScalar(seg(x), n, ex);
                String what = "n=" + n + " kind=" + kind;
                assertClose(exact, fast, what);
                assertClose(naive(x, ex), exact, what + " exact", DOUBLE_SUMS);
                if (exact.confidence() > 0) {
                    worst = Math.max(worst, Math.abs(fast.confidence() / exact.confidence() - 1));
                }
            }
        }
        assertTrue(worst > 0, "float and double sums never differed: the comparison tests nothing");
    }

    /** A row of nearly equal logits (spread {@code sd}): Z is a sum of many terms of one size, the float sums' worst case. */
    private static float[] flatRow(SplittableRandom rnd, int n, double sd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextGaussian() * sd);
        return x;
    }

    @Test
    void expfIsCloseToMathExpOverItsRange() {
        // the terms that make up Z (t >= -20) within 2.2e-7; down to the floor, where ln 2 rounded to float adds up
        // to 2.3e-7 (see LogitMath's constants), within 4e-7
        SplittableRandom rnd = new SplittableRandom(4);
        double worstNear = 0;
        double worstFar = 0;
        for (int i = 0; i < 400_000; i++) {
            float t = i < 1000 ? -i * 0.08f : (float) rnd.nextDouble(LogitMath.EXPF_FLOOR, 0);
            double want = Math.exp(t);
            double error = Math.abs(LogitMath.expf(t) - want) / want;
            if (t >= -20) worstNear = Math.max(worstNear, error);
            else worstFar = Math.max(worstFar, error);
        }
        assertTrue(worstNear < 2.2e-7, "relative error " + worstNear + " for t >= -20");
        assertTrue(worstFar < 4e-7, "relative error " + worstFar + " for t < -20");
        assertEquals(1f, LogitMath.expf(0f));
        assertEquals(1f, LogitMath.expf(-0f));
    }

    @Test
    void vectorArgmaxIsThePlainLoopsArgmax() {
        // a JVM switches from one to the other mid-generation: the same id for every row, or -1 (plain loop) for a
        // row the lanes cannot answer (a NaN first value, which the plain loop keeps; no value above -inf)
        SplittableRandom rnd = new SplittableRandom(9);
        for (int n : new int[] {16, 17, 31, 32, 33, 48, 63, 64, 65, 100, 4099, 151_936}) {
            for (int kind = 0; kind < 5; kind++) {
                float[] x = randomRow(rnd, n, kind);
                assertEquals(LogitMath.argmaxExcluding(seg(x), n, -1), VectorKernels.argmax(seg(x), n), "n=" + n + " kind=" + kind);
            }
            float[] zeros = new float[n];
            zeros[n - 1] = -0.0f;
            zeros[0] = -0.0f; // -0.0 == 0.0: the lowest id holding the maximum
            assertEquals(0, VectorKernels.argmax(seg(zeros), n));
            float[] infs = new float[n];
            java.util.Arrays.fill(infs, Float.NEGATIVE_INFINITY);
            assertEquals(-1, VectorKernels.argmax(seg(infs), n));
            assertEquals(0, LogitMath.argmax(seg(infs), n));
            // NaN anywhere but first is skipped by both (it never compares greater): in a step's first or second
            // vector, in the tail, or where the maximum would be
            for (int at : new int[] {n / 2, n - 1, Math.min(n - 1, 16), Math.min(n - 1, 40)}) {
                float[] nan = randomRow(rnd, n, 0);
                nan[at] = Float.NaN;
                int plain = LogitMath.argmaxExcluding(seg(nan), n, -1);
                assertEquals(plain, VectorKernels.argmax(seg(nan), n), "n=" + n + " NaN at " + at);
                assertEquals(plain, LogitMath.argmax(seg(nan), n));
            }
            float[] nanFirst = randomRow(rnd, n, 0);
            nanFirst[0] = Float.NaN;
            assertEquals(-1, VectorKernels.argmax(seg(nanFirst), n));
            assertEquals(0, LogitMath.argmax(seg(nanFirst), n));
            // ties across the two vectors of one step and across steps: the lowest id
            if (n >= 64) {
                float[] ties = new float[n];
                ties[63] = 5f;
                ties[17] = 5f;
                ties[n - 1] = 5f;
                assertEquals(17, VectorKernels.argmax(seg(ties), n));
            }
        }
    }

    @Test
    void rowsWithNaNOrInfinityGiveThePlainLoopsStatisticsOnVectors() {
        // the vector kernel finds such rows by their NaN sum and hands them to the plain loop: the same record
        SplittableRandom rnd = new SplittableRandom(21);
        for (int n : new int[] {40, 4000, 32_003}) {
            for (int kind = 0; kind < 5; kind++) {
                float[] x = randomRow(rnd, n, 0);
                int at = rnd.nextInt(n);
                int excluded = kind == 3 ? at : rnd.nextInt(n);
                switch (kind) {
                    case 0 -> x[at] = Float.NaN;
                    case 1 -> {
                        x[0] = Float.NaN; // the plain loop takes a first NaN as its best
                        x[n - 1] = Float.NaN; // in the tail past the vector loop
                    }
                    case 2 -> x[at] = Float.POSITIVE_INFINITY;
                    case 3 -> x[at] = Float.NaN; // the excluded token itself: still in Z
                    default -> {
                        x[at] = Float.NaN;
                        x[(at + 1) % n] = Float.POSITIVE_INFINITY;
                    }
                }
                RowStats plain = LogitMath.statsScalar(seg(x), n, excluded);
                assertEquals(plain, LogitMath.statsVector(seg(x), n, excluded), "kind " + kind + ", n=" + n);
            }
        }
    }

    @Test
    void tiesGoToLowestId() {
        float[] x = new float[40];
        x[5] = 3f;
        x[21] = 3f;
        x[33] = 3f;
        for (RowStats s : new RowStats[] {LogitMath.statsScalar(seg(x), 40, -1), LogitMath.statsVector(seg(x), 40, -1)}) {
            assertEquals(5, s.top1());
            assertEquals(21, s.top2());
            assertEquals(0f, s.margin());
        }
        assertEquals(5, LogitMath.argmax(seg(x), 40));
        assertEquals(21, LogitMath.argmaxExcluding(seg(x), 40, 5));
    }

    @Test
    void excludedTokenStaysInNormaliser() {
        // token 2 (the "mask") has the largest logit: it is never top1, but it takes probability mass
        float[] x = {0f, 1f, 5f, 1f};
        RowStats s = LogitMath.stats(seg(x), 4, 2);
        assertEquals(1, s.top1());
        assertEquals(3, s.top2());
        double z = 1 + 2 * Math.E + Math.exp(5);
        assertRel(Math.E / z, s.confidence(), FLOAT_SUMS, "confidence includes mask in Z");
        // an enormous excluded logit must not overflow
        float[] y = {0f, 1f, 1e30f};
        RowStats t = LogitMath.stats(seg(y), 3, 2);
        assertEquals(1, t.top1());
        assertEquals(0.0, t.confidence(), 0.0);
        assertEquals(0.0, t.entropy(), 1e-12);
    }

    @Test
    void singleCandidateHasNoSecond() {
        RowStats s = LogitMath.stats(seg(new float[] {2f, 9f}), 2, 1);
        assertEquals(0, s.top1());
        assertEquals(-1, s.top2());
        assertEquals(Float.POSITIVE_INFINITY, s.margin());
        assertEquals(0.0, s.secondProbability());
    }

    @Test
    void uniformEntropyIsLogN() {
        float[] x = new float[1000];
        RowStats s = LogitMath.stats(seg(x), 1000, -1);
        assertEquals(Math.log(1000), s.entropy(), 1e-12);
        assertEquals(1e-3, s.confidence(), 1e-15);
    }

    @Test
    void logSumExpAndSoftmax() {
        float[] x = {1f, 2f, 3f, Float.NEGATIVE_INFINITY};
        double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        assertEquals(lse, LogitMath.logSumExp(seg(x), 4), 1e-12);
        double[] p = new double[4];
        LogitMath.softmax(seg(x), 4, 2.0, p);
        double z = Math.exp(0.5) + Math.exp(1) + Math.exp(1.5);
        assertEquals(Math.exp(1.5) / z, p[2], 1e-12);
        assertEquals(0.0, p[3]);
        assertThrows(IllegalArgumentException.class, () -> LogitMath.softmax(seg(x), 4, 0.0, p));
    }

    @Test
    void badArgumentsAreRefused() {
        MemorySegment s = seg(new float[] {1f, 2f});
        assertThrows(IllegalArgumentException.class, () -> LogitMath.stats(s, 0));
        assertThrows(IllegalArgumentException.class, () -> LogitMath.stats(s, 2, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> LogitMath.stats(s, 3));
        assertThrows(IllegalArgumentException.class, () -> LogitMath.stats(seg(new float[] {1f}), 1, 0));
    }

    @Test
    void viewValidatesRows() {
        LogitsView v = Logits.ofRows(new float[][] {{1f, 2f}, {3f, 4f}});
        assertEquals(4f, v.get(1, 1));
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> v.row(2));
        assertTrue(e.getMessage().contains("row 2"));
        assertThrows(IndexOutOfBoundsException.class, () -> v.get(0, 2));
        assertThrows(IllegalArgumentException.class, () -> Logits.ofRows(new float[][] {{1f}, {1f, 2f}}));
        assertTrue(v.row(0).isReadOnly());
        assertThrows(IllegalArgumentException.class,
                () -> v.row(0).set(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, 1f));
    }

    /** Long rows take the vector argmax, short ones the scalar one: both give the lowest index of the maximum. */
    @Test
    void argmaxIsTheLowestMaximumOnEitherSideOfTheVectorThreshold() {
        java.util.Random random = new java.util.Random(3);
        for (int n : new int[] {LogitMath.VECTOR_ARGMAX_MIN - 1, LogitMath.VECTOR_ARGMAX_MIN, 40_001, 151_936}) {
            for (int trial = 0; trial < 5; trial++) {
                float[] x = new float[n];
                for (int i = 0; i < n; i++) x[i] = (float) random.nextGaussian();
                int a = random.nextInt(n);
                int b = random.nextInt(n);
                x[a] = 9f;
                x[b] = 9f; // a tie: the lower index wins
                assertEquals(Math.min(a, b), LogitMath.argmax(seg(x), n), "n=" + n);
                assertEquals(LogitMath.argmaxExcluding(seg(x), n, -1), LogitMath.argmax(seg(x), n));
            }
        }
    }
}
