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
     * Runs the model over the whole sequence (prompt + generation, with mask tokens).
     * Returns one row per position, already aligned: row p is the distribution for position p
     * (any shift_logits handling belongs to the implementation). The view may be invalidated
     * by the next call, so callers read it before calling forward again.
     */
    LogitsView forward(int[] tokens);

    /**
     * Whether {@code token} ends generation (EOS, EOT...). Once such a token is committed and
     * every generated position before it is committed, the generator stops and pads the rest
     * with that token. The default says no token does (never stop early).
     */
    default boolean isEndOfGeneration(int token) {
        return false;
    }
}
