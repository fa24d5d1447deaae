package paradec.logits;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A read-only view of a block of logits: {@link #rows()} rows of {@link #vocabSize()} floats
 * ({@code JAVA_FLOAT}, native byte order). Implementations never copy: a row is a slice of
 * the underlying memory, which may be native memory owned by the model and overwritten by
 * its next forward call.
 */
public interface LogitsView {

    /** Number of rows (one per sequence position for a diffusion model). */
    int rows();

    /** Number of floats in every row. */
    int vocabSize();

    /**
     * Read-only slice holding row {@code r}: {@code vocabSize()} floats, native order.
     *
     * @throws IndexOutOfBoundsException if {@code r} is not in {@code [0, rows())}
     */
    MemorySegment row(int r);

    /**
     * One logit.
     *
     * @throws IndexOutOfBoundsException if {@code r} or {@code tok} is out of range
     */
    default float get(int r, int tok) {
        if (tok < 0 || tok >= vocabSize()) {
            throw new IndexOutOfBoundsException("token " + tok + " out of vocabulary [0, " + vocabSize() + ")");
        }
        return row(r).getAtIndex(ValueLayout.JAVA_FLOAT, tok);
    }
}
