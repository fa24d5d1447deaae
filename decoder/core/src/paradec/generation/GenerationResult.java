package paradec.generation;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of one generation, for both decoder families.
 *
 * @param decoder      the decoder's name ("ar", "jacobi", "lookahead", or a diffusion policy's)
 * @param promptTokens tokens in the prompt
 * @param tokens       generated token ids (no prompt, no end-of-generation token); the record keeps its own copy
 * @param text         the detokenized output, "" when nobody detokenized it (the core does not know the vocabulary)
 * @param stopReason   why it ended
 * @param forwardCalls model calls (llama_decode), the prompt's included
 * @param wallNanos    wall time of the whole generation, prompt included
 * @param nativeNanos  time inside the model (forward calls and KV memory operations)
 * @param extras       decoder-specific counters, in insertion order (for the AR family:
 *                     {@code accepted_guesses}, {@code window}, {@code memory_nanos}; for diffusion:
 *                     {@code steps}, {@code stopped_early} and the policy's counters)
 */
public record GenerationResult(String decoder, int promptTokens, int[] tokens, String text, StopReason stopReason,
                               long forwardCalls, long wallNanos, long nativeNanos, Map<String, Object> extras) {
    /** Extra: milliseconds from the first generated token to the end of the generation. */
    public static final String AFTER_FIRST_TOKEN_MS = "after_first_token_ms";

    public GenerationResult {
        Objects.requireNonNull(decoder, "decoder");
        Objects.requireNonNull(stopReason, "stopReason");
        tokens = tokens.clone();
        text = text == null ? "" : text;
        extras = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extras));
    }

    /** A copy of the generated tokens. */
    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    public int generatedTokens() {
        return tokens.length;
    }

    public double tokensPerSecond() {
        return wallNanos == 0 ? 0 : tokens.length * 1e9 / wallNanos;
    }

    /**
     * Tokens per second after the first token: the prompt's pass and the first token left out, as llama.cpp
     * counts generation speed (llama-bench's tg runs have no prompt; llama-server's predicted_per_second starts
     * after the prompt). The whole-run rate when there is one token or the time after the first is not known
     * ({@value #AFTER_FIRST_TOKEN_MS} in the extras, which the engine records).
     */
    public double generationTokensPerSecond() {
        if (tokens.length < 2 || !(extras.get(AFTER_FIRST_TOKEN_MS) instanceof Number after) || after.doubleValue() <= 0) {
            return tokensPerSecond();
        }
        return (tokens.length - 1) * 1e3 / after.doubleValue();
    }

    public double tokensPerCall() {
        return forwardCalls == 0 ? 0 : (double) tokens.length / forwardCalls;
    }

    /** Time in Java: the wall time less everything spent inside the model. */
    public long javaNanos() {
        return wallNanos - nativeNanos;
    }

    /** A numeric extra as a long, or {@code fallback} when absent. */
    public long extra(String key, long fallback) {
        return extras.get(key) instanceof Number n ? n.longValue() : fallback;
    }

    /** The same result with its text (and, for a stop string, its stop reason) set. */
    public GenerationResult withText(String newText, StopReason reason) {
        return new GenerationResult(decoder, promptTokens, tokens, newText, reason, forwardCalls, wallNanos, nativeNanos, extras);
    }

    /** The same result with one more extra (replacing one of the same key). */
    public GenerationResult withExtra(String key, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(extras);
        more.put(key, value);
        return new GenerationResult(decoder, promptTokens, tokens, text, stopReason, forwardCalls, wallNanos, nativeNanos, more);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationResult r && decoder.equals(r.decoder) && promptTokens == r.promptTokens
                && Arrays.equals(tokens, r.tokens) && text.equals(r.text) && stopReason == r.stopReason
                && forwardCalls == r.forwardCalls && wallNanos == r.wallNanos && nativeNanos == r.nativeNanos
                && extras.equals(r.extras);
    }

    @Override
    public int hashCode() {
        return Objects.hash(decoder, promptTokens, Arrays.hashCode(tokens), text, stopReason, forwardCalls, wallNanos,
                nativeNanos, extras);
    }

    @Override
    public String toString() {
        return "GenerationResult[decoder=" + decoder + ", promptTokens=" + promptTokens + ", tokens="
                + Arrays.toString(tokens) + ", stopReason=" + stopReason + ", forwardCalls=" + forwardCalls
                + ", wallNanos=" + wallNanos + ", nativeNanos=" + nativeNanos + ", extras=" + extras + "]";
    }
}
