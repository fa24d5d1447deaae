package paradec.diffusion;

/**
 * The tunables of {@link DicoPolicy}, immutable and validated; {@link #defaults()} holds the
 * authors' values (docs/algorithms.md, DiCo). Change one with a {@code withX} method, e.g.
 * {@code DicoParams.defaults().withFactor(2)}.
 *
 * @param seeds N: seeds picked per Divide step (default 4)
 * @param tauE tau_e: weighted confidence a seed and a Divide cluster position need (0.3)
 * @param tauLow tau_low: Divide's mean-confidence exit and Conquer's growth threshold (0.6)
 * @param tolerance M: consecutive failing positions a growing cluster may bridge (2)
 * @param rGate R_gate: a block's rounds stop once more than this fraction is decoded; it also caps the rounds at floor(R_gate B) (0.8)
 * @param maxDivideSteps forward passes one Divide phase may take (10)
 * @param alpha alpha of the trajectory guidance w_min = min(1, beta + alpha r) (0.5)
 * @param beta beta of the trajectory guidance (0.05)
 * @param sigmaFraction sigma of the soft suppression as a fraction of the block length (1/3)
 * @param safeConfidence confidence above which Conquer and Finalize always commit (0.98)
 * @param marginThreshold raw-logit margin above which Finalize commits (3.0)
 * @param factor f of Conquer's per-cluster rule (k+1)(1 - c_(k)) &lt;= f (1.0)
 * @param conquerFallback confidence the block's top-1 needs when no cluster token qualifies (0.6)
 * @param conquerStopMean Conquer stops when the mean confidence of the cluster tokens left is below this (0.6)
 * @param divideGrowth Divide is stable when no cluster grows by this fraction or more (0.10)
 */
public record DicoParams(int seeds,
                         double tauE,
                         double tauLow,
                         int tolerance,
                         double rGate,
                         int maxDivideSteps,
                         double alpha,
                         double beta,
                         double sigmaFraction,
                         double safeConfidence,
                         double marginThreshold,
                         double factor,
                         double conquerFallback,
                         double conquerStopMean,
                         double divideGrowth) {

    /** @throws IllegalArgumentException naming the first parameter out of range */
    public DicoParams {
        atLeastOne(seeds, "seeds");
        unit(tauE, "tauE");
        unit(tauLow, "tauLow");
        if (tolerance < 0) {
            throw new IllegalArgumentException("tolerance must be >= 0, got " + tolerance);
        }
        unit(rGate, "rGate");
        atLeastOne(maxDivideSteps, "maxDivideSteps");
        nonNegative(alpha, "alpha");
        nonNegative(beta, "beta");
        positive(sigmaFraction, "sigmaFraction");
        unit(safeConfidence, "safeConfidence");
        nonNegative(marginThreshold, "marginThreshold");
        nonNegative(factor, "factor");
        unit(conquerFallback, "conquerFallback");
        unit(conquerStopMean, "conquerStopMean");
        nonNegative(divideGrowth, "divideGrowth");
    }

    /** The authors' defaults. */
    public static DicoParams defaults() {
        return new DicoParams(4, 0.3, 0.6, 2, 0.8, 10, 0.5, 0.05, 1.0 / 3.0, 0.98, 3.0, 1.0, 0.6, 0.6, 0.10);
    }

    public DicoParams withSeeds(int v) {
        return new DicoParams(v, tauE, tauLow, tolerance, rGate, maxDivideSteps, alpha, beta, sigmaFraction, safeConfidence, marginThreshold, factor, conquerFallback, conquerStopMean, divideGrowth);
    }

    public DicoParams withTauE(double v) {
        return new DicoParams(seeds, v, tauLow, tolerance, rGate, maxDivideSteps, alpha, beta, sigmaFraction, safeConfidence, marginThreshold, factor, conquerFallback, conquerStopMean, divideGrowth);
    }

    public DicoParams withTauLow(double v) {
        return new DicoParams(seeds, tauE, v, tolerance, rGate, maxDivideSteps, alpha, beta, sigmaFraction, safeConfidence, marginThreshold, factor, conquerFallback, conquerStopMean, divideGrowth);
    }

    public DicoParams withTolerance(int v) {
        return new DicoParams(seeds, tauE, tauLow, v, rGate, maxDivideSteps, alpha, beta, sigmaFraction, safeConfidence, marginThreshold, factor, conquerFallback, conquerStopMean, divideGrowth);
    }

    public DicoParams withRGate(double v) {
        return new DicoParams(seeds, tauE, tauLow, tolerance, v, maxDivideSteps, alpha, beta, sigmaFraction, safeConfidence, marginThreshold, factor, conquerFallback, conquerStopMean, divideGrowth);
    }

    public DicoParams withMaxDivideSteps(int v) {
        return new DicoParams(seeds, tauE, tauLow, tolerance, rGate, v, alpha, beta, sigmaFraction, safeConfidence, marginThreshold, factor, conquerFallback, conquerStopMean, divideGrowth);
    }

    public DicoParams withAlpha(double v) {
        return new DicoParams(seeds, tauE, tauLow, tolerance, rGate, maxDivideSteps, v, beta, sigmaFraction, safeConfidence, marginThreshold, factor, conquerFallback, conquerStopMean, divideGrowth);
    }

    public DicoParams withBeta(double v) {
        return new DicoParams(seeds, tauE, tauLow, tolerance, rGate, maxDivideSteps, alpha, v, sigmaFraction, safeConfidence, marginThreshold, factor, conquerFallback, conquerStopMean, divideGrowth);
    }

    public DicoParams withSigmaFraction(double v) {
        return new DicoParams(seeds, tauE, tauLow, tolerance, rGate, maxDivideSteps, alpha, beta, v, safeConfidence, marginThreshold, factor, conquerFallback, conquerStopMean, divideGrowth);
    }

    public DicoParams withSafeConfidence(double v) {
        return new DicoParams(seeds, tauE, tauLow, tolerance, rGate, maxDivideSteps, alpha, beta, sigmaFraction, v, marginThreshold, factor, conquerFallback, conquerStopMean, divideGrowth);
    }

    public DicoParams withMarginThreshold(double v) {
        return new DicoParams(seeds, tauE, tauLow, tolerance, rGate, maxDivideSteps, alpha, beta, sigmaFraction, safeConfidence, v, factor, conquerFallback, conquerStopMean, divideGrowth);
    }

    public DicoParams withFactor(double v) {
        return new DicoParams(seeds, tauE, tauLow, tolerance, rGate, maxDivideSteps, alpha, beta, sigmaFraction, safeConfidence, marginThreshold, v, conquerFallback, conquerStopMean, divideGrowth);
    }

    public DicoParams withConquerFallback(double v) {
        return new DicoParams(seeds, tauE, tauLow, tolerance, rGate, maxDivideSteps, alpha, beta, sigmaFraction, safeConfidence, marginThreshold, factor, v, conquerStopMean, divideGrowth);
    }

    public DicoParams withConquerStopMean(double v) {
        return new DicoParams(seeds, tauE, tauLow, tolerance, rGate, maxDivideSteps, alpha, beta, sigmaFraction, safeConfidence, marginThreshold, factor, conquerFallback, v, divideGrowth);
    }

    public DicoParams withDivideGrowth(double v) {
        return new DicoParams(seeds, tauE, tauLow, tolerance, rGate, maxDivideSteps, alpha, beta, sigmaFraction, safeConfidence, marginThreshold, factor, conquerFallback, conquerStopMean, v);
    }
    private static void atLeastOne(int v, String what) {
        if (v < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, got " + v);
        }
    }

    private static void unit(double v, String what) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(what + " must be in [0, 1], got " + v);
        }
    }

    private static void nonNegative(double v, String what) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " must be finite and >= 0, got " + v);
        }
    }

    private static void positive(double v, String what) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " must be finite and > 0, got " + v);
        }
    }
}
