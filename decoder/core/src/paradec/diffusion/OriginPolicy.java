package paradec.diffusion;

import java.util.Arrays;

/**
 * Commits the schedule's k leftmost masked positions of the block (left to right). Note: the
 * reference Dream code's "origin" picks positions at random with the schedule's probability;
 * this class is the deterministic left-to-right order, {@link RandomPolicy} is the random one.
 */
public final class OriginPolicy implements UnmaskingPolicy {
    @Override
    public int[] select(StepContext step) {
        int[] m = step.maskedPositions();
        return Arrays.copyOf(m, Math.min(step.scheduledCount(), m.length));
    }

    @Override
    public boolean readsEntropy() {
        return false;
    }

    @Override
    public String name() {
        return "origin";
    }
}
