package paradec.diffusion;

/**
 * One step of a generation, for traces and streaming.
 *
 * @param step               0-based step number over the whole generation (== forward passes so far - 1 without CFG)
 * @param blockIndex         block being decoded
 * @param committedPositions positions committed this step, relative to the generation start (0 = first generated token)
 * @param confidences        model confidence (top-1 probability) at each committed position
 * @param tokens             token committed at each position
 * @param phase              the policy's phase ("" if none)
 */
public record StepRecord(int step, int blockIndex, int[] committedPositions, double[] confidences, int[] tokens,
                         String phase) {
}
