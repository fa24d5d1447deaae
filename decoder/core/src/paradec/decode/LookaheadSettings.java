package paradec.decode;

/**
 * Lookahead decoding parameters (Fu et al., ICML 2024).
 *
 * @param window  W, columns of the lookahead branch; {@link #AUTO} picks W, N and G from the
 *                machine's cost curve and switches the branch off while it does not pay
 * @param ngram   N, n-gram size: the branch has N-1 levels and candidates N-1 tokens
 * @param guesses G, most candidate n-grams verified per step
 */
public record LookaheadSettings(int window, int ngram, int guesses) {
    public static final int AUTO = 0;
    public static final int MAX_W = 32;
    public static final int MAX_N = 8;
    public static final int MAX_G = 32;
    public static final int DEFAULT_N = 4;
    public static final int DEFAULT_G = 4;

    public LookaheadSettings {
        if (window < 0 || window > MAX_W) throw new IllegalArgumentException("lookahead window W must be 'auto' or in [1, " + MAX_W + "], got " + window);
        if (ngram < 2 || ngram > MAX_N) throw new IllegalArgumentException("n-gram size N must be in [2, " + MAX_N + "], got " + ngram);
        if (guesses < 0 || guesses > MAX_G) throw new IllegalArgumentException("guesses G must be in [0, " + MAX_G + "], got " + guesses);
    }

    public static LookaheadSettings defaults() {
        return new LookaheadSettings(AUTO, DEFAULT_N, DEFAULT_G);
    }

    /** W as configured, or the largest W auto mode may choose. */
    public int maxWindow() {
        return window == AUTO ? 8 : window;
    }

    /** Sequence ids needed: the accepted stream, W columns and G candidates. */
    public int sequencesNeeded() {
        return 1 + maxWindow() + guesses;
    }

    /** The largest batch one step can need. */
    public int maxBatch() {
        return 1 + (maxWindow() + guesses) * (ngram - 1);
    }
}
