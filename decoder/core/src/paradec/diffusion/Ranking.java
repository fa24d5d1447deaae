package paradec.diffusion;

import java.util.Arrays;
import java.util.function.IntToDoubleFunction;

import paradec.logits.TopK;

/**
 * Sorting helpers shared by the policies. Ties always go to the lower position. The
 * {@code positions} passed in must be ascending (as {@link StepContext#maskedPositions()} gives),
 * which is what makes "lower index first" in {@link TopK} mean "lower position first".
 */
final class Ranking {

    private Ranking() {
    }

    /** {@code positions} sorted by {@code key} descending (ties: lower position first). */
    static int[] byDescending(int[] positions, IntToDoubleFunction key) {
        return best(positions, positions.length, key);
    }

    /** The first {@code k} of {@link #byDescending}, returned in ascending position order. */
    static int[] topK(int[] positions, int k, IntToDoubleFunction key) {
        int[] out = best(positions, Math.min(k, positions.length), key);
        Arrays.sort(out);
        return out;
    }

    /** The {@code k} best positions by key, best first; O(n log k). */
    private static int[] best(int[] positions, int k, IntToDoubleFunction key) {
        int n = positions.length;
        double[] keys = new double[n];
        for (int i = 0; i < n; i++) {
            keys[i] = key.applyAsDouble(positions[i]);
        }
        int[] idx = new int[k];
        TopK.select(keys, n, k, idx, new double[k]);
        for (int i = 0; i < k; i++) {
            idx[i] = positions[idx[i]];
        }
        return idx;
    }

    static int[] sortedCopy(int[] a, int n) {
        int[] out = Arrays.copyOf(a, n);
        Arrays.sort(out);
        return out;
    }
}
