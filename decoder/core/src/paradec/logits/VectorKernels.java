package paradec.logits;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels of {@link LogitMath}. Loaded only when the JVM has {@code jdk.incubator.vector}
 * ({@link LogitMath#VECTOR_API}), so paradec also runs without {@code --add-modules}, on scalar code.
 */
final class VectorKernels {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    /** Float species with as many lanes as {@link #DS}, so a float load widens to one double vector. */
    private static final VectorSpecies<Float> FS_HALF = FloatVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(DoubleVector.SPECIES_PREFERRED.vectorBitSize() / 2));
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

        // pass 2: double-precision sums of exp(x - shift) and (x - shift) exp(x - shift)
        double shift = LogitMath.shift(row, a, excludedToken);
        int dl = DS.length();
        int dbound = FS_HALF.loopBound(n);
        DoubleVector zAcc = DoubleVector.zero(DS);
        DoubleVector wAcc = DoubleVector.zero(DS);
        int j = 0;
        for (; j < dbound; j += dl) {
            FloatVector f = FloatVector.fromMemorySegment(FS_HALF, row, (long) j * Float.BYTES, ORDER);
            DoubleVector t = ((DoubleVector) f.convertShape(VectorOperators.F2D, DS, 0)).sub(shift).max(LogitMath.EXP_FLOOR);
            DoubleVector e = t.lanewise(VectorOperators.EXP);
            zAcc = zAcc.add(e);
            wAcc = t.fma(e, wAcc);
        }
        double z = zAcc.reduceLanes(VectorOperators.ADD);
        double w = wAcc.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) {
            double t = Math.max(row.getAtIndex(ValueLayout.JAVA_FLOAT, j) - shift, LogitMath.EXP_FLOOR);
            double e = Math.exp(t);
            z += e;
            w += t * e;
        }
        return LogitMath.finish(i1, a, i2, b, shift, z, w);
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

    /** Argmax, lowest id on ties; -1 for a row with no number (NaN everywhere compares unequal). */
    static int argmax(MemorySegment row, int n) {
        // every AR-family step runs this on each verified row: a vector max, then the first lane holding it
        FloatVector m = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        int lanes = FS.length();
        int bound = FS.loopBound(n);
        int i = 0;
        for (; i < bound; i += lanes) m = m.max(FloatVector.fromMemorySegment(FS, row, (long) i * Float.BYTES, ORDER));
        float best = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) best = Math.max(best, row.getAtIndex(ValueLayout.JAVA_FLOAT, i));
        return firstIndexOf(row, n, best, -1, -1);
    }
}
