package paradec.diffusion;


/**
 * Fast-dLLM factor rule: with masked positions sorted by c descending (c_(1) >= c_(2) >= ...),
 * commit the largest n with (n + 1)(1 - c_(n)) &lt; f, at least 1. Ignores the schedule.
 */
public final class FastDllmFactorPolicy implements UnmaskingPolicy {

    public static final double DEFAULT_FACTOR = 1.0;

    private double factor = DEFAULT_FACTOR;

    public double factor() {
        return factor;
    }

    /** @throws IllegalArgumentException if f is not positive */
    public FastDllmFactorPolicy factor(double f) {
        if (!(f > 0) || Double.isInfinite(f)) {
            throw new IllegalArgumentException("factor must be positive and finite, got " + f);
        }
        this.factor = f;
        return this;
    }

    @Override
    public int[] select(StepContext step) {
        int[] sorted = Ranking.byDescending(step.maskedPositions(), step::confidence);
        int n = 0;
        // (n+1)(1-c_(n)) grows with n, so the qualifying n form a prefix
        while (n < sorted.length && (n + 2) * (1.0 - step.confidence(sorted[n])) < factor) {
            n++;
        }
        return Ranking.sortedCopy(sorted, Math.max(1, n));
    }

    @Override
    public boolean readsEntropy() {
        return false;
    }

    @Override
    public String name() {
        return "fast-dllm-factor";
    }

}
