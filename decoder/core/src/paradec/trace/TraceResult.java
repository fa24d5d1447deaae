package paradec.trace;

import java.util.Objects;

/**
 * The last line of a trace that {@code paradec generate --trace} writes: what the generation returned, as
 * its {@code --json} output says it. The steps alone cannot tell: the AR family's speculative decoders draw no
 * row for the prompt's call (whose logits give the first token), their last call may emit past the token
 * limit, and a diffusion run commits positions that are trimmed at the end of generation.
 *
 * @param generatedTokens tokens in the output
 * @param forwardCalls    forward calls, the prompt's included
 * @param stopReason      why it stopped, as {@code --json} writes it (max_tokens, eog, stop_string, ...)
 * @param model           the model file it ran on, whose vocabulary gives the tokens' text; null when not recorded
 */
public record TraceResult(int generatedTokens, int forwardCalls, String stopReason, String model) {
    public TraceResult {
        if (generatedTokens < 0 || forwardCalls < 0) {
            throw new IllegalArgumentException("counts must be >= 0, got " + generatedTokens + " tokens, " + forwardCalls + " calls");
        }
        Objects.requireNonNull(stopReason, "stopReason");
    }

    /** Output tokens per forward call, as {@code --json}'s tokens_per_call. */
    public double tokensPerCall() {
        return forwardCalls == 0 ? 0 : (double) generatedTokens / forwardCalls;
    }
}
