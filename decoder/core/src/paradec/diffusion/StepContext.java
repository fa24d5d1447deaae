package paradec.diffusion;

import java.util.Objects;
import java.util.random.RandomGenerator;

import paradec.logits.LogitMath;
import paradec.logits.LogitsView;
import paradec.logits.RowStats;

/**
 * What a policy sees at one step: the logits of this step's forward call, the sequence, the
 * current block and, for schedule-driven policies, how many tokens the schedule asks for.
 * Row statistics are computed lazily (mask token excluded from top-1/top-2) and cached, so each
 * position's row is scanned at most once per step.
 */
public final class StepContext {

    private final LogitsView logits;
    private final MaskState state;
    private final int blockIndex;
    private final int blockStart;
    private final int blockEnd;
    private final int stepInBlock;
    private final int stepsRemaining;
    private final int scheduledCount;
    private final RandomGenerator rng;
    private final RowStats[] cache;
    private final boolean entropy;
    private int[] masked;

    /**
     * @param stepsRemaining steps the schedule still grants this block, this one included (>= 1)
     * @param scheduledCount tokens the schedule asks for this step, in [1, masked in block]
     * @throws IllegalArgumentException if the block is outside the sequence or the logits have too few rows
     */
    public StepContext(LogitsView logits, MaskState state, int blockIndex, int blockStart, int blockEnd,
                       int stepInBlock, int stepsRemaining, int scheduledCount, RandomGenerator rng) {
        this(logits, state, blockIndex, blockStart, blockEnd, stepInBlock, stepsRemaining, scheduledCount, rng, true);
    }

    /**
     * @param entropy whether {@link #stats} computes {@link RowStats#entropy()} (NaN otherwise; see
     *                {@link UnmaskingPolicy#readsEntropy()})
     */
    public StepContext(LogitsView logits, MaskState state, int blockIndex, int blockStart, int blockEnd,
                       int stepInBlock, int stepsRemaining, int scheduledCount, RandomGenerator rng, boolean entropy) {
        this.entropy = entropy;
        this.logits = Objects.requireNonNull(logits, "logits");
        this.state = Objects.requireNonNull(state, "state");
        this.rng = Objects.requireNonNull(rng, "rng");
        if (blockStart < state.generationStart() || blockEnd > state.length() || blockStart >= blockEnd) {
            throw new IllegalArgumentException("bad block [" + blockStart + ", " + blockEnd + ")");
        }
        if (logits.rows() < blockEnd) {
            throw new IllegalArgumentException("logits have " + logits.rows() + " rows, block ends at " + blockEnd);
        }
        this.blockIndex = blockIndex;
        this.blockStart = blockStart;
        this.blockEnd = blockEnd;
        this.stepInBlock = stepInBlock;
        this.stepsRemaining = stepsRemaining;
        this.scheduledCount = scheduledCount;
        this.cache = new RowStats[blockEnd - blockStart];
    }

    public LogitsView logits() {
        return logits;
    }

    public MaskState state() {
        return state;
    }

    public int blockIndex() {
        return blockIndex;
    }

    public int blockStart() {
        return blockStart;
    }

    public int blockEnd() {
        return blockEnd;
    }

    public int blockLength() {
        return blockEnd - blockStart;
    }

    public int stepInBlock() {
        return stepInBlock;
    }

    public int stepsRemaining() {
        return stepsRemaining;
    }

    /** The schedule's k for this step (what schedule-driven policies commit). */
    public int scheduledCount() {
        return scheduledCount;
    }

    public RandomGenerator rng() {
        return rng;
    }

    /** Masked positions of the block, ascending (shared array: do not modify). */
    public int[] maskedPositions() {
        if (masked == null) {
            masked = state.maskedPositions(blockStart, blockEnd);
        }
        return masked;
    }

    /**
     * Statistics of the row for {@code pos}, mask token excluded, cached for this step; the entropy is NaN
     * unless this step's policy reads it ({@link UnmaskingPolicy#readsEntropy()}).
     *
     * @throws IndexOutOfBoundsException if {@code pos} is outside the current block
     */
    public RowStats stats(int pos) {
        if (pos < blockStart || pos >= blockEnd) {
            throw new IndexOutOfBoundsException("position " + pos + " outside block [" + blockStart + ", " + blockEnd + ")");
        }
        RowStats s = cache[pos - blockStart];
        if (s == null) {
            s = LogitMath.stats(logits.row(pos), logits.vocabSize(), state.maskToken(), entropy);
            cache[pos - blockStart] = s;
        }
        return s;
    }

    /** Shorthand for {@code stats(pos).confidence()}. */
    public double confidence(int pos) {
        return stats(pos).confidence();
    }
}
