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
}
