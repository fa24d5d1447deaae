package paradec.logits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class TopKTest {

    /** Reference: a full stable sort by value descending (so ties keep the lower index first). */
    private static int[] naive(double[] x, int k) {
        Integer[] order = IntStream.range(0, x.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> x[i]).reversed());
        return Arrays.stream(order).limit(k).mapToInt(Integer::intValue).toArray();
    }

    /** Values drawn from a few levels so that ties are common; some -Infinity. */
    private static float[] randomRow(SplittableRandom r, int n, int levels) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            int l = r.nextInt(levels + 1);
            x[i] = l == levels ? Float.NEGATIVE_INFINITY : (l - levels / 2) * 0.5f;
        }
        return x;
    }

    private static double[] widen(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    @Test
    void matchesAFullSortOnRandomRowsWithTies() {
        SplittableRandom r = new SplittableRandom(42);
        int[] sizes = {1, 2, 3, 7, 16, 63, 200, 1000};
        int[] ks = {0, 1, 2, 3, 5, 10, 64, 2000};
        try (Arena arena = Arena.ofConfined()) {
            for (int n : sizes) {
                for (int levels : new int[] {1, 3, 20, 100_000}) {
                    for (int rep = 0; rep < 5; rep++) {
                        float[] x = randomRow(r, n, levels);
                        double[] d = widen(x);
                        MemorySegment seg = arena.allocateFrom(ValueLayout.JAVA_FLOAT, x);
                        for (int k : ks) {
                            int[] want = naive(d, Math.min(k, n));
                            String what = "n=" + n + " k=" + k + " levels=" + levels + " " + Arrays.toString(x);
                            assertArrayEquals(want, TopK.of(x, k), what);
                            assertArrayEquals(want, TopK.of(d, k), what);
                            assertArrayEquals(want, TopK.of(seg, n, k), what);
                        }
                    }
                }
            }
        }
    }

    @Test
    void selectFillsCallerArraysAndReportsTheCount() {
        float[] x = {1f, 5f, 3f, 5f, -2f, 3f};
        int[] idx = new int[8];
        float[] vals = new float[8];
        assertEquals(4, TopK.select(x, x.length, 4, idx, vals));
        assertArrayEquals(new int[] {1, 3, 2, 5}, Arrays.copyOf(idx, 4), "ties: lower index first");
        assertArrayEquals(new float[] {5f, 5f, 3f, 3f}, Arrays.copyOf(vals, 4));
        assertEquals(3, TopK.select(x, 3, 10, idx, vals), "k larger than n: all of the first n");
        assertArrayEquals(new int[] {1, 2, 0}, Arrays.copyOf(idx, 3));
        double[] dv = new double[8];
        assertEquals(6, TopK.select(widen(x), 6, 6, idx, dv));
        assertArrayEquals(new int[] {1, 3, 2, 5, 0, 4}, Arrays.copyOf(idx, 6), "k = n sorts the whole row");
    }

    @Test
    void rejectsBadArguments() {
        float[] x = {1f, 2f, 3f};
        assertThrows(IllegalArgumentException.class, () -> TopK.of(x, -1));
        assertThrows(IllegalArgumentException.class, () -> TopK.select(x, -1, 1, new int[1], new float[1]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TopK.select(x, 3, 2, new int[1], new float[2]));
        assertEquals("output arrays hold 1 entries, 2 needed", e.getMessage());
        assertEquals(0, TopK.of(new float[0], 5).length);
    }
}
