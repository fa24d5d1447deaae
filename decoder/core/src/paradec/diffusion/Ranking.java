package paradec.diffusion;

import java.util.Arrays;
import java.util.function.IntToDoubleFunction;

/** Sorting helpers shared by the policies. Ties always go to the lower position. */
final class Ranking {

    private Ranking() {
    }

    /** {@code positions} sorted by {@code key} descending (stable on position). */
    static int[] byDescending(int[] positions, IntToDoubleFunction key) {
        Integer[] boxed = new Integer[positions.length];
        double[] keys = new double[positions.length];
        for (int i = 0; i < positions.length; i++) {
            boxed[i] = i;
            keys[i] = key.applyAsDouble(positions[i]);
        }
        Arrays.sort(boxed, (a, b) -> {
            int c = Double.compare(keys[b], keys[a]);
            return c != 0 ? c : Integer.compare(positions[a], positions[b]);
        });
        int[] out = new int[positions.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = positions[boxed[i]];
        }
        return out;
    }

    /** The first {@code k} of {@link #byDescending}, returned in ascending position order. */
    static int[] topK(int[] positions, int k, IntToDoubleFunction key) {
        int[] sorted = byDescending(positions, key);
        int[] out = Arrays.copyOf(sorted, Math.min(k, sorted.length));
        Arrays.sort(out);
        return out;
    }

    static int[] sortedCopy(int[] a, int n) {
        int[] out = Arrays.copyOf(a, n);
        Arrays.sort(out);
        return out;
    }
}
