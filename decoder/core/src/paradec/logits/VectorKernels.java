package paradec.logits;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels of {@link LogitMath}. Loaded only when the JVM has {@code jdk.incubator.vector}
 * ({@link LogitMath#VECTOR_API}), so paradec also runs without {@code --add-modules}, on scalar code.
 */
final class VectorKernels {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D8 = DoubleVector.SPECIES_512;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Double> D4 = DoubleVector.SPECIES_256;
    private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;
    /**
     * Pass 2 keeps the {@link LogitMath#SUM_LANES} (8) sums in one 512-bit vector, or in two of 256 bits on
     * hardware without 512-bit vectors: the same bits either way.
     */
    static final boolean EIGHT_LANES = DoubleVector.SPECIES_PREFERRED.length() >= 8;
    /**
     * Whether pass 2 runs on vectors: only where at least four doubles fit the hardware's vectors; narrower
     * hardware would run the 256-bit species in Java fallback code, slower than the plain loops that give the same bits.
     */
    static final boolean PASS_TWO = DoubleVector.SPECIES_PREFERRED.length() >= 4;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private VectorKernels() {}

    /** {@link LogitMath#stats(MemorySegment, int, int)} on vectors; arguments already checked. */
    static RowStats stats(MemorySegment row, int n, int excludedToken) {
        // pass 1: lane-wise best and second best values (duplicates kept, so ties survive)
        FloatVector m1 = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        FloatVector m2 = m1;
        int lanes = FS.length();
        int bound = FS.loopBound(n);
        int i = 0;
        for (; i < bound; i += lanes) {
            FloatVector v = FloatVector.fromMemorySegment(FS, row, (long) i * Float.BYTES, ORDER);
            if (excludedToken >= i && excludedToken < i + lanes) {
                v = v.blend(Float.NEGATIVE_INFINITY, VectorMask.fromLong(FS, 1L << (excludedToken - i)));
            }
            m2 = m2.max(m1.min(v));
            m1 = m1.max(v);
        }
        float a = Float.NEGATIVE_INFINITY;
        float b = Float.NEGATIVE_INFINITY;
        for (int k = 0; k < lanes; k++) {
            float x = m1.lane(k);
            if (x > a) {
                b = a;
                a = x;
            } else if (x > b) {
                b = x;
            }
            b = Math.max(b, m2.lane(k));
        }
        for (; i < n; i++) {
            if (i == excludedToken) {
                continue;
            }
            float x = row.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (x > a) {
                b = a;
                a = x;
            } else if (x > b) {
                b = x;
            }
        }
        int i1 = firstIndexOf(row, n, a, excludedToken, -1);
        int i2 = firstIndexOf(row, n, b, excludedToken, i1);

        // pass 2: double-precision sums of exp(x - shift) and (x - shift) exp(x - shift), in the same eight
        // lanes and the same order as LogitMath.statsScalar, with the same exp: the same bits
        double shift = LogitMath.shift(row, a, excludedToken);
        int sumBound = n - n % LogitMath.SUM_LANES;
        double[] sums = sums(row, sumBound, shift, EIGHT_LANES);
        double z = sums[0];
        double w = sums[1];
        for (int j = sumBound; j < n; j++) {
            double t = Math.max(row.getAtIndex(ValueLayout.JAVA_FLOAT, j) - shift, LogitMath.EXP_FLOOR);
            double e = LogitMath.exp(t);
            z += e;
            w += t * e;
        }
        return LogitMath.finish(i1, a, i2, b, shift, z, w);
    }

    /**
     * Pass 2's sums {z, w} over the first {@code bound} logits ({@code bound} a multiple of 8), each of eight
     * lanes added up in lane order, on one vector of eight doubles or two of four.
     */
    static double[] sums(MemorySegment row, int bound, double shift, boolean eightLanes) {
        return eightLanes ? sums8(row, bound, shift) : sums4(row, bound, shift);
    }

    private static double[] sums8(MemorySegment row, int bound, double shift) {
        DoubleVector zAcc = DoubleVector.zero(D8);
        DoubleVector wAcc = DoubleVector.zero(D8);
        for (int j = 0; j < bound; j += 8) {
            DoubleVector t = shifted8(row, j, shift);
            DoubleVector e = exp(t);
            zAcc = zAcc.add(e);
            wAcc = wAcc.add(t.mul(e));
        }
        return new double[] {inOrder(zAcc, 0), inOrder(wAcc, 0)};
    }

    /** The eight sums in two vectors of four doubles (lanes 0-3 and 4-7). */
    private static double[] sums4(MemorySegment row, int bound, double shift) {
        DoubleVector zLo = DoubleVector.zero(D4);
        DoubleVector zHi = zLo;
        DoubleVector wLo = zLo;
        DoubleVector wHi = zLo;
        for (int j = 0; j < bound; j += 8) {
            DoubleVector t = shifted4(row, j, shift);
            DoubleVector e = exp(t);
            zLo = zLo.add(e);
            wLo = wLo.add(t.mul(e));
            t = shifted4(row, j + 4, shift);
            e = exp(t);
            zHi = zHi.add(e);
            wHi = wHi.add(t.mul(e));
        }
        return new double[] {inOrder(zHi, inOrder(zLo, 0)), inOrder(wHi, inOrder(wLo, 0))};
    }

    /** {@code start} plus the vector's lanes, added one by one in lane order (as the scalar code adds its sums). */
    private static double inOrder(DoubleVector v, double start) {
        double[] lanes = v.toDoubleArray();
        double s = start;
        for (double x : lanes) s += x;
        return s;
    }

    // one method per shape: the Vector API compiles to vector instructions only where the species is a constant
    private static DoubleVector shifted8(MemorySegment row, int j, double shift) {
        FloatVector f = FloatVector.fromMemorySegment(F8, row, (long) j * Float.BYTES, ORDER);
        return ((DoubleVector) f.convertShape(VectorOperators.F2D, D8, 0)).sub(shift).max(LogitMath.EXP_FLOOR);
    }

    private static DoubleVector shifted4(MemorySegment row, int j, double shift) {
        FloatVector f = FloatVector.fromMemorySegment(F4, row, (long) j * Float.BYTES, ORDER);
        return ((DoubleVector) f.convertShape(VectorOperators.F2D, D4, 0)).sub(shift).max(LogitMath.EXP_FLOOR);
    }

    /** {@link LogitMath#exp} lane by lane: the same operations in the same order. */
    private static DoubleVector exp(DoubleVector t) {
        DoubleVector k = t.mul(LogitMath.LOG2E).add(LogitMath.ROUND);
        DoubleVector n = k.sub(LogitMath.ROUND);
        DoubleVector r = t.sub(n.mul(LogitMath.LN2_HI)).sub(n.mul(LogitMath.LN2_LO));
        double[] c = LogitMath.TAYLOR;
        // unrolled by hand: a vector carried around a Java loop can end up boxed in every iteration
        DoubleVector p = r.mul(c[12]).add(c[11]);
        p = p.mul(r).add(c[10]);
        p = p.mul(r).add(c[9]);
        p = p.mul(r).add(c[8]);
        p = p.mul(r).add(c[7]);
        p = p.mul(r).add(c[6]);
        p = p.mul(r).add(c[5]);
        p = p.mul(r).add(c[4]);
        p = p.mul(r).add(c[3]);
        p = p.mul(r).add(c[2]);
        p = p.mul(r).add(c[1]);
        p = p.mul(r).add(c[0]);
        LongVector bits = (LongVector) k.reinterpretAsLongs();
        return p.mul(bits.sub(LogitMath.EXP_BITS_OFFSET).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles());
    }

    /** Lowest index holding {@code value}, skipping two ids; -1 if none. */
    private static int firstIndexOf(MemorySegment row, int n, float value, int skipA, int skipB) {
        int lanes = FS.length();
        int bound = FS.loopBound(n);
        int i = 0;
        for (; i < bound; i += lanes) {
            VectorMask<Float> eq = FloatVector.fromMemorySegment(FS, row, (long) i * Float.BYTES, ORDER)
                    .compare(VectorOperators.EQ, value);
            if (eq.anyTrue()) {
                for (int k = eq.firstTrue(); k < lanes; k++) {
                    int id = i + k;
                    if (eq.laneIsSet(k) && id != skipA && id != skipB) {
                        return id;
                    }
                }
            }
        }
        for (; i < n; i++) {
            if (i != skipA && i != skipB && row.getAtIndex(ValueLayout.JAVA_FLOAT, i) == value) {
                return i;
            }
        }
        return -1;
    }

    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());

    /**
     * Argmax in one pass, lowest id on ties; -1 (the caller's cue to take the plain loop) for a row holding NaN
     * or nothing above -inf. Each lane keeps its largest value and where it first saw it; then the lowest such
     * index among the lanes holding the row's maximum. Every AR-family step runs this on each verified row: at
     * 151,936 logits 23-25 us, against 61-90 us for a max pass followed by a search for the first lane holding it.
     */
    static int argmax(MemorySegment row, int n) {
        int lanes = FS.length();
        int bound = FS.loopBound(n);
        FloatVector m = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        IntVector at = IntVector.broadcast(IS, -1);
        IntVector index = IntVector.zero(IS).addIndex(1);
        VectorMask<Float> nan = FS.maskAll(false);
        int i = 0;
        for (; i < bound; i += lanes) {
            FloatVector v = FloatVector.fromMemorySegment(FS, row, (long) i * Float.BYTES, ORDER);
            VectorMask<Float> above = v.compare(VectorOperators.GT, m);
            m = m.blend(v, above);
            at = at.blend(index, above.cast(IS));
            nan = nan.or(v.test(VectorOperators.IS_NAN));
            index = index.add(lanes);
        }
        if (nan.anyTrue()) return -1;
        float best = m.reduceLanes(VectorOperators.MAX);
        int id = best == Float.NEGATIVE_INFINITY ? -1
                : at.reduceLanes(VectorOperators.MIN, m.compare(VectorOperators.EQ, best).cast(IS));
        for (; i < n; i++) {
            float x = row.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (x != x) return -1;
            if (x > best) {
                best = x;
                id = i;
            }
        }
        return best == Float.NEGATIVE_INFINITY ? -1 : id;
    }

}
