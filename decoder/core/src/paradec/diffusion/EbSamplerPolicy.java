package paradec.diffusion;

/**
 * EB-sampler: sort masked positions by c descending and commit the largest prefix k with
 * {@code sum_{j<=k} H_j - max_{j<=k} H_j <= gamma} (always at least 1). Ignores the schedule.
 */
public final class EbSamplerPolicy implements UnmaskingPolicy {

    public static final double DEFAULT_GAMMA = 0.1;

    private double gamma = DEFAULT_GAMMA;

    public double gamma() {
        return gamma;
    }

    /** @throws IllegalArgumentException if gamma is negative or not finite */
    public EbSamplerPolicy gamma(double g) {
        if (!(g >= 0) || Double.isInfinite(g)) {
            throw new IllegalArgumentException("gamma must be finite and >= 0, got " + g);
        }
        this.gamma = g;
        return this;
    }

    @Override
    public int[] select(StepContext step) {
        int[] sorted = Ranking.byDescending(step.maskedPositions(), step::confidence);
        double sum = 0;
        double max = 0;
        int k = 0;
        for (int p : sorted) {
            double h = step.stats(p).entropy();
            double s = sum + h;
            double m = Math.max(max, h);
            if (k > 0 && s - m > gamma) {
                break;
            }
            sum = s;
            max = m;
            k++;
        }
        return Ranking.sortedCopy(sorted, k);
    }

    @Override
    public String name() {
        return "eb-sampler";
    }
}
