package paradec.diffusion;

import java.util.Map;

/**
 * Decides which masked positions of the current block to commit at each step. A policy holds
 * only its own state; it is not thread-safe and serves one generation at a time.
 */
public interface UnmaskingPolicy {

    /**
     * Chooses the masked positions of the current block to commit this step; never empty while
     * the block has masked positions. Positions are absolute sequence indices, without duplicates.
     */
    int[] select(StepContext step);

    /**
     * Whether {@link #select} reads {@link paradec.logits.RowStats#entropy()}. A policy that answers false spares
     * the statistics of every row one multiply-add per logit, and sees NaN entropies. True by default, so a policy
     * that does not say stays correct.
     */
    default boolean readsEntropy() {
        return true;
    }

    /** Called before the first step of every block (block 0 starts a new generation). */
    default void startBlock(int blockIndex, int blockStart, int blockEnd) {
    }

    /** Short name for traces and headers. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** Phase of the last {@link #select} call, for the trace ("" when the policy has none). */
    default String phase() {
        return "";
    }

    /** Counters the policy wants reported (e.g. steps per phase); empty by default. */
    default Map<String, Long> stats() {
        return Map.of();
    }
}
