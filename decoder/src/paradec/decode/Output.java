package paradec.decode;

import java.util.Arrays;
import paradec.llama.Vocab;

/** The accepted tokens of one generation and its stop rules (end of generation, max tokens). */
final class Output {
    private final Vocab vocab;
    private final int max;
    private final TokenListener listener;
    private int[] tokens = new int[64];
    private int size;
    private StopReason stop;

    Output(Vocab vocab, int maxNewTokens, TokenListener listener) {
        this.vocab = vocab;
        this.max = maxNewTokens;
        this.listener = listener == null ? TokenListener.NONE : listener;
    }

    /** Accepts a token; returns false once generation must stop (the token may not have been kept). */
    boolean accept(int token) {
        if (stop != null) return false;
        if (vocab.isEndOfGeneration(token)) {
            stop = StopReason.END_OF_GENERATION;
            return false;
        }
        if (size == tokens.length) tokens = Arrays.copyOf(tokens, size * 2);
        tokens[size++] = token;
        listener.onToken(token);
        if (size >= max) {
            stop = StopReason.MAX_TOKENS;
            return false;
        }
        return true;
    }

    void stop(StopReason reason) {
        if (stop == null) stop = reason;
    }

    boolean done() {
        return stop != null;
    }

    int size() {
        return size;
    }

    int remaining() {
        return max - size;
    }

    int last() {
        return tokens[size - 1];
    }

    int[] tokens() {
        return Arrays.copyOf(tokens, size);
    }

    /** The generated tokens so far, not copied: valid until the next accept. */
    int[] buffer() {
        return tokens;
    }

    StopReason stopReason() {
        return stop == null ? StopReason.MAX_TOKENS : stop;
    }
}
