package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import paradec.generation.GenerationResult;

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
        long tokens = 0, calls = 0;
        int widest = 0;
        for (long seed = 1; seed <= 6; seed++) {
            FakeCausalModel model = FakeCausalModel.builder().maxPositions(1024).maxBatch(64).costCurve(MEASURED_CPU).build();
            int[] prompt = ArRuns.prompt(seed, 6, model.vocabSize());
            GenerationSettings greedy = GenerationSettings.greedy(600);
            int[] reference = new ArDecoder().generate(model, prompt, greedy, null).tokens();
            GenerationResult jacobi = new JacobiDecoder(new JacobiSettings(JacobiSettings.AUTO, GuessInit.LOOKUP, 3, null, 1))
                    .generate(model, prompt, greedy, null);
            assertArrayEquals(reference, jacobi.tokens(), "seed " + seed);
            tokens += jacobi.generatedTokens();
            calls += jacobi.forwardCalls();
            widest = (int) Math.max(widest, jacobi.extra("window", 0));
        }
        double rate = (double) tokens / calls;
        assertTrue(widest >= 32, "widest window " + widest);
        assertTrue(rate > 8, "tokens per call " + rate);
    }
}
