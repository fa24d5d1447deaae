package paradec.testing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Greedy choice over a logits row by the plainest loop: the reference the tests hold paradec's kernels and decoders to. */
public final class PlainArgmax {
    private PlainArgmax() {}

    /** The index of the first largest float of {@code row} (all of it: a row of the vocabulary's size). */
    public static int of(MemorySegment row) {
        long n = row.byteSize() / Float.BYTES;
        int best = 0;
        float top = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float x = row.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (x > top) {
                top = x;
                best = i;
            }
        }
        return best;
    }
}
