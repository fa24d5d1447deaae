package paradec.logits;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Row statistics over raw logits held in a {@link MemorySegment} ({@code JAVA_FLOAT}, native order).
 *
 * <p>All probabilities are softmax at temperature 1 over the full row, returned as doubles. Rules
 * shared by every method:
 * <ul>
 *   <li>Ties: the lowest token id wins the argmax; the second place goes to the lowest other id
 *       holding the second-highest value (so two equal maxima give {@code top2} = the later one
 *       and margin 0).</li>
 *   <li>Excluded token (the diffusion mask token, which must never be committed): it is skipped
 *       for {@code top1}/{@code top2}, but it stays in the softmax normaliser Z, so
 *       {@code confidence} is the model's true probability of {@code top1}.</li>
 *   <li>{@code -Infinity} logits are allowed (probability 0). Rows whose maximum is not finite,
 *       or which hold NaN, give unspecified (usually NaN) probabilities.</li>
 * </ul>
 *
 * <p>{@link #stats} is the hot path (every masked row, every step, 32k-150k vocab). It makes two
 * passes: pass 1 finds the two best values, pass 2 sums {@code e^t} and {@code t e^t} over {@code t = x - max},
 * giving {@code H = log Z - E[t]}. Pass 2 works in single precision where that cannot move a decision by more
 * than {@value #RELATIVE_ERROR_BOUND} (relative, on {@code Z}; see {@link #RELATIVE_ERROR_BOUND}): each element's
 * {@code e^t} from {@link #expf}, a float polynomial, added in float into one of {@value #SUM_LANES} lanes for
 * {@value #CHUNK} elements at a time, then each lane's chunk sum added into a double. The logits themselves are
 * floats, and llama.cpp's own samplers work in float throughout. {@link #statsExact} keeps the double-precision
 * sums ({@code -Dparadec.logits.exactSums=true} makes {@link #stats} use them), and tests hold the two to the bound
 * and to the same tokens under every policy.
 *
 * <p>There is a scalar and a Vector API implementation, and they give bit-identical results: the same lanes
 * (lane {@code i % 16} takes element {@code i}), the same fused multiply-adds in the same order, the lanes added
 * up in one fixed order. So a JVM may use either at any time without a near-tie ever resolving differently: it runs
 * the plain loops while the Vector API is still cold (interpreted, it allocates every vector; see
 * {@link #VECTOR_AFTER}), then the vectors. Without {@code jdk.incubator.vector}, or with
 * {@code -Dparadec.logits.scalar=true}, the plain loops run throughout (see {@code LogitMathBench}).
 */
public final class LogitMath {

    /**
     * Pass 2's running sums per row, the same in the scalar and the vector code (see the class doc): one
     * 512-bit vector of floats, or two of 256 bits. Fixed, so that every JVM, with the Vector API or not, on
     * any hardware, adds in the same order.
     */
    static final int SUM_LANES = 16;
    /** Elements whose {@code e^t} a lane adds in float before its double takes the chunk's sum: 64 a lane. */
    static final int CHUNK = 1024;
    /**
     * Shifted logits are clamped here before {@link #expf}: e^-80 ~ 2e-35 adds nothing next to the maximum's 1,
     * stays a normal float, and clamping keeps -inf (and {@code -inf * 0 = NaN}) out of the sums.
     */
    static final float EXPF_FLOOR = -80f;
    /**
     * How far pass 2's {@code Z} may lie from the exact sum of the row's {@code e^t}, relative: 64 float additions
     * a lane a chunk (64 x 2^-24 = 3.8e-6 at worst), {@link #expf} (under 2.2e-7 where {@code t >= -20}, tested; the
     * terms below weigh under 0.04% of {@code Z} together, whose error under 4e-7 adds nothing measurable), and {@code t = x - max}
     * rounded to float (under 2^-24 |t| for each term, at most 7e-7 over a row of 151,936). The confidences and
     * probabilities of two rows, or of a row and a threshold, that differ by more than twice this (relative) are
     * ordered as the exact sums would order them; an entropy carries this bound times {@code 1 + E|t|}, absolute
     * ({@code W} is summed the same way).
     */
    public static final double RELATIVE_ERROR_BOUND = 5e-6;
    /** {@link #stats} takes {@link #statsExact}'s double sums ({@code -Dparadec.logits.exactSums=true}). */
    private static volatile boolean exactSums = Boolean.getBoolean("paradec.logits.exactSums");

    /**
     * Logits the plain loops take before the vector kernels do, per JVM ({@code -Dparadec.logits.vectorAfter=N}):
     * until C2 has compiled them the Vector API's kernels run far slower than plain loops, which a one-shot
     * run never amortises. Either path gives the same bits, so the switch changes no result.
     */
    static final long VECTOR_AFTER = Long.getLong("paradec.logits.vectorAfter", 1L << 28);
    /** The same for {@link #argmax}, counted apart ({@code -Dparadec.logits.vectorArgmaxAfter=N}): at 151k logits a row, 300 greedy tokens take 0.16-0.2 s of Java with plain loops first, 0.65-0.69 s with vectors from the start. */
    static final long VECTOR_ARGMAX_AFTER = Long.getLong("paradec.logits.vectorArgmaxAfter", 1L << 28);
    /** Logits still to go through the plain loops; racy on purpose (a few rows more or less change nothing). */
    private static long scalarBudget = VECTOR_AFTER;
    private static long scalarArgmaxBudget = VECTOR_ARGMAX_AFTER;
    /** Logits {@link #argmaxExcluding} still reads from a copy of the row (while the JVM is young). */
    private static long copyBudget = 1L << 26;
    /**
     * Plain loops always read a copy of the row ({@code -Dparadec.logits.readCopies=true}): for a JVM without C2
     * ({@code -XX:TieredStopAtLevel=1}, bin/paradec's one-shot commands), whose code for a segment's element
     * reads stays several times slower than for an array's.
     */
    static final boolean READ_COPIES = Boolean.getBoolean("paradec.logits.readCopies");

    /**
     * Whether the incubating Vector API is in this JVM (it needs {@code --add-modules jdk.incubator.vector}).
     * Without it the scalar code runs, and {@link VectorKernels} is never loaded.
     */
    static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    // (not logged: a System.Logger started java.util.logging, ~15 ms of a one-shot run that runs without it
    // on purpose; vectorised() tells)
    private static final boolean SCALAR = Boolean.getBoolean("paradec.logits.scalar") || !VECTOR_API;
    /**
     * Rows shorter than this take the scalar argmax (see {@link #argmax}); {@code -Dparadec.logits.vectorArgmaxMin=N}.
     * Low: a young JVM takes the plain loops first anyway ({@link #VECTOR_ARGMAX_AFTER}), and once compiled the
     * vectors win from a few hundred logits on (warm, per row: 4,000 logits 0.7-1.1 against 6.3-7.1 us; 256 logits
     * 0.3 against 1.2 us).
     */
    static final int VECTOR_ARGMAX_MIN = Integer.getInteger("paradec.logits.vectorArgmaxMin", 256);

    private LogitMath() {
    }

    /**
     * Statistics of the first {@code n} logits of {@code row}.
     *
     * @throws IllegalArgumentException  if {@code n < 1}
     * @throws IndexOutOfBoundsException if the segment holds fewer than {@code n} floats
     */
    public static RowStats stats(MemorySegment row, int n) {
        return stats(row, n, -1);
    }

    /**
     * Statistics with {@code excludedToken} kept out of top-1/top-2 but inside Z (see class doc).
     * {@code excludedToken = -1} excludes nothing.
     *
     * @throws IllegalArgumentException  if {@code n < 1}, if {@code excludedToken} is not in
     *                                   {@code [-1, n)}, or if it is the only token
     * @throws IndexOutOfBoundsException if the segment holds fewer than {@code n} floats
     */
    public static RowStats stats(MemorySegment row, int n, int excludedToken) {
        return stats(row, n, excludedToken, true);
    }

    /**
     * {@link #stats(MemorySegment, int, int)} with the entropy left out when {@code entropy} is false: the vector
     * kernels then skip one multiply-add per logit, and {@link RowStats#entropy()} is NaN. Everything else is the
     * same, to the bit.
     *
     * @throws IllegalArgumentException  as {@link #stats(MemorySegment, int, int)}
     * @throws IndexOutOfBoundsException as {@link #stats(MemorySegment, int, int)}
     */
    public static RowStats stats(MemorySegment row, int n, int excludedToken, boolean entropy) {
        if (exactSums) return plainStats(row, n, excludedToken, true, entropy);
        if (SCALAR || !VectorKernels.WIDE_ENOUGH || coldVectors(n)) return statsScalar(row, n, excludedToken, entropy);
        return statsVector(row, n, excludedToken, entropy);
    }

    /**
     * Ends the plain-loop start now: the vector kernels run from the next row on. For long-lived processes
     * (a benchmark's warm-up, a server) whose first rows should warm the kernels that will do the work.
     * Results do not change (see the class doc).
     */
    public static void useVectorsNow() {
        scalarBudget = 0;
        scalarArgmaxBudget = 0;
    }

    /**
     * Makes {@link #stats} use {@link #statsExact}'s double-precision sums (true) or the float ones (false) from
     * now on, in this JVM: the property {@code paradec.logits.exactSums} at run time, for tests that compare the
     * two and for diagnosing a decision that might sit within {@link #RELATIVE_ERROR_BOUND}.
     */
    public static void useExactSums(boolean exact) {
        exactSums = exact;
    }

    /** Sets how many logits the plain loops still take (tests: the same generation on either path). */
    static void plainLoopsFor(long logits) {
        scalarBudget = logits;
        scalarArgmaxBudget = logits;
    }

    private static boolean coldVectors(int n) {
        if (scalarBudget <= 0) return false;
        scalarBudget -= n;
        return true;
    }

    private static boolean coldArgmax(int n) {
        if (scalarArgmaxBudget <= 0) return false;
        scalarArgmaxBudget -= n;
        return true;
    }

    /** Plain-loop implementation of {@link #stats(MemorySegment, int, int)}. */
    public static RowStats statsScalar(MemorySegment row, int n, int excludedToken) {
        return plainStats(row, n, excludedToken, false, true);
    }

    /** Plain-loop implementation of {@link #stats(MemorySegment, int, int, boolean)}. */
    public static RowStats statsScalar(MemorySegment row, int n, int excludedToken, boolean entropy) {
        return plainStats(row, n, excludedToken, false, entropy);
    }

    /**
     * {@link #stats} with pass 2 in double precision throughout, {@code e^t} from {@link Math#exp}, added one by
     * one: the reference the float sums are held to. Plain loops only.
     */
    public static RowStats statsExact(MemorySegment row, int n, int excludedToken) {
        return plainStats(row, n, excludedToken, true, true);
    }

    private static RowStats plainStats(MemorySegment row, int n, int excludedToken, boolean exact, boolean entropy) {
        check(row, n, excludedToken);
        float[] x = copy(row, n);
        long top = topTwo(x, n, excludedToken);
        int i1 = (int) (top >> 32);
        int i2 = (int) top;
        float v1 = x[i1];
        float v2 = i2 < 0 ? Float.NEGATIVE_INFINITY : x[i2];
        float shift = shift(row, v1, excludedToken);
        // the plain loops sum W either way: a test per logit would cost C1's code (one-shot runs) more than the sum
        double[] zw = exact ? exactSums(x, n, shift) : sums(x, n, shift);
        return finish(i1, v1, i2, v2, shift, zw[0], entropy ? zw[1] : Double.NaN);
    }

    private static double[] exactSums(float[] x, int n, float shift) {
        double z = 0;
        double w = 0;
        for (int i = 0; i < n; i++) {
            double t = (double) x[i] - shift;
            double e = Math.exp(t);
            z += e;
            // -inf logits add nothing (and -inf * 0 would be NaN)
            if (e > 0) w += t * e;
        }
        return new double[] {z, w};
    }

    /**
     * Pass 1 in a plain loop: the best id in the high half, the second best (or -1) in the low half; ties to the
     * lowest id. Every id but the excluded one is a candidate, also at -inf or NaN, where the loop's order decides.
     */
    static long topTwo(float[] x, int n, int excludedToken) {
        int i1 = -1;
        int i2 = -1;
        float v1 = Float.NEGATIVE_INFINITY;
        float v2 = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (i == excludedToken) {
                continue;
            }
            float v = x[i];
            if (i1 < 0 || v > v1) {
                i2 = i1;
                v2 = v1;
                i1 = i;
                v1 = v;
            } else if (i2 < 0 || v > v2) {
                i2 = i;
                v2 = v;
            }
        }
        return ((long) i1 << 32) | (i2 & 0xFFFF_FFFFL);
    }

    /**
     * Pass 2 in plain loops: {@code {Z, W}}, the sums of {@code e^t} and {@code t e^t} over {@code t = x - shift}
     * (see the class doc for the lanes and chunks; {@code VectorKernels} adds in the same order).
     */
    static double[] sums(float[] x, int n, float shift) {
        int bound = n - n % SUM_LANES;
        double[] z = new double[SUM_LANES];
        double[] w = new double[SUM_LANES];
        float[] zc = new float[SUM_LANES];
        float[] wc = new float[SUM_LANES];
        for (int c = 0; c < bound; c += CHUNK) {
            int end = Math.min(c + CHUNK, bound);
            for (int i = c; i < end; i += SUM_LANES) {
                for (int l = 0; l < SUM_LANES; l++) {
                    // expf and the clamp written out: C1, which compiles one-shot runs, inlines neither a method
                    // of expf's size nor Math.max(float, float), and a call per logit cost 1.7x here (C2: 1.4x)
                    float t = x[i + l] - shift;
                    if (t < EXPF_FLOOR) t = EXPF_FLOOR;
                    float k = Math.fma(t, LOG2E_F, ROUND_F);
                    float n2 = k - ROUND_F;
                    float r = Math.fma(n2, NEG_LN2_F, t);
                    float p = Math.fma(C5, r, C4);
                    p = Math.fma(p, r, C3);
                    p = Math.fma(p, r, C2);
                    p = Math.fma(p, r, 1f);
                    p = Math.fma(p, r, 1f);
                    float e = p * Float.intBitsToFloat((Float.floatToRawIntBits(k) - EXPF_BITS_OFFSET) << 23);
                    zc[l] += e;
                    wc[l] = Math.fma(t, e, wc[l]);
                }
            }
            addChunk(z, zc);
            addChunk(w, wc);
        }
        double zSum = inLaneOrder(z);
        double wSum = inLaneOrder(w);
        for (int i = bound; i < n; i++) {
            float t = Math.max(x[i] - shift, EXPF_FLOOR);
            float e = expf(t);
            zSum += e;
            wSum += (double) t * e;
        }
        return new double[] {zSum, wSum};
    }

    /** Adds a chunk's float lane sums into the row's double ones and clears them for the next chunk. */
    static void addChunk(double[] sums, float[] chunk) {
        for (int l = 0; l < SUM_LANES; l++) {
            sums[l] += chunk[l];
            chunk[l] = 0f;
        }
    }

    static double inLaneOrder(double[] sums) {
        double s = 0;
        for (double v : sums) s += v;
        return s;
    }

    /**
     * Vector API implementation of {@link #stats(MemorySegment, int, int)}; the same bits as the scalar one.
     *
     * @throws UnsupportedOperationException when the JVM runs without {@code jdk.incubator.vector}
     */
    public static RowStats statsVector(MemorySegment row, int n, int excludedToken) {
        return statsVector(row, n, excludedToken, true);
    }

    /**
     * Vector API implementation of {@link #stats(MemorySegment, int, int, boolean)}; the same bits as the scalar one.
     *
     * @throws UnsupportedOperationException when the JVM runs without {@code jdk.incubator.vector}
     */
    public static RowStats statsVector(MemorySegment row, int n, int excludedToken, boolean entropy) {
        if (!VECTOR_API) throw new UnsupportedOperationException("the Vector API (jdk.incubator.vector) is not in this JVM");
        check(row, n, excludedToken);
        return VectorKernels.stats(row, n, excludedToken, entropy);
    }

    /** Whether the vectorised kernels run: the Vector API module is present and not switched off. */
    public static boolean vectorised() {
        return !SCALAR;
    }

    /** Per-thread copy of the row being read: the plain loops read an array (see {@link #copy}). */
    private static final ThreadLocal<float[]> ROW_COPY = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * The row's first {@code n} logits in a per-thread array (valid until this thread's next call). The plain
     * loops run mostly in cold JVMs, where one bulk copy and array reads cost a fraction of reading the
     * segment element by element through its var handle (interpreted, each read runs the access checks).
     */
    static float[] copy(MemorySegment row, int n) {
        float[] buf = ROW_COPY.get();
        if (buf.length < n) {
            buf = new float[n];
            ROW_COPY.set(buf);
        }
        MemorySegment.copy(row, ValueLayout.JAVA_FLOAT, 0, buf, 0, n);
        return buf;
    }

    // e^t = 2^k e^r with k = round(t / ln 2), in float: |r| <= ln(2) / 2, e^r by a degree-5 polynomial
    // 1 + r + C2 r^2 + ... + C5 r^5 whose C2..C5 minimise the largest relative error over that range (a weighted
    // least-squares fit iterated to the minimax, then rounded to float: ~1.1e-7, ~1.6e-7 with float rounding,
    // where Taylor's degree 5 leaves 3.2e-6 and degree 7 costs two more multiply-adds a vector), every step a
    // fused multiply-add, so VectorKernels gets the same bits. r = t - k ln 2 is one fused multiply-add with ln 2
    // rounded to float (off by 1.9e-9): r is then off by |k| 1.9e-9, under 6e-8 where t >= -20 (|k| <= 29), the
    // terms that make up Z, and under 2.3e-7 at the floor, where a term weighs e^-80 of the maximum's. The usual
    // two-constant split would be exact there and costs one more multiply-add a vector.
    static final float LOG2E_F = 1.44269504f;
    // negated once here, so that r = t - k ln 2 needs no negation
    static final float NEG_LN2_F = -0.6931472f;
    /** 1.5 * 2^23: adding it rounds to an integer, which then sits in the low bits of the float. */
    static final float ROUND_F = 0x1.8p23f;
    static final int EXPF_BITS_OFFSET = Float.floatToRawIntBits(ROUND_F) - 127;
    static final float C2 = 0x1.fffdfcp-2f, C3 = 0x1.5557aep-3f, C4 = 0x1.5729f8p-5f, C5 = 0x1.106296p-7f;

    /**
     * {@code e^t} for {@code t} in [{@value #EXPF_FLOOR}, 0], within 2.2e-7 of {@link Math#exp} (relative) where {@code t >= -20}, 4e-7 below: pass 2's
     * exp, the same bits in the scalar and the vector code. Outside that range the result is unspecified.
     */
    static float expf(float t) {
        float k = Math.fma(t, LOG2E_F, ROUND_F);
        float n = k - ROUND_F;
        float r = Math.fma(n, NEG_LN2_F, t);
        float p = Math.fma(C5, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(k) - EXPF_BITS_OFFSET) << 23);
    }

    static void check(MemorySegment row, int n, int excludedToken) {
        Objects.requireNonNull(row, "row");
        if (n < 1) {
            throw new IllegalArgumentException("row length must be >= 1, got " + n);
        }
        if (excludedToken < -1 || excludedToken >= n) {
            throw new IllegalArgumentException("excluded token " + excludedToken + " not in [-1, " + n + ")");
        }
        if (n == 1 && excludedToken == 0) {
            throw new IllegalArgumentException("the excluded token is the only token of the row");
        }
        if (row.byteSize() < (long) n * Float.BYTES) {
            throw new IndexOutOfBoundsException("row segment holds " + row.byteSize() / Float.BYTES
                    + " floats, need " + n);
        }
    }

    /** Softmax shift: the overall maximum, which may be the excluded token's logit. */
    static float shift(MemorySegment row, float best, int excludedToken) {
        float s = best;
        if (excludedToken >= 0) {
            s = Math.max(s, row.getAtIndex(ValueLayout.JAVA_FLOAT, excludedToken));
        }
        return s;
    }

    static RowStats finish(int i1, float v1, int i2, float v2, double shift, double z, double w) {
        double c = Math.exp(v1 - shift) / z;
        double p2 = i2 < 0 ? 0.0 : Math.exp(v2 - shift) / z;
        float margin = i2 < 0 ? Float.POSITIVE_INFINITY : v1 - v2;
        // H = log Z - E[x - shift]; rounding can make a one-hot row slightly negative (w NaN: no entropy asked, H NaN)
        double h = Math.max(0.0, Math.log(z) - w / z);
        return new RowStats(i1, c, i2, p2, margin, h);
    }

    /**
     * Argmax of the first {@code n} logits, lowest id on ties.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static int argmax(MemorySegment row, int n) {
        check(row, n, -1);
        // the Vector API runs boxed until C2 compiles it: a young JVM takes the plain loop (coldArgmax), tiny rows too
        if (SCALAR || n < VECTOR_ARGMAX_MIN || coldArgmax(n)) return argmaxExcluding(row, n, -1);
        int id = VectorKernels.argmax(row, n);
        // NaN rows compare unequal everywhere: fall back to the scalar rule
        return id >= 0 ? id : argmaxExcluding(row, n, -1);
    }

    public static int argmaxExcluding(MemorySegment row, int n, int excludedToken) {
        check(row, n, excludedToken);
        // a young JVM reads a bulk copy (see copy); compiled, the segment loop below is as fast without the copy
        if (READ_COPIES || copyBudget > 0) return argmaxOfCopy(row, n, excludedToken);
        int best = -1;
        float v = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (i == excludedToken) continue;
            float x = row.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (best < 0 || x > v) {
                best = i;
                v = x;
            }
        }
        return best;
    }

    /** {@link #argmaxExcluding}'s loop on a copy of the row: the same comparisons, the same result. */
    private static int argmaxOfCopy(MemorySegment row, int n, int excludedToken) {
        copyBudget -= n;
        float[] x = copy(row, n);
        int best = -1;
        float v = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (i == excludedToken) continue;
            if (best < 0 || x[i] > v) {
                best = i;
                v = x[i];
            }
        }
        return best;
    }

    /**
     * {@code log(sum_i exp(x_i))} over the first {@code n} logits, in double precision.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static double logSumExp(MemorySegment row, int n) {
        check(row, n, -1);
        float[] x = copy(row, n);
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[i]);
        }
        if (Double.isInfinite(max)) {
            return max;
        }
        double z = 0;
        for (int i = 0; i < n; i++) {
            z += Math.exp(x[i] - max);
        }
        return max + Math.log(z);
    }

    /**
     * Softmax of {@code x / temperature} over the first {@code n} logits into {@code out[0..n)}.
     *
     * @throws IllegalArgumentException if {@code n < 1}, {@code out} is shorter than {@code n},
     *                                  or {@code temperature} is not a positive finite number
     */
    public static void softmax(MemorySegment row, int n, double temperature, double[] out) {
        check(row, n, -1);
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive and finite, got " + temperature);
        }
        if (out.length < n) {
            throw new IllegalArgumentException("output holds " + out.length + " entries, need " + n);
        }
        float[] x = copy(row, n);
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[i]);
        }
        double z = 0;
        for (int i = 0; i < n; i++) {
            double e = Math.exp((x[i] - max) / temperature);
            out[i] = e;
            z += e;
        }
        for (int i = 0; i < n; i++) {
            out[i] /= z;
        }
    }
}
