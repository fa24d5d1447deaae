package paradec.decode;

import paradec.logits.LogitsView;

/**
 * An autoregressive model with KV memory, as the AR-family decoders see it: batched decoding
 * into sequences of a KV cache, and the cache operations that speculation needs. The engine
 * implements it over llama.cpp; tests implement it with hand-made logits.
 *
 * <p>KV rules (llama.cpp's): a batch token at position p of sequence s attends to the cells of s
 * with positions up to p, those of the same batch included; within each sequence the batch's
 * smallest position must follow the largest one stored, so callers remove rejected cells before
 * decoding over them again.
 */
public interface CausalModel {

    /** Vocabulary size: the length of every logits row. */
    int vocabSize();

    /** Positions one sequence may use. */
    int maxPositions();

    /** KV cells in all: with a unified cache, every sequence's cells together must fit in this. */
    int kvCells();

    /** Most tokens one {@link #decode} accepts. */
    int maxBatch();

    /** Sequence ids run from 0 to maxSequences() - 1. */
    int maxSequences();

    /** Whether all sequences share one pool of KV cells (needed to copy cells between sequences). */
    boolean unifiedKv();

    /**
     * Evaluates a batch and returns the logits of the tokens that asked for them: row r belongs to
     * the r-th output token in batch order (the row {@link TokenBatch#add} returned). The view is
     * valid until the next decode or until the model is closed; reading it later throws
     * {@link IllegalStateException}.
     *
     * @throws IllegalArgumentException if the batch is empty, larger than {@link #maxBatch()}, or
     *                                  names a token, position or sequence outside the model's range
     */
    LogitsView decode(TokenBatch batch);

    /** Removes the cells of sequence {@code seq} with positions in [from, to); a negative bound is open. */
    void removeTokens(int seq, int from, int to);

    /** Adds sequence {@code target} to the cells of {@code source} with positions in [from, to). */
    void copySequence(int source, int target, int from, int to);

    /** Empties the KV memory. */
    void clear();

    /** Whether {@code token} ends a generation (EOS, EOT, ...). */
    boolean isEndOfGeneration(int token);

    /** A token to time decodes with (BOS when there is one). */
    default int probeToken() {
        return 0;
    }

    /** Forward calls, and time inside the model, since the model was made. */
    ModelCounters counters();

    /**
     * What a decode of k tokens costs on this machine, for the decoders' auto modes. The default
     * measures it now (a few dozen decodes, KV memory left empty); engines cache it.
     */
    default CostCurve costCurve() {
        return CostCurve.measure(this, 5);
    }
}
