package paradec.logits;

import java.lang.foreign.MemorySegment;

/**
 * Indices of the {@code k} largest values of a row, best first.
 *
 * <p>Order: larger value first; equal values go to the lower index first. One pass over the row
 * keeps a bounded min-heap of the best {@code k} seen so far (the root is the worst of them), then a
 * heapsort puts them in order: O(n log k) time, no boxing. NaN values give an unspecified order.
 *
 * <p>The {@code select} methods write into caller-owned arrays, so a caller that keeps its scratch
 * arrays allocates nothing per row; {@link #of} allocates its result.
 */
public final class TopK {

    private TopK() {
    }

    /**
     * Selects the {@code min(k, n)} largest of the first {@code n} floats of {@code row}.
     *
     * @param idx  receives the indices, best first (length >= min(k, n))
     * @param vals receives their values in the same order (length >= min(k, n))
     * @return the number selected, {@code min(k, n)}
     * @throws IllegalArgumentException if {@code k < 0} or {@code n < 0}
     */
    public static int select(MemorySegment row, int n, int k, int[] idx, float[] vals) {
        if (count(n, k, idx.length, vals.length) == 0) {
            return 0;
        }
        // one bulk copy, then the array loop: a segment's element reads compile to slow code under C1 alone
        return select(LogitMath.copy(row, n), n, k, idx, vals);
    }

    /** As {@link #select(MemorySegment, int, int, int[], float[])} over {@code x[0..n)}. */
    public static int select(float[] x, int n, int k, int[] idx, float[] vals) {
        int m = count(n, k, idx.length, vals.length);
        if (m == 0) {
            return 0;
        }
        int size = 0;
        for (int t = 0; t < n; t++) {
            float v = x[t];
            if (size < m) {
                idx[size] = t;
                vals[size] = v;
                upF(idx, vals, size++);
            } else if (v > vals[0]) {
                idx[0] = t;
                vals[0] = v;
                downF(idx, vals, 0, m);
            }
        }
        sortF(idx, vals, m);
        return m;
    }

    /** As {@link #select(MemorySegment, int, int, int[], float[])} over {@code x[0..n)}, in doubles. */
    public static int select(double[] x, int n, int k, int[] idx, double[] vals) {
        int m = count(n, k, idx.length, vals.length);
        if (m == 0) {
            return 0;
        }
        int size = 0;
        for (int t = 0; t < n; t++) {
            double v = x[t];
            if (size < m) {
                idx[size] = t;
                vals[size] = v;
                upD(idx, vals, size++);
            } else if (v > vals[0]) {
                idx[0] = t;
                vals[0] = v;
                downD(idx, vals, 0, m);
            }
        }
        sortD(idx, vals, m);
        return m;
    }

    /** Indices of the {@code min(k, x.length)} largest of {@code x}, best first. */
    public static int[] of(float[] x, int k) {
        int m = Math.min(nonNegative(k), x.length);
        int[] idx = new int[m];
        select(x, x.length, m, idx, new float[m]);
        return idx;
    }

    /** Indices of the {@code min(k, x.length)} largest of {@code x}, best first. */
    public static int[] of(double[] x, int k) {
        int m = Math.min(nonNegative(k), x.length);
        int[] idx = new int[m];
        select(x, x.length, m, idx, new double[m]);
        return idx;
    }

    /** Indices of the {@code min(k, n)} largest of the first {@code n} floats of {@code row}, best first. */
    public static int[] of(MemorySegment row, int n, int k) {
        int m = Math.min(nonNegative(k), Math.max(n, 0));
        int[] idx = new int[m];
        select(row, n, m, idx, new float[m]);
        return idx;
    }

    private static int count(int n, int k, int idxLength, int valsLength) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        int m = Math.min(nonNegative(k), n);
        if (idxLength < m || valsLength < m) {
            throw new IllegalArgumentException("output arrays hold " + Math.min(idxLength, valsLength)
                    + " entries, " + m + " needed");
        }
        return m;
    }

    private static int nonNegative(int k) {
        if (k < 0) {
            throw new IllegalArgumentException("k must be >= 0, got " + k);
        }
        return k;
    }

    // ---- float heap: the root is the worst entry (smallest value, then highest index) ----

    private static boolean worseF(int[] idx, float[] v, int a, int b) {
        return v[a] < v[b] || (v[a] == v[b] && idx[a] > idx[b]);
    }

    private static void upF(int[] idx, float[] v, int i) {
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (!worseF(idx, v, i, p)) {
                return;
            }
            swapF(idx, v, i, p);
            i = p;
        }
    }

    private static void downF(int[] idx, float[] v, int i, int size) {
        while (true) {
            int l = 2 * i + 1;
            int w = i;
            if (l < size && worseF(idx, v, l, w)) {
                w = l;
            }
            if (l + 1 < size && worseF(idx, v, l + 1, w)) {
                w = l + 1;
            }
            if (w == i) {
                return;
            }
            swapF(idx, v, i, w);
            i = w;
        }
    }

    /** Heapsort of a worst-at-root heap: repeatedly moves the worst to the end, leaving best first. */
    private static void sortF(int[] idx, float[] v, int size) {
        for (int end = size - 1; end > 0; end--) {
            swapF(idx, v, 0, end);
            downF(idx, v, 0, end);
        }
    }

    private static void swapF(int[] idx, float[] v, int a, int b) {
        int t = idx[a];
        idx[a] = idx[b];
        idx[b] = t;
        float f = v[a];
        v[a] = v[b];
        v[b] = f;
    }

    // ---- double heap: same rules ----

    private static boolean worseD(int[] idx, double[] v, int a, int b) {
        return v[a] < v[b] || (v[a] == v[b] && idx[a] > idx[b]);
    }

    private static void upD(int[] idx, double[] v, int i) {
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (!worseD(idx, v, i, p)) {
                return;
            }
            swapD(idx, v, i, p);
            i = p;
        }
    }

    private static void downD(int[] idx, double[] v, int i, int size) {
        while (true) {
            int l = 2 * i + 1;
            int w = i;
            if (l < size && worseD(idx, v, l, w)) {
                w = l;
            }
            if (l + 1 < size && worseD(idx, v, l + 1, w)) {
                w = l + 1;
            }
            if (w == i) {
                return;
            }
            swapD(idx, v, i, w);
            i = w;
        }
    }

    private static void sortD(int[] idx, double[] v, int size) {
        for (int end = size - 1; end > 0; end--) {
            swapD(idx, v, 0, end);
            downD(idx, v, 0, end);
        }
    }

    private static void swapD(int[] idx, double[] v, int a, int b) {
        int t = idx[a];
        idx[a] = idx[b];
        idx[b] = t;
        double d = v[a];
        v[a] = v[b];
        v[b] = d;
    }
}
