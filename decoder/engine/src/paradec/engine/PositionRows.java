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
