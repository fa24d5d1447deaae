package paradec.engine;

import java.lang.foreign.MemorySegment;
import paradec.logits.LogitsView;

/**
 * The logits of a diffusion forward as {@link paradec.diffusion.DenoisingModel} promises them: one row
 * per position, only [from, to) readable, re-aligned when the model shifts its logits (position p's
 * distribution in output row p - 1, position 0 in row 0).
 *
 * @param rowsOut    the decode's output rows
 * @param firstRow   the output row of position {@code firstSource}
 * @param firstSource the first position whose output row is held
 */
record PositionRows(MemorySegment rowsOut, int positions, int vocabSize, int from, int to, boolean shift, int firstRow,
                    int firstSource) implements LogitsView {
    /** Whether a diffusion model's row p holds position p + 1 (diffusion.shift_logits; llama.cpp takes a missing key as true). */
    static boolean shiftsLogits(paradec.llama.Model model) {
        String shift = model.metadata("diffusion.shift_logits");
        return shift == null || Boolean.parseBoolean(shift.trim());
    }

    /** The checks of {@link paradec.diffusion.DenoisingModel#forward} before anything reaches llama.cpp. */
    static void checkForward(int[] tokens, int from, int to, int maxLength) {
        if (tokens.length > maxLength) {
            throw new IllegalArgumentException("sequence of " + tokens.length + " tokens exceeds this model's n_ubatch=" + maxLength);
        }
        if (from < 0 || to > tokens.length || from >= to) {
            throw new IllegalArgumentException("row range [" + from + ", " + to + ") is empty or outside the sequence of " + tokens.length);
        }
    }

    @Override
    public int rows() {
        return positions;
    }

    @Override
    public MemorySegment row(int r) {
        if (r < from || r >= to) {
            throw new IndexOutOfBoundsException("row " + r + " was not computed: this forward returned rows [" + from + ", " + to + ")");
        }
        int source = shift ? Math.max(0, r - 1) : r;
        long rowBytes = (long) vocabSize * Float.BYTES;
        return rowsOut.asSlice((long) (firstRow + source - firstSource) * rowBytes, rowBytes);
    }
}
