package paradec.diffusion;

/** How many tokens a schedule-driven policy commits at one step of a block. */
public interface StepSchedule {

    /**
     * Tokens to commit at step {@code stepInBlock} (0-based) of a block granted
     * {@code stepsPerBlock} steps, given the block's masked count at its first step and now.
     * Implementations return a value in [1, maskedNow]; at the last granted step (and beyond)
     * everything left is committed.
     */
    int tokensAt(int stepInBlock, int stepsPerBlock, int maskedAtBlockStart, int maskedNow);
}
