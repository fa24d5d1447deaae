package paradec.logits;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Row statistics over raw logits held in a {@link MemorySegment} ({@code JAVA_FLOAT}, native order).
 *
 * <p>All probabilities are softmax at temperature 1 over the full row, in double precision. Rules
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
 * passes: pass 1 finds the two best values (vectorised over floats), pass 2 sums
 * {@code exp(x - max)} and {@code (x - max) exp(x - max)} in doubles, giving
 * {@code H = log Z - E[x - max]}. There is a scalar and a Vector API implementation; the vector
 * one is the default when the JVM has {@code jdk.incubator.vector} (see {@code LogitMathBench});
 * without the module, or with {@code -Dparadec.logits.scalar=true}, the scalar one runs.
 */
public final class LogitMath {

    /** Below this shifted logit exp() is 0 in doubles; clamping avoids -inf * 0 = NaN. */
    static final double EXP_FLOOR = -1000.0;

    /**
     * Whether the incubating Vector API is in this JVM (it needs {@code --add-modules jdk.incubator.vector}).
     * Without it the scalar code runs, and {@link VectorKernels} is never loaded.
     */
    static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    private static final boolean SCALAR = Boolean.getBoolean("paradec.logits.scalar") || !VECTOR_API;
    /** Rows shorter than this take the scalar argmax (see {@link #argmax}); {@code -Dparadec.logits.vectorArgmaxMin=N}. */
    static final int VECTOR_ARGMAX_MIN = Integer.getInteger("paradec.logits.vectorArgmaxMin", 16_384);

    static {
        if (!VECTOR_API) {
            System.getLogger("paradec.logits").log(System.Logger.Level.DEBUG,
                    "jdk.incubator.vector is not in this JVM: logits statistics run in scalar code (add --add-modules jdk.incubator.vector)");
        }
    }

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
        return SCALAR ? statsScalar(row, n, excludedToken) : statsVector(row, n, excludedToken);
    }

    /** Plain-loop implementation of {@link #stats(MemorySegment, int, int)}. */
    public static RowStats statsScalar(MemorySegment row, int n, int excludedToken) {
        check(row, n, excludedToken);
        int i1 = -1;
        int i2 = -1;
        float v1 = Float.NEGATIVE_INFINITY;
        float v2 = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (i == excludedToken) {
                continue;
            }
            float x = row.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (i1 < 0 || x > v1) {
                i2 = i1;
                v2 = v1;
                i1 = i;
                v1 = x;
            } else if (i2 < 0 || x > v2) {
                i2 = i;
                v2 = x;
            }
        }
        double shift = shift(row, v1, excludedToken);
        double z = 0;
        double w = 0;
        for (int i = 0; i < n; i++) {
            double t = Math.max(row.getAtIndex(ValueLayout.JAVA_FLOAT, i) - shift, EXP_FLOOR);
            double e = Math.exp(t);
            z += e;
            w += t * e;
        }
        return finish(i1, v1, i2, v2, shift, z, w);
    }

    /**
     * Vector API implementation of {@link #stats(MemorySegment, int, int)}; same results as the scalar one.
     *
     * @throws UnsupportedOperationException when the JVM runs without {@code jdk.incubator.vector}
     */
    public static RowStats statsVector(MemorySegment row, int n, int excludedToken) {
        if (!VECTOR_API) throw new UnsupportedOperationException("the Vector API (jdk.incubator.vector) is not in this JVM");
        check(row, n, excludedToken);
        return VectorKernels.stats(row, n, excludedToken);
    }

    /** Whether the vectorised kernels run: the Vector API module is present and not switched off. */
    public static boolean vectorised() {
        return !SCALAR;
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
    static double shift(MemorySegment row, float best, int excludedToken) {
        double s = best;
        if (excludedToken >= 0) {
            s = Math.max(s, row.getAtIndex(ValueLayout.JAVA_FLOAT, excludedToken));
        }
        return s;
    }

    static RowStats finish(int i1, float v1, int i2, float v2, double shift, double z, double w) {
        double c = Math.exp(v1 - shift) / z;
        double p2 = i2 < 0 ? 0.0 : Math.exp(v2 - shift) / z;
        float margin = i2 < 0 ? Float.POSITIVE_INFINITY : v1 - v2;
        // H = log Z - E[x - shift]; rounding can make a one-hot row slightly negative
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
        // below a few thousand entries the scalar loop costs microseconds once compiled, while the Vector API
        // runs boxed until C2 compiles it: in a one-shot run the vector path made the first 128 tokens ~0.3 s slower
        if (SCALAR || n < VECTOR_ARGMAX_MIN) return argmaxExcluding(row, n, -1);
        int id = VectorKernels.argmax(row, n);
        // NaN rows compare unequal everywhere: fall back to the scalar rule
        return id >= 0 ? id : argmaxExcluding(row, n, -1);
    }

    public static int argmaxExcluding(MemorySegment row, int n, int excludedToken) {
        check(row, n, excludedToken);
        int best = -1;
        float v = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (i == excludedToken) {
                continue;
            }
            float x = row.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (best < 0 || x > v) {
                best = i;
                v = x;
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
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, row.getAtIndex(ValueLayout.JAVA_FLOAT, i));
        }
        if (Double.isInfinite(max)) {
            return max;
        }
        double z = 0;
        for (int i = 0; i < n; i++) {
            z += Math.exp(row.getAtIndex(ValueLayout.JAVA_FLOAT, i) - max);
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
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, row.getAtIndex(ValueLayout.JAVA_FLOAT, i));
        }
        double z = 0;
        for (int i = 0; i < n; i++) {
            double e = Math.exp((row.getAtIndex(ValueLayout.JAVA_FLOAT, i) - max) / temperature);
            out[i] = e;
            z += e;
        }
        for (int i = 0; i < n; i++) {
            out[i] /= z;
        }
    }
}
