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
    /** The parameter names {@link #with(String, double)} and {@link #parse} accept, in declaration order. */
    public static final java.util.List<String> NAMES = java.util.List.of("seeds", "tauE", "tauLow", "tolerance", "rGate",
            "maxDivideSteps", "alpha", "beta", "sigmaFraction", "safeConfidence", "marginThreshold", "factor",
            "conquerFallback", "conquerStopMean", "divideGrowth");

    /**
     * These parameters with one changed by name (a command line's {@code --dico tauLow=0.5}).
     *
     * @throws IllegalArgumentException for an unknown name, a fractional value of an integer parameter, or a value
     *                                  out of the parameter's range
     */
    public DicoParams with(String name, double v) {
        return switch (name) {
            case "seeds" -> withSeeds(whole(v, name));
            case "tauE" -> withTauE(v);
            case "tauLow" -> withTauLow(v);
            case "tolerance" -> withTolerance(whole(v, name));
            case "rGate" -> withRGate(v);
            case "maxDivideSteps" -> withMaxDivideSteps(whole(v, name));
            case "alpha" -> withAlpha(v);
            case "beta" -> withBeta(v);
            case "sigmaFraction" -> withSigmaFraction(v);
            case "safeConfidence" -> withSafeConfidence(v);
            case "marginThreshold" -> withMarginThreshold(v);
            case "factor" -> withFactor(v);
            case "conquerFallback" -> withConquerFallback(v);
            case "conquerStopMean" -> withConquerStopMean(v);
            case "divideGrowth" -> withDivideGrowth(v);
            default -> throw new IllegalArgumentException("unknown DiCo parameter '" + name + "' (" + String.join(", ", NAMES) + ")");
        };
    }

    /**
     * These parameters changed by a list {@code name=value,name=value} (blank: unchanged).
     *
     * @throws IllegalArgumentException naming the item that is not {@code name=number} or that {@link #with} refuses
     */
    public DicoParams parse(String spec) {
        DicoParams p = this;
        for (String item : spec.split(",")) {
            if (item.isBlank()) continue;
            int eq = item.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("expected name=value, got '" + item.strip() + "'");
            String name = item.substring(0, eq).strip();
            double v;
            try {
                v = Double.parseDouble(item.substring(eq + 1).strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + ": not a number: '" + item.substring(eq + 1).strip() + "'");
            }
            p = p.with(name, v);
        }
        return p;
    }

    private static int whole(double v, String what) {
        // a huge count would only loop longer; the range check itself is the constructor's
        if (!(v == Math.rint(v)) || Math.abs(v) > 1_000_000) {
            throw new IllegalArgumentException(what + " must be a whole number up to 1000000, got " + v);
        }
        return (int) v;
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
