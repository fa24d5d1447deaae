package paradec.decode;

import java.util.Arrays;

/**
 * The measured cost of one llama_decode of k tokens (every logits row requested) on this machine,
 * for k = 1..{@link #MAX_K}. Engines measure it once per model file and context shape and cache it
 * ({@link CausalModel#costCurve()}); tests make one from points.
 */
public final class CostCurve {
    public static final int MAX_K = 64;
    static final int[] SAMPLED_K = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64};

    private final double[] nanos; // index k, k = 1..MAX_K

    CostCurve(double[] nanosByK) {
        if (nanosByK.length != MAX_K + 1) throw new IllegalArgumentException("need costs for k = 1.." + MAX_K);
        this.nanos = nanosByK.clone();
    }

    /** The nanoseconds of a decode of k tokens for k = 0..MAX_K (index 0 unused), for caching. */
    public double[] nanosByK() {
        return nanos.clone();
    }

    /** A curve from {@link #nanosByK()}. */
    public static CostCurve ofNanosByK(double[] nanosByK) {
        return new CostCurve(nanosByK);
    }

    /** A curve from measured points (k, nanos), linearly interpolated in between. */
    public static CostCurve fromPoints(int[] ks, double[] costs) {
        double[] full = new double[MAX_K + 1];
        for (int k = 1; k <= MAX_K; k++) {
            int j = 0;
            while (j + 1 < ks.length && ks[j + 1] <= k) j++;
            if (ks[j] == k || j + 1 == ks.length) full[k] = costs[j] * (ks[j] == k ? 1 : (double) k / ks[j]);
            else {
                double f = (double) (k - ks[j]) / (ks[j + 1] - ks[j]);
                full[k] = costs[j] + f * (costs[j + 1] - costs[j]);
            }
        }
        return new CostCurve(full);
    }

    /** Cost in nanoseconds of a decode of k tokens. */
    public double cost(int k) {
        if (k < 1 || k > MAX_K) throw new IllegalArgumentException("k must be in [1, " + MAX_K + "], got " + k);
        return nanos[k];
    }

    /** cost(k) / cost(1). */
    public double relative(int k) {
        return nanos[k] / nanos[1];
    }

    /** Tokens already in the context when a k-token decode is timed: a generation's decodes follow a prompt. */
    static final int DEPTH = 64;
    /** One-token decodes before any is timed, for at most {@link #WARM_UP_NANOS}. */
    static final int WARM_UP_DECODES = 200;
    static final long WARM_UP_NANOS = 1_000_000_000L;
    /** Decodes of k that took less than this in the first round are timed after an untimed one of the same k. */
    static final long SAME_SHAPE_FIRST_BELOW_NANOS = 20_000_000L;

    /**
     * Measures the curve: median of {@code repeats} decodes at each sampled k, after a warm-up. Each decode is
     * timed as a generation's decodes run: after {@link #DEPTH} tokens of context (fewer where the context is
     * smaller), right after a decode of the same k at the same positions (whose tokens are removed again, as
     * Jacobi's rejected guesses are), so that llama.cpp reuses the graph it built for the one before (after the
     * first round only where that k took under 20 ms: beyond, a new graph is noise). Timed on an
     * empty context right after a decode of another k (how this measured before), code-ar at 2 threads gave
     * k = 1 0.26-0.42 ms and k = 16 0.9-1.3 ms; in a generation they cost 0.21-0.27 and 1.5-1.9 ms, so the
     * curve made windows look 2x cheaper than they were and auto modes chose windows that lost to AR.
     */
    public static CostCurve measure(CausalModel model, int repeats) {
        int depth = Math.max(0, Math.min(DEPTH, model.maxPositions() - 1 - MAX_K));
        int maxK = Math.min(MAX_K, Math.min(model.maxBatch(), model.maxPositions() - depth));
        int[] ks = Arrays.stream(SAMPLED_K).filter(k -> k <= maxK).toArray();
        double[] costs = new double[ks.length];
        int token = model.probeToken();
        int chunk = Math.max(1, Math.min(depth, model.maxBatch()));
        TokenBatch batch = new TokenBatch(Math.max(maxK, chunk));
        try {
            model.clear();
            for (int from = 0; from < depth; from += chunk) {
                batch.clear();
                for (int p = from; p < Math.min(depth, from + chunk); p++) batch.add(token, p, p == depth - 1, 0);
                model.decode(batch);
            }
            // a young JVM runs the decode path in the interpreter and C1 code for its first ~150 decodes (code-ar, 2
            // threads: one token 0.42-0.45 ms there, 0.27-0.33 after): without this warm-up the curve's k = 1 was
            // that, every larger k relatively cheap, when a benchmark or a one-shot run measures it first thing
            long warmUntil = System.nanoTime() + WARM_UP_NANOS;
            for (int w = 0; w < WARM_UP_DECODES && System.nanoTime() < warmUntil; w++) run(model, batch, token, 1, depth);
            for (int w = 0; w < 3; w++) run(model, batch, token, ks[ks.length - 1], depth);
            // rounds over all k, so a slow moment of a shared machine hits every k alike
            long[][] t = new long[ks.length][repeats];
            for (int r = 0; r < repeats; r++) {
                for (int i = 0; i < ks.length; i++) {
                    // a new graph costs a fraction of a millisecond: next to a decode of tens of milliseconds (a
                    // large model) it is noise, and the extra decode would double a long measurement
                    if (r == 0 || t[i][0] < SAME_SHAPE_FIRST_BELOW_NANOS) run(model, batch, token, ks[i], depth);
                    t[i][r] = run(model, batch, token, ks[i], depth);
                }
            }
            for (int i = 0; i < ks.length; i++) {
                Arrays.sort(t[i]);
                costs[i] = t[i][repeats / 2];
            }
            // a decode of more tokens never costs less: noise that says otherwise is clipped
            for (int i = ks.length - 2; i >= 0; i--) costs[i] = Math.min(costs[i], costs[i + 1]);
        } finally {
            model.clear();
        }
        if (ks[ks.length - 1] < MAX_K) {
            // beyond what the context allows, extrapolate linearly from the last two points
            int n = ks.length;
            double slope = n > 1 ? (costs[n - 1] - costs[n - 2]) / (ks[n - 1] - ks[n - 2]) : costs[0];
            ks = Arrays.copyOf(ks, n + 1);
            costs = Arrays.copyOf(costs, n + 1);
            ks[n] = MAX_K;
            costs[n] = costs[n - 1] + slope * (MAX_K - ks[n - 1]);
        }
        return fromPoints(ks, costs);
    }

    /** Decodes k tokens at positions depth.. after removing what the last run left there; its nanoseconds. */
    private static long run(CausalModel model, TokenBatch batch, int token, int k, int depth) {
        model.removeTokens(0, depth, -1);
        batch.clear();
        for (int i = 0; i < k; i++) batch.add(token, depth + i, true, 0);
        long t0 = System.nanoTime();
        model.decode(batch);
        return System.nanoTime() - t0;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("CostCurve[");
        for (int k : SAMPLED_K) sb.append(k).append('=').append(String.format("%.2fms ", nanos[k] / 1e6));
        return sb.append(']').toString();
    }
}
