package paradec.diffusion;

/**
 * Semi-autoregressive block layout with LLaDA's linear schedule: the generation is cut into
 * blocks of {@code blockLength}, each block gets {@code steps / numBlocks} steps, and a block with
 * m masks at its start commits {@code m / stepsPerBlock} tokens per step, the first
 * {@code m % stepsPerBlock} steps one more. Steps that would commit 0 tokens (more steps than
 * masks) commit 1, so such blocks finish early.
 */
public final class BlockSchedule implements StepSchedule {

    private final int genLength;
    private final int blockLength;
    private final int steps;

    /**
     * @throws IllegalArgumentException if a value is not positive, genLength is not a multiple of
     *                                  blockLength, or steps is not a multiple of the block count
     */
    public BlockSchedule(int genLength, int blockLength, int steps) {
        if (genLength <= 0 || blockLength <= 0 || steps <= 0) {
            throw new IllegalArgumentException("genLength, blockLength and steps must be positive, got "
                    + genLength + ", " + blockLength + ", " + steps);
        }
        if (genLength % blockLength != 0) {
            throw new IllegalArgumentException("genLength " + genLength + " is not a multiple of blockLength " + blockLength);
        }
        int blocks = genLength / blockLength;
        if (steps % blocks != 0) {
            throw new IllegalArgumentException("steps " + steps + " is not a multiple of the number of blocks "
                    + blocks + " (genLength " + genLength + " / blockLength " + blockLength + ")");
        }
        this.genLength = genLength;
        this.blockLength = blockLength;
        this.steps = steps;
    }

    public int genLength() {
        return genLength;
    }

    public int blockLength() {
        return blockLength;
    }

    public int steps() {
        return steps;
    }

    public int numBlocks() {
        return genLength / blockLength;
    }

    public int stepsPerBlock() {
        return steps / numBlocks();
    }

    @Override
    public int tokensAt(int stepInBlock, int stepsPerBlock, int maskedAtBlockStart, int maskedNow) {
        if (stepInBlock >= stepsPerBlock - 1) {
            return maskedNow;
        }
        int k = maskedAtBlockStart / stepsPerBlock + (stepInBlock < maskedAtBlockStart % stepsPerBlock ? 1 : 0);
        return Math.clamp(k, 1, maskedNow);
    }
}
