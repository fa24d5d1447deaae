package paradec.diffusion;

import paradec.logits.LogitsView;

/**
 * A masked-diffusion language model as the generator sees it. The native adapter implements this
 * over llama.cpp; tests implement it with hand-made logits.
 */
public interface DenoisingModel {

    /** Vocabulary size: the length of every logits row. */
    int vocabSize();

    /** Id of the mask token; it is never committed. */
    int maskToken();

    /** Longest sequence (prompt + generation) one forward call accepts. */
    int maxSequenceLength();

    /**
     * Runs the model over the whole sequence (prompt + generation, with mask tokens) and returns
     * the distributions of positions {@code from} to {@code to - 1} only: the view has
     * {@code tokens.length} rows indexed by position, already aligned (row p is the distribution
     * for position p; any shift_logits handling belongs to the implementation), and reading a row
     * outside [from, to) throws {@link IndexOutOfBoundsException}. Models compute and copy only
     * those rows. The view is valid until the next call; reading it later may throw
     * {@link IllegalStateException}.
     *
     * @throws IllegalArgumentException if the range is empty or outside the sequence
     */
    LogitsView forward(int[] tokens, int from, int to);

    /**
     * Whether {@code token} ends generation (EOS, EOT...). Once such a token is committed and
     * every generated position before it is committed, the generator stops and pads the rest
     * with that token. The default says no token does (never stop early).
     */
    default boolean isEndOfGeneration(int token) {
        return false;
    }
}
