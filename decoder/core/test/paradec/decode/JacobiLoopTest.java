package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Jacobi's auto window once greedy text has fallen into a loop (as the small code models' outputs do): the lookup
 * windows' acceptance estimate climbs and the window opens to the long drafts llama-server's ngram-mod makes (up
 * to 64 tokens), on the cost curve measured on the 2-core development machine (a 16-token decode costs 3.4
 * one-token ones). Measured: 21.6 tokens per call, widest window 61.
 */
class JacobiLoopTest {
    static final CostCurve MEASURED_CPU = CostCurve.fromPoints(new int[] {1, 16, 64}, new double[] {1.0e6, 3.4e6, 12e6});

    @Test
    void loopsAreDraftedInLongWindowsAndTheTokensStayAr() {
        ArRuns.LookupJacobi run = ArRuns.lookupJacobi(MEASURED_CPU, 600);
        long widest = run.widestWindow();
        double rate = run.tokensPerCall();
        assertTrue(widest >= 32, "widest window " + widest);
        assertTrue(rate > 8, "tokens per call " + rate);
    }
}
