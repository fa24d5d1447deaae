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

    /** Measures the curve: median of {@code repeats} decodes at each sampled k, after a warm-up. */
    public static CostCurve measure(CausalModel model, int repeats) {
        int maxK = Math.min(MAX_K, Math.min(model.maxBatch(), model.maxPositions()));
        int[] ks = Arrays.stream(SAMPLED_K).filter(k -> k <= maxK).toArray();
        double[] costs = new double[ks.length];
        int token = model.probeToken();
        TokenBatch batch = new TokenBatch(maxK);
        try {
            for (int w = 0; w < 3; w++) {
                run(model, batch, token, 1);
                run(model, batch, token, ks[ks.length - 1]);
            }
            // rounds over all k, so a slow moment of a shared machine hits every k alike
            long[][] t = new long[ks.length][repeats];
            for (int r = 0; r < repeats; r++) {
                for (int i = 0; i < ks.length; i++) t[i][r] = run(model, batch, token, ks[i]);
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

    private static long run(CausalModel model, TokenBatch batch, int token, int k) {
        model.clear();
        batch.clear();
        for (int i = 0; i < k; i++) batch.add(token, i, true, 0);
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
