package paradec.decode;

/**
 * What a decoder needs from the KV context it runs on, so an engine can size one for it.
 *
 * @param sequences      sequence ids used at once
 * @param unifiedKv      whether all sequences share one KV pool (needed when cells are shared or copied between sequences)
 * @param batch          most tokens in one decode
 * @param extraPositions positions beyond prompt + output that a step may occupy (speculative tokens)
 */
public record ContextNeeds(int sequences, boolean unifiedKv, int batch, int extraPositions) {
    public ContextNeeds {
        if (sequences < 1 || batch < 1 || extraPositions < 0) {
            throw new IllegalArgumentException("invalid context needs: " + sequences + " sequences, batch " + batch
                    + ", " + extraPositions + " extra positions");
        }
    }

    /** One context that serves both. */
    public ContextNeeds union(ContextNeeds other) {
        return new ContextNeeds(Math.max(sequences, other.sequences), unifiedKv || other.unifiedKv,
                Math.max(batch, other.batch), Math.max(extraPositions, other.extraPositions));
    }
}
