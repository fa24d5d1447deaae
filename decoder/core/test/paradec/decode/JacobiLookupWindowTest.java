package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import paradec.generation.GenerationResult;

/**
 * Jacobi's auto window on repeating text: windows backed by a lookup match (their own acceptance estimate, the
 * draft continued past the history's end) open where blind guesses stay small, and the tokens stay AR's.
 */
class JacobiLookupWindowTest {
    /** code-ar's curve on this project's 2-core EPYC at 2 threads (docs/bench-ar.md, stop 29), relative to k = 1. */
    static final CostCurve MEASURED = CostCurve.fromPoints(new int[] {1, 2, 4, 8, 16, 32, 64},
            new double[] {1e6, 1.16e6, 1.84e6, 3.4e6, 6.8e6, 8.9e6, 13e6});

    @Test
    void lookupBackedWindowsAcceptMoreTokensPerCallThanBlindOnesOnRepeatingText() {
        long lookupTokens = 0, lookupCalls = 0, blindTokens = 0, blindCalls = 0;
        for (long seed = 1; seed <= 6; seed++) {
            // the fake language continues short cyclic "phrases" three contexts in four: repeating text
            FakeCausalModel model = FakeCausalModel.builder().maxPositions(512).maxBatch(64).build();
            int[] prompt = ArRuns.prompt(seed, 6, model.vocabSize());
            GenerationSettings greedy = GenerationSettings.greedy(200);
            int[] reference = new ArDecoder().generate(model, prompt, greedy, null).tokens();
            GenerationResult lookup = new JacobiDecoder(new JacobiSettings(JacobiSettings.AUTO, GuessInit.LOOKUP, 3, null, 1))
                    .generate(model, prompt, greedy, null);
            GenerationResult blind = new JacobiDecoder(new JacobiSettings(JacobiSettings.AUTO, GuessInit.REPEAT, 3, null, 1))
                    .generate(model, prompt, greedy, null);
            assertArrayEquals(reference, lookup.tokens(), "seed " + seed);
            assertArrayEquals(reference, blind.tokens(), "seed " + seed);
            lookupTokens += lookup.generatedTokens();
            lookupCalls += lookup.forwardCalls();
            blindTokens += blind.generatedTokens();
            blindCalls += blind.forwardCalls();
        }
        double lookupRate = (double) lookupTokens / lookupCalls, blindRate = (double) blindTokens / blindCalls;
        // 2.99 vs 1.0 here; before lookup windows learnt apart and drafts continued the period, 1.30 vs 1.0
        assertTrue(lookupRate > 2 * blindRate, "tokens per call: lookup " + lookupRate + ", blind " + blindRate);
    }

    @Test
    void textThatCopiesItselfOpensWindowsOfTensOfTokens() {
        // the fake language's greedy text settles into a cycle: once the context has repeated for LONG_REPEAT tokens
        // the copy tuner (optimistic, learnt apart from the plain lookup matches, which fail more often) opens the
        // window sooner and keeps it open
        ArRuns.LookupJacobi run = ArRuns.lookupJacobi(MEASURED, 300);
        long widest = run.widestWindow();
        double rate = run.tokensPerCall();
        assertTrue(widest > 32, "widest window " + widest);
        // deterministic: 16.8 tokens a call (107 calls) with the copy tuner, 14.3 (126) with copies and plain lookup
        // matches learnt together
        assertTrue(rate > 15.5, "tokens per call " + rate);
    }
}
