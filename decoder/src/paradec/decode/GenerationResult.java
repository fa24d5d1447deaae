package paradec.decode;

/**
 * The outcome of one generation, with the counters the benchmarks report.
 *
 * @param tokens        generated token ids (no prompt, no end-of-generation token)
 * @param forwardCalls  llama_decode calls, the prompt's included
 * @param wallNanos     wall time of the whole generation, prompt included
 * @param decodeNanos   time spent inside llama_decode
 * @param memoryNanos   time spent in llama.cpp's KV memory operations (dropping rejected guesses)
 * @param acceptedGuesses guessed tokens that verification accepted (0 for AR)
 */
public record GenerationResult(
        String decoder,
        int promptTokens,
        int[] tokens,
        StopReason stopReason,
        long forwardCalls,
        long wallNanos,
        long decodeNanos,
        long memoryNanos,
        long acceptedGuesses,
        int window) {

    public int generatedTokens() {
        return tokens.length;
    }

    public double tokensPerSecond() {
        return wallNanos == 0 ? 0 : tokens.length * 1e9 / wallNanos;
    }

    public double tokensPerCall() {
        return forwardCalls == 0 ? 0 : (double) tokens.length / forwardCalls;
    }

    /** Time in Java: the wall time less everything spent inside llama.cpp. */
    public long javaNanos() {
        return wallNanos - decodeNanos - memoryNanos;
    }
}
