package paradec.diffusion;

import java.util.Map;

/**
 * Outcome of one generation.
 *
 * @param tokens       generated tokens (genLength of them, or cut before the first end-of-generation
 *                     token when {@link DiffusionSettings#trimAtEog()})
 * @param steps        denoising steps = NFE (one per step whatever the CFG setting)
 * @param forwardCalls model calls (2 per step with CFG)
 * @param forwardNanos time spent inside {@link DenoisingModel#forward}
 * @param javaNanos    the rest of the generation time (statistics, policy, bookkeeping)
 * @param stoppedEarly true when the tail was padded after an end-of-generation token
 * @param policyStats  counters reported by the policy
 */
public record DiffusionResult(int[] tokens, int steps, int forwardCalls, long forwardNanos, long javaNanos,
                              boolean stoppedEarly, Map<String, Long> policyStats) {
}
