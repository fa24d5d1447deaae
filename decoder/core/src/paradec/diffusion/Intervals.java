package paradec.diffusion;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Geometry of closed integer intervals {@code [lo, hi]}, held as {@code int[] {lo, hi}}: DiCo's
 * clusters. Every method leaves its inputs unmodified and returns fresh arrays.
 */
final class Intervals {

    private Intervals() {
    }

    /** {@code hi - lo + 1}. */
    static int length(int[] c) {
        return c[1] - c[0] + 1;
    }

    /**
     * Grows [lo, hi] outwards within [min, max] onto positions that pass, bridging runs of up to
     * {@code tolerance} failing positions; the edges only ever land on passing positions.
     */
    static int[] grow(int lo, int hi, int min, int max, IntPredicate passes, int tolerance) {
        int right = hi;
        int gap = 0;
        for (int j = hi + 1; j <= max; j++) {
            if (passes.test(j)) {
                right = j;
                gap = 0;
            } else if (++gap > tolerance) {
                break;
            }
        }
        int left = lo;
        gap = 0;
        for (int j = lo - 1; j >= min; j--) {
            if (passes.test(j)) {
                left = j;
                gap = 0;
            } else if (++gap > tolerance) {
                break;
            }
        }
        return new int[] {left, right};
    }

    /** Sorts and merges overlapping or adjacent intervals. */
    static List<int[]> merge(List<int[]> intervals) {
        List<int[]> sorted = copy(intervals);
        sorted.sort(Comparator.comparingInt((int[] c) -> c[0]).thenComparingInt(c -> c[1]));
        List<int[]> out = new ArrayList<>();
        for (int[] c : sorted) {
            int[] last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && c[0] <= last[1] + 1) {
                last[1] = Math.max(last[1], c[1]);
            } else {
                out.add(c);
            }
        }
        return out;
    }

    /**
     * Each interval cut to its outermost positions that are still {@code live}; intervals with
     * none are dropped; the rest merged.
     */
    static List<int[]> trim(List<int[]> intervals, IntPredicate live) {
        List<int[]> out = new ArrayList<>();
        for (int[] c : intervals) {
            int lo = c[0];
            int hi = c[1];
            while (lo <= hi && !live.test(lo)) {
                lo++;
            }
            while (hi >= lo && !live.test(hi)) {
                hi--;
            }
            if (lo <= hi) {
                out.add(new int[] {lo, hi});
            }
        }
        return merge(out);
    }

    /**
     * True when {@code now} has as many intervals as {@code before} (null: no previous step) and
     * none grew, rank for rank, by {@code growth} times its previous length or more.
     */
    static boolean stable(List<int[]> before, List<int[]> now, double growth) {
        if (before == null || before.size() != now.size()) {
            return false;
        }
        for (int i = 0; i < now.size(); i++) {
            int was = length(before.get(i));
            int is = length(now.get(i));
            if (is - was >= growth * was) {
                return false;
            }
        }
        return true;
    }

    /** A deep copy. */
    static List<int[]> copy(List<int[]> intervals) {
        List<int[]> out = new ArrayList<>(intervals.size());
        for (int[] c : intervals) {
            out.add(c.clone());
        }
        return out;
    }
}
