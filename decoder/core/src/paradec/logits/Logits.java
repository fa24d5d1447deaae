package paradec.logits;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/** Factories for {@link LogitsView}. */
public final class Logits {

    private Logits() {
    }

    /**
     * Zero-copy view of {@code rows} contiguous rows of {@code vocabSize} floats starting at
     * offset 0 of {@code all}.
     *
     * @throws NullPointerException     if {@code all} is null
     * @throws IllegalArgumentException if a size is not positive or {@code all} is too small
     */
    public static LogitsView of(MemorySegment all, int rows, int vocabSize) {
        Objects.requireNonNull(all, "all");
        if (rows <= 0 || vocabSize <= 0) {
            throw new IllegalArgumentException("rows and vocabSize must be positive, got " + rows + " x " + vocabSize);
        }
        long need = (long) rows * vocabSize * Float.BYTES;
        if (all.byteSize() < need) {
            throw new IllegalArgumentException("segment holds " + all.byteSize() + " bytes, " + rows + " x "
                    + vocabSize + " floats need " + need);
        }
        return new SegmentView(all.asSlice(0, need).asReadOnly(), rows, vocabSize);
    }

    /** A view with no rows (a decode that asked for no logits). */
    public static LogitsView empty(int vocabSize) {
        if (vocabSize <= 0) throw new IllegalArgumentException("vocabSize must be positive, got " + vocabSize);
        return new SegmentView(MemorySegment.ofArray(new float[0]), 0, vocabSize);
    }

    /**
     * Copies {@code rows} (all of the same length) into one heap segment; meant for tests.
     *
     * @throws IllegalArgumentException if there are no rows or they differ in length
     */
    public static LogitsView ofRows(float[][] rows) {
        Objects.requireNonNull(rows, "rows");
        if (rows.length == 0 || rows[0].length == 0) {
            throw new IllegalArgumentException("need at least one non-empty row");
        }
        int v = rows[0].length;
        float[] flat = new float[rows.length * v];
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != v) {
                throw new IllegalArgumentException("row " + r + " has " + rows[r].length + " entries, row 0 has " + v);
            }
            System.arraycopy(rows[r], 0, flat, r * v, v);
        }
        return of(MemorySegment.ofArray(flat), rows.length, v);
    }

    private record SegmentView(MemorySegment all, int rows, int vocabSize) implements LogitsView {
        @Override
        public MemorySegment row(int r) {
            if (r < 0 || r >= rows) {
                throw new IndexOutOfBoundsException("logits row " + r + " out of range [0, " + rows + ")");
            }
            return all.asSlice((long) r * vocabSize * Float.BYTES, (long) vocabSize * Float.BYTES);
        }

        @Override
        public float get(int r, int tok) {
            if (r < 0 || r >= rows) {
                throw new IndexOutOfBoundsException("logits row " + r + " out of range [0, " + rows + ")");
            }
            if (tok < 0 || tok >= vocabSize) {
                throw new IndexOutOfBoundsException("token " + tok + " out of vocabulary [0, " + vocabSize + ")");
            }
            return all.getAtIndex(ValueLayout.JAVA_FLOAT, (long) r * vocabSize + tok);
        }
    }
}
