package paradec.logits;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels of {@link LogitMath}. Loaded only when the JVM has {@code jdk.incubator.vector}
 * ({@link LogitMath#VECTOR_API}), so paradec also runs without {@code --add-modules}, on scalar code.
 */
final class VectorKernels {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F16 = FloatVector.SPECIES_512;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Double> D8 = DoubleVector.SPECIES_512;
    /**
     * Pass 2 keeps the {@link LogitMath#SUM_LANES} (16) sums in one 512-bit vector, or in two of 256 bits on
     * hardware without 512-bit vectors: the same bits either way.
     */
    static final boolean SIXTEEN_LANES = FS.length() >= 16;
    /**
     * Whether the vector kernels run at all: only where at least eight floats fit the hardware's vectors; narrower
     * hardware would run the 256-bit species in Java fallback code, slower than the plain loops that give the same bits.
     */
    static final boolean WIDE_ENOUGH = FS.length() >= 8;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private VectorKernels() {}

    /** {@link LogitMath#stats(MemorySegment, int, int, boolean)} on vectors; arguments already checked. */
    static RowStats stats(MemorySegment row, int n, int excludedToken, boolean entropy) {
        // pass 1: in each lane the best and second best value and where the lane first saw them (ids rise along a
        // lane, so a strict comparison keeps the lowest id of equal values). Past a row's first vectors few
        // values beat a lane's second best (about 2 ln(n / 16) a lane), so most vectors cost a load, a compare
        // and a branch, and only those that beat one pay for the blends
        int lanes = FS.length();
        int bound = FS.loopBound(n);
        FloatVector m1 = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        FloatVector m2 = m1;
        // each lane's smallest value, the excluded token's included (it is in Z): pass 2 clamps only rows that
        // reach below the clamp, a compare and a blend a vector fewer for the others (NaN never compares less: such
        // rows end in a NaN sum and go the plain loop's way either way)
        FloatVector low = FloatVector.broadcast(FS, Float.POSITIVE_INFINITY);
        FloatVector other = low;
        IntVector at1 = IntVector.broadcast(IS, -1);
        IntVector at2 = at1;
        IntVector lane = IntVector.zero(IS).addIndex(1);
        for (int i = 0; i < bound; i += lanes) {
            FloatVector v = FloatVector.fromMemorySegment(FS, row, (long) i * Float.BYTES, ORDER);
            // two minima taken in turn: with one, a blend's latency a vector made pass 1 twice as long
            FloatVector lower = other.blend(v, v.compare(VectorOperators.LT, other));
            other = low;
            low = lower;
            if (excludedToken >= i && excludedToken < i + lanes) {
                v = v.blend(Float.NEGATIVE_INFINITY, VectorMask.fromLong(FS, 1L << (excludedToken - i)));
            }
            VectorMask<Float> aboveSecond = v.compare(VectorOperators.GT, m2);
            if (aboveSecond.anyTrue()) {
                IntVector index = lane.add(i);
                VectorMask<Float> first = v.compare(VectorOperators.GT, m1);
                VectorMask<Float> second = aboveSecond.andNot(first);
                VectorMask<Integer> firstAt = first.cast(IS);
                m2 = m2.blend(m1, first).blend(v, second);
                at2 = at2.blend(at1, firstAt).blend(index, second.cast(IS));
                m1 = m1.blend(v, first);
                at1 = at1.blend(index, firstAt);
            }
        }
        // the row's best is the best of the lanes' bests; its second the best of every other lane candidate
        float[] v1s = m1.toArray();
        float[] v2s = m2.toArray();
        int[] id1s = at1.toArray();
        int[] id2s = at2.toArray();
        float a = Float.NEGATIVE_INFINITY;
        int i1 = -1;
        for (int k = 0; k < lanes; k++) {
            if (id1s[k] >= 0 && (i1 < 0 || v1s[k] > a || v1s[k] == a && id1s[k] < i1)) {
                a = v1s[k];
                i1 = id1s[k];
            }
        }
        float b = Float.NEGATIVE_INFINITY;
        int i2 = -1;
        for (int k = 0; k < 2 * lanes; k++) {
            int id = k < lanes ? id1s[k] : id2s[k - lanes];
            float x = k < lanes ? v1s[k] : v2s[k - lanes];
            if (id >= 0 && id != i1 && (i2 < 0 || x > b || x == b && id < i2)) {
                b = x;
                i2 = id;
            }
        }
        for (int i = bound; i < n; i++) {
            if (i == excludedToken) continue;
            float x = row.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (x != x) return LogitMath.statsScalar(row, n, excludedToken, entropy);
            if (x > a) {
                b = a;
                i2 = i1;
                a = x;
                i1 = i;
            } else if (x > b) {
                b = x;
                i2 = i;
            }
        }
        // lanes never take -inf: a row with fewer than two values above it goes the plain loop's way
        if (i1 < 0 || i2 < 0) return LogitMath.statsScalar(row, n, excludedToken, entropy);

        float shift = LogitMath.shift(row, a, excludedToken);
        int sumBound = n - n % LogitMath.SUM_LANES;
        float lowest = Math.min(low.reduceLanes(VectorOperators.MIN), other.reduceLanes(VectorOperators.MIN));
        for (int i = bound; i < sumBound; i++) lowest = Math.min(lowest, row.getAtIndex(ValueLayout.JAVA_FLOAT, i));
        // subtraction rounds monotonically: no t = x - shift of the row is below the clamp when the smallest's is not
        boolean clamp = !(lowest - shift >= LogitMath.EXPF_FLOOR);
        double[] z = new double[LogitMath.SUM_LANES];
        double[] w = new double[LogitMath.SUM_LANES];
        sums(row, sumBound, shift, SIXTEEN_LANES, entropy, clamp, z, w);
        double zSum = LogitMath.inLaneOrder(z);
        double wSum = LogitMath.inLaneOrder(w);
        for (int j = sumBound; j < n; j++) {
            float t = Math.max(row.getAtIndex(ValueLayout.JAVA_FLOAT, j) - shift, LogitMath.EXPF_FLOOR);
            float e = LogitMath.expf(t);
            zSum += e;
            if (entropy) wSum += (double) t * e;
        }
        // a NaN anywhere in the row (pass 1 never picks one: comparisons with NaN are false) or an infinite maximum
        // ends in a NaN sum: such rows go the plain loop's way, as the whole row would
        if (zSum != zSum) return LogitMath.statsScalar(row, n, excludedToken, entropy);
        return LogitMath.finish(i1, a, i2, b, shift, zSum, entropy ? wSum : Double.NaN);
    }

    /**
     * Pass 2's lane sums of {@code e^t} and {@code t e^t} over the first {@code bound} logits ({@code bound} a
     * multiple of 16) into {@code z} and {@code w} ({@code w} untouched without {@code entropy}), chunk by chunk
     * as {@link LogitMath#sums} adds them, on one vector of sixteen floats or two of eight. Without {@code clamp}
     * the caller vouches that no {@code t} is below {@link LogitMath#EXPF_FLOOR}, where the clamp changes nothing.
     */
    static void sums(MemorySegment row, int bound, float shift, boolean sixteenLanes, boolean entropy, boolean clamp,
                     double[] z, double[] w) {
        if (sixteenLanes) {
            sixteenLaneSums(row, bound, shift, entropy, clamp, z, w);
            return;
        }
        float[] chunk = new float[LogitMath.SUM_LANES];
        for (int c = 0; c < bound; c += LogitMath.CHUNK) {
            int end = Math.min(c + LogitMath.CHUNK, bound);
            FloatVector zLo = FloatVector.zero(F8);
            FloatVector zHi = zLo;
            FloatVector wLo = zLo;
            FloatVector wHi = zLo;
            for (int j = c; j < end; j += 16) {
                FloatVector t = shifted(F8, row, j, shift, clamp);
                FloatVector e = expf(t);
                zLo = zLo.add(e);
                if (entropy) wLo = t.fma(e, wLo);
                t = shifted(F8, row, j + 8, shift, clamp);
                e = expf(t);
                zHi = zHi.add(e);
                if (entropy) wHi = t.fma(e, wHi);
            }
            zLo.intoArray(chunk, 0);
            zHi.intoArray(chunk, 8);
            LogitMath.addChunk(z, chunk);
            wLo.intoArray(chunk, 0);
            wHi.intoArray(chunk, 8);
            LogitMath.addChunk(w, chunk);
        }
    }

    /**
     * {@link #sums} on one vector of sixteen floats, the row's double sums kept in two vectors of eight doubles:
     * lane by lane the same additions as {@link LogitMath#addChunk}'s, without a store and sixteen scalar adds a
     * chunk. With the clamp left out where it is a no-op, a row's statistics at 126,464 logits take 17.7-18.0
     * instead of 19.4-21.6 us (best of 300 rows, three interleaved pairs, this project's 2-core AMD EPYC).
     */
    private static void sixteenLaneSums(MemorySegment row, int bound, float shift, boolean entropy, boolean clamp,
                                        double[] z, double[] w) {
        DoubleVector zLo = DoubleVector.fromArray(D8, z, 0);
        DoubleVector zHi = DoubleVector.fromArray(D8, z, 8);
        DoubleVector wLo = DoubleVector.fromArray(D8, w, 0);
        DoubleVector wHi = DoubleVector.fromArray(D8, w, 8);
        for (int c = 0; c < bound; c += LogitMath.CHUNK) {
            int end = Math.min(c + LogitMath.CHUNK, bound);
            FloatVector zc = FloatVector.zero(F16);
            FloatVector wc = zc;
            for (int j = c; j < end; j += 16) {
                FloatVector t = shifted(F16, row, j, shift, clamp);
                FloatVector e = expf(t);
                zc = zc.add(e);
                // loop-invariant: C2 compiles a loop for each value
                if (entropy) wc = t.fma(e, wc);
            }
            zLo = zLo.add(zc.convertShape(VectorOperators.F2D, D8, 0));
            zHi = zHi.add(zc.convertShape(VectorOperators.F2D, D8, 1));
            if (entropy) {
                wLo = wLo.add(wc.convertShape(VectorOperators.F2D, D8, 0));
                wHi = wHi.add(wc.convertShape(VectorOperators.F2D, D8, 1));
            }
        }
        zLo.intoArray(z, 0);
        zHi.intoArray(z, 8);
        wLo.intoArray(w, 0);
        wHi.intoArray(w, 8);
    }

    /** The logits less the shift, clamped as the plain loop clamps them (a compare and a blend: Java's max, which
     * must order NaN and -0.0, costs several instructions a vector). */
    private static FloatVector shifted(VectorSpecies<Float> species, MemorySegment row, int j, float shift, boolean clamp) {
        FloatVector t = FloatVector.fromMemorySegment(species, row, (long) j * Float.BYTES, ORDER).sub(shift);
        if (!clamp) return t;
        return t.blend(LogitMath.EXPF_FLOOR, t.compare(VectorOperators.LT, LogitMath.EXPF_FLOOR));
    }

    /** {@link LogitMath#expf} lane by lane: the same fused multiply-adds in the same order. */
    private static FloatVector expf(FloatVector t) {
        FloatVector k = t.fma(LogitMath.LOG2E_F, LogitMath.ROUND_F);
        FloatVector n = k.sub(LogitMath.ROUND_F);
        FloatVector r = n.fma(t.broadcast(LogitMath.NEG_LN2_F), t);
        FloatVector p = r.fma(LogitMath.C5, LogitMath.C4);
        p = p.fma(r, t.broadcast(LogitMath.C3));
        p = p.fma(r, t.broadcast(LogitMath.C2));
        FloatVector one = t.broadcast(1f);
        p = p.fma(r, one);
        p = p.fma(r, one);
        IntVector bits = (IntVector) k.reinterpretAsInts();
        return p.mul(bits.sub(LogitMath.EXPF_BITS_OFFSET).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
    }

    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());

    /**
     * Argmax in one pass, lowest id on ties; -1 (the caller's cue to take the plain loop) for a row holding NaN
     * or nothing above -inf. Each lane keeps its largest value and where it first saw it; then the lowest such
     * index among the lanes holding the row's maximum. Every AR-family step runs this on each verified row: at
     * 151,936 logits 23-25 us, against 61-90 us for a max pass followed by a search for the first lane holding it.
     */
    static int argmax(MemorySegment row, int n) {
        // NaN never compares greater, so the lanes skip it as the plain loop does, except as the row's first value,
        // which the plain loop keeps: that row goes its way
        float first = row.getAtIndex(ValueLayout.JAVA_FLOAT, 0);
        if (first != first) return -1;
        int lanes = FS.length();
        int pairs = n - n % (2 * lanes);
        FloatVector m = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        IntVector at = IntVector.broadcast(IS, -1);
        IntVector lane = IntVector.zero(IS).addIndex(1);
        int i = 0;
        // two vectors a step against the same maximum, one branch for both: a lane's maximum moves about
        // ln(n / 16) times, so most steps are two loads, two compares and a branch (2-3x the one-vector loop at
        // 151,936 logits, measured on AVX-512)
        for (; i < pairs; i += 2 * lanes) {
            long at0 = (long) i * Float.BYTES;
            FloatVector v0 = FloatVector.fromMemorySegment(FS, row, at0, ORDER);
            FloatVector v1 = FloatVector.fromMemorySegment(FS, row, at0 + (long) lanes * Float.BYTES, ORDER);
            VectorMask<Float> above0 = v0.compare(VectorOperators.GT, m);
            VectorMask<Float> above1 = v1.compare(VectorOperators.GT, m);
            if (above0.or(above1).anyTrue()) {
                m = m.blend(v0, above0);
                at = at.blend(lane.add(i), above0.cast(IS));
                above1 = v1.compare(VectorOperators.GT, m);
                m = m.blend(v1, above1);
                at = at.blend(lane.add(i + lanes), above1.cast(IS));
            }
        }
        float best = m.reduceLanes(VectorOperators.MAX);
        int id = best == Float.NEGATIVE_INFINITY ? -1
                : at.reduceLanes(VectorOperators.MIN, m.compare(VectorOperators.EQ, best).cast(IS));
        for (; i < n; i++) {
            float x = row.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (x > best) {
                best = x;
                id = i;
            }
        }
        return best == Float.NEGATIVE_INFINITY ? -1 : id;
    }

}
