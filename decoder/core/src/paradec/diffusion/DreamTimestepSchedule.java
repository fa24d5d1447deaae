package paradec.diffusion;

/**
 * Dream's timestep schedule applied per block: with T steps, t_s = 1 - (s / T)(1 - eps); step s
 * commits {@code floor(maskedNow * (1 - t_{s+1} / t_s))} tokens (at least 1), the last step
 * everything left.
 */
public final class DreamTimestepSchedule implements StepSchedule {

    /** Dream's default eps. */
    public static final double DEFAULT_EPS = 1e-3;

    private final double eps;

    public DreamTimestepSchedule() {
        this(DEFAULT_EPS);
    }

    /** @throws IllegalArgumentException if eps is not in (0, 1) */
    public DreamTimestepSchedule(double eps) {
        if (!(eps > 0 && eps < 1)) {
            throw new IllegalArgumentException("eps must be in (0, 1), got " + eps);
        }
        this.eps = eps;
    }

    public double eps() {
        return eps;
    }

    /** t_s for step s of T. */
    public double t(int s, int totalSteps) {
        return 1.0 - (double) s / totalSteps * (1.0 - eps);
    }

    @Override
    public int tokensAt(int stepInBlock, int stepsPerBlock, int maskedAtBlockStart, int maskedNow) {
        if (stepInBlock >= stepsPerBlock - 1) {
            return maskedNow;
        }
        double t = t(stepInBlock, stepsPerBlock);
        double next = t(stepInBlock + 1, stepsPerBlock);
        int k = (int) (maskedNow * (1.0 - next / t));
        return Math.clamp(k, 1, maskedNow);
    }
}
