package paradec.decode;

import java.util.Arrays;
import paradec.generation.StopReason;
import paradec.generation.TokenListener;

/** The accepted tokens of one generation and its stop rules (end of generation, max tokens, cancel). */
final class Output {
    private final CausalModel model;
    private final int max;
    private final TokenListener listener;
    private int[] tokens = new int[64];
    private int size;
    private StopReason stop;

    Output(CausalModel model, int maxNewTokens, TokenListener listener) {
        this.model = model;
        this.max = maxNewTokens;
        this.listener = listener == null ? TokenListener.NONE : listener;
    }

    /** Accepts a token; returns false once generation must stop (the token may not have been kept). */
    boolean accept(int token) {
        if (stop != null) return false;
        if (model.isEndOfGeneration(token)) {
            stop = StopReason.END_OF_GENERATION;
            return false;
        }
        if (size == tokens.length) tokens = Arrays.copyOf(tokens, size * 2);
        tokens[size++] = token;
        if (!listener.onToken(token)) {
            stop = StopReason.CANCELLED;
            return false;
        }
        if (size >= max) {
            stop = StopReason.MAX_TOKENS;
            return false;
        }
        return true;
    }

    /**
     * Accepts the tokens of one step in order and appends each kept one to {@code history} at
     * {@code length}; returns the new history length, or -1 once generation must stop.
     */
    int acceptAll(int[] step, int[] history, int length) {
        for (int t : step) {
            if (!accept(t)) return -1;
            history[length++] = t;
        }
        return length;
    }

    void stop(StopReason reason) {
        if (stop == null) stop = reason;
    }

    int size() {
        return size;
    }

    int remaining() {
        return max - size;
    }

    int[] tokens() {
        return Arrays.copyOf(tokens, size);
    }

    StopReason stopReason() {
        return stop == null ? StopReason.MAX_TOKENS : stop;
    }
}
