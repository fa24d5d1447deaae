package paradec.decode;

/**
 * Picks the Jacobi window that maximises expected tokens per second from the machine's cost
 * curve and the acceptance observed so far.
 *
 * <p>Each guess after the first accepted one is modelled as accepted with probability a, so a
 * window of k yields E(k) = 1 + a + ... + a^(k-1) tokens per call at cost(k). The estimate of a
 * starts pessimistic (prior 1 success in 4 tries), decays old evidence so it follows the text,
 * and while the best window is 1 an occasional probe keeps measuring acceptance.
 */
public final class WindowTuner {
    /** Weight kept by old evidence per observed call. */
    public static final double DECAY = 0.97;
    /** Calls between probes while the tuner sits at window 1. */
    public static final int PROBE_EVERY = 32;
    /** Window of a probe. */
    public static final int PROBE_WINDOW = 4;

    private final CostCurve cost;
    private final int maxWindow;
    private final java.util.function.IntToDoubleFunction extraNanos;
    private double successes = 1;
    private double tries = 4;
    private int callsAtOne;

    public WindowTuner(CostCurve cost, int maxWindow) {
        this(cost, maxWindow, k -> 0);
    }

    /**
     * @param extraNanos what a window of k costs beyond its decode, e.g. drafting its guesses (SpecDiff's
     *                   diffusion drafter); read at every choice, so it may follow measurements
     */
    public WindowTuner(CostCurve cost, int maxWindow, java.util.function.IntToDoubleFunction extraNanos) {
        if (maxWindow < 1) throw new IllegalArgumentException("maxWindow must be >= 1");
        this.cost = cost;
        this.maxWindow = Math.min(maxWindow, CostCurve.MAX_K);
        this.extraNanos = extraNanos;
    }

    /**
     * Starts from another prior: {@code successes} accepted of {@code tries} guesses (the default is 1 of 4).
     * A source whose guesses are usually right (a lookup match in repeating text) starts optimistic.
     */
    public WindowTuner withPrior(double successes, double tries) {
        if (!(successes >= 0 && tries > successes)) throw new IllegalArgumentException("need 0 <= successes < tries");
        this.successes = successes;
        this.tries = tries;
        return this;
    }

    public double acceptance() {
        return successes / tries;
    }

    /** The window that maximises E(k)/cost(k) at the current acceptance estimate. */
    public int bestWindow() {
        double a = acceptance();
        int best = 1;
        double bestRate = 0;
        double expected = 0;
        double ai = 1;
        for (int k = 1; k <= maxWindow; k++) {
            expected += ai;
            ai *= a;
            double rate = expected / (cost.cost(k) + (k > 1 ? extraNanos.applyAsDouble(k) : 0));
            if (rate > bestRate * 1.0001) {
                best = k;
                bestRate = rate;
            }
        }
        return best;
    }

    /** The window for the next call (the best one, or a probe). */
    public int nextWindow() {
        int best = bestWindow();
        if (best > 1) {
            callsAtOne = 0;
            return best;
        }
        if (++callsAtOne >= PROBE_EVERY) {
            callsAtOne = 0;
            return Math.min(PROBE_WINDOW, maxWindow);
        }
        return 1;
    }

    /** Records a call of window k that accepted {@code accepted} of its k-1 guesses. */
    public void observe(int window, int accepted) {
        if (window <= 1) return;
        successes = successes * DECAY + accepted;
        tries = tries * DECAY + accepted + (accepted < window - 1 ? 1 : 0);
    }
}
