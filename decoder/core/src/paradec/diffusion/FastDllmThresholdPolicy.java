package paradec.diffusion;

/**
 * Fast-dLLM threshold rule: commit every masked position of the block with c >= tau; if none
 * qualifies, the single most confident one. Ignores the schedule.
 */
public final class FastDllmThresholdPolicy implements UnmaskingPolicy {

    /** Fast-dLLM README default (DiCo's baseline uses 0.95). */
    public static final double DEFAULT_TAU = 0.9;

    private double tau = DEFAULT_TAU;

    public double tau() {
        return tau;
    }

    /** @throws IllegalArgumentException if tau is not in [0, 1] */
    public FastDllmThresholdPolicy tau(double tau) {
        if (!(tau >= 0 && tau <= 1)) {
            throw new IllegalArgumentException("tau must be in [0, 1], got " + tau);
        }
        this.tau = tau;
        return this;
    }

    @Override
    public int[] select(StepContext step) {
        int[] m = step.maskedPositions();
        int[] out = new int[m.length];
        int n = 0;
        for (int p : m) {
            if (step.confidence(p) >= tau) {
                out[n++] = p;
            }
        }
        if (n == 0) {
            return Ranking.topK(m, 1, step::confidence);
        }
        return Ranking.sortedCopy(out, n);
    }

    @Override
    public boolean readsEntropy() {
        return false;
    }

    @Override
    public String name() {
        return "fast-dllm-threshold";
    }
}
