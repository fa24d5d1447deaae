package paradec.trace;

import java.util.Arrays;
import java.util.Objects;

/**
 * One denoising step of a diffusion generation.
 *
 * @param step               0-based step number over the whole generation (== forward passes so far - 1 without CFG)
 * @param blockIndex         block being decoded
 * @param committedPositions positions committed this step, relative to the generation start (0 = first generated token)
 * @param confidences        model confidence (top-1 probability) at each committed position
 * @param tokens             token committed at each position
 * @param phase              the policy's phase ("" if none)
 */
public record DiffusionStep(int step, int blockIndex, int[] committedPositions, double[] confidences, int[] tokens,
                            String phase) implements TraceEvent {
    public DiffusionStep {
        Objects.requireNonNull(phase, "phase");
        committedPositions = committedPositions.clone();
        confidences = confidences.clone();
        tokens = tokens.clone();
    }

    @Override
    public int[] committedPositions() {
        return committedPositions.clone();
    }

    @Override
    public double[] confidences() {
        return confidences.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DiffusionStep s && step == s.step && blockIndex == s.blockIndex
                && Arrays.equals(committedPositions, s.committedPositions) && Arrays.equals(confidences, s.confidences)
                && Arrays.equals(tokens, s.tokens) && phase.equals(s.phase);
    }

    @Override
    public int hashCode() {
        return Objects.hash(step, blockIndex, Arrays.hashCode(committedPositions), Arrays.hashCode(confidences),
                Arrays.hashCode(tokens), phase);
    }

    @Override
    public String toString() {
        return "DiffusionStep[#" + step + " block " + blockIndex + " positions=" + Arrays.toString(committedPositions)
                + " tokens=" + Arrays.toString(tokens) + " phase=" + phase + "]";
    }
}
