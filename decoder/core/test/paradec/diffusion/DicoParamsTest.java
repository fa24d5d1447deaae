package paradec.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

class DicoParamsTest {

    @Test
    void defaultsAreTheAuthorsValues() {
        DicoParams d = DicoParams.defaults();
        assertEquals(4, d.seeds());
        assertEquals(0.3, d.tauE());
        assertEquals(0.6, d.tauLow());
        assertEquals(2, d.tolerance());
        assertEquals(0.8, d.rGate());
        assertEquals(10, d.maxDivideSteps());
        assertEquals(0.5, d.alpha());
        assertEquals(0.05, d.beta());
        assertEquals(1.0 / 3.0, d.sigmaFraction());
        assertEquals(0.98, d.safeConfidence());
        assertEquals(3.0, d.marginThreshold());
        assertEquals(1.0, d.factor());
        assertEquals(0.6, d.conquerFallback());
        assertEquals(0.6, d.conquerStopMean());
        assertEquals(0.10, d.divideGrowth());
        assertEquals(d, new DicoPolicy().params());
    }

    @Test
    void withersChangeOneValue() {
        DicoParams d = DicoParams.defaults();
        DicoParams f = d.withFactor(2.5);
        assertEquals(2.5, f.factor());
        assertEquals(d, f.withFactor(1.0), "everything else kept");
        assertNotEquals(d, f);
        assertEquals(7, d.withSeeds(7).seeds());
        assertEquals(0.4, d.withTauE(0.4).tauE());
        assertEquals(0.7, d.withTauLow(0.7).tauLow());
        assertEquals(0, d.withTolerance(0).tolerance());
        assertEquals(0.5, d.withRGate(0.5).rGate());
        assertEquals(3, d.withMaxDivideSteps(3).maxDivideSteps());
        assertEquals(0.25, d.withAlpha(0.25).alpha());
        assertEquals(1.0, d.withBeta(1.0).beta());
        assertEquals(0.5, d.withSigmaFraction(0.5).sigmaFraction());
        assertEquals(0.9, d.withSafeConfidence(0.9).safeConfidence());
        assertEquals(2.0, d.withMarginThreshold(2.0).marginThreshold());
        assertEquals(0.55, d.withConquerFallback(0.55).conquerFallback());
        assertEquals(0.65, d.withConquerStopMean(0.65).conquerStopMean());
        assertEquals(0.2, d.withDivideGrowth(0.2).divideGrowth());
    }

    @Test
    void namedParametersMatchTheWithers() {
        DicoParams d = DicoParams.defaults();
        assertEquals(d.withSeeds(8).withTauLow(0.5).withFactor(2), d.parse("seeds=8, tauLow=0.5,factor=2"));
        assertEquals(d, d.parse(""), "blank: unchanged");
        assertEquals(d.withTolerance(0), d.with("tolerance", 0));
        assertEquals(d.withMarginThreshold(1.5), d.with("marginThreshold", 1.5));
        // every listed name reaches its own component: changing it changes exactly that parameter
        for (String name : DicoParams.NAMES) {
            DicoParams changed = d.with(name, name.equals("seeds") || name.equals("maxDivideSteps") || name.equals("tolerance") ? 3 : 0.25);
            assertNotEquals(d, changed, name);
            int differing = 0;
            for (var c : DicoParams.class.getRecordComponents()) {
                try {
                    if (!c.getAccessor().invoke(d).equals(c.getAccessor().invoke(changed))) {
                        differing++;
                        assertEquals(name, c.getName());
                    }
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            }
            assertEquals(1, differing, name);
        }
        assertEquals(DicoParams.class.getRecordComponents().length, DicoParams.NAMES.size());
        rejects("unknown DiCo parameter 'tau' (seeds, tauE, tauLow, tolerance, rGate, maxDivideSteps, alpha, beta, "
                + "sigmaFraction, safeConfidence, marginThreshold, factor, conquerFallback, conquerStopMean, divideGrowth)",
                () -> d.parse("tau=1"));
        rejects("seeds must be a whole number up to 1000000, got 2.5", () -> d.parse("seeds=2.5"));
        rejects("seeds must be a whole number up to 1000000, got 1.0E10", () -> d.parse("seeds=1e10"));
        rejects("tauE must be in [0, 1], got 2.0", () -> d.parse("tauE=2"));
        rejects("expected name=value, got 'tauE'", () -> d.parse("tauE"));
        rejects("tauE: not a number: 'x'", () -> d.parse("tauE=x"));
    }

    private static void rejects(String message, Supplier<DicoParams> build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::get);
        assertEquals(message, e.getMessage());
    }

    @Test
    void validationNamesTheParameter() {
        DicoParams d = DicoParams.defaults();
        rejects("seeds must be >= 1, got 0", () -> d.withSeeds(0));
        rejects("tauE must be in [0, 1], got 1.5", () -> d.withTauE(1.5));
        rejects("tauLow must be in [0, 1], got NaN", () -> d.withTauLow(Double.NaN));
        rejects("tolerance must be >= 0, got -1", () -> d.withTolerance(-1));
        rejects("rGate must be in [0, 1], got -0.1", () -> d.withRGate(-0.1));
        rejects("maxDivideSteps must be >= 1, got 0", () -> d.withMaxDivideSteps(0));
        rejects("alpha must be finite and >= 0, got -1.0", () -> d.withAlpha(-1));
        rejects("beta must be finite and >= 0, got Infinity", () -> d.withBeta(Double.POSITIVE_INFINITY));
        rejects("sigmaFraction must be finite and > 0, got 0.0", () -> d.withSigmaFraction(0));
        rejects("safeConfidence must be in [0, 1], got 2.0", () -> d.withSafeConfidence(2));
        rejects("marginThreshold must be finite and >= 0, got NaN", () -> d.withMarginThreshold(Double.NaN));
        rejects("factor must be finite and >= 0, got -0.5", () -> d.withFactor(-0.5));
        rejects("conquerFallback must be in [0, 1], got 1.1", () -> d.withConquerFallback(1.1));
        rejects("conquerStopMean must be in [0, 1], got -1.0", () -> d.withConquerStopMean(-1));
        rejects("divideGrowth must be finite and >= 0, got -0.1", () -> d.withDivideGrowth(-0.1));
        assertThrows(NullPointerException.class, () -> new DicoPolicy(null));
    }
}
