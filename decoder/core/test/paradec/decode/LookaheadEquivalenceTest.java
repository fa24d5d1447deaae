package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static paradec.decode.ArRuns.ar;
import static paradec.decode.ArRuns.assertSameOutput;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import paradec.generation.GenerationResult;
import paradec.generation.StopReason;

/** Greedy lookahead decoding equals AR greedy decoding on a unified fake model, for many (W, N, G). */
class LookaheadEquivalenceTest {
    /** (W, N, G): small and wide branches, long n-grams, no candidates (G = 0), AUTO (W = 0). */
    static final List<LookaheadSettings> CONFIGS = List.of(
            new LookaheadSettings(1, 2, 1),
            new LookaheadSettings(3, 3, 2),
            new LookaheadSettings(5, 4, 4),
            new LookaheadSettings(8, 4, 4),
            new LookaheadSettings(4, 5, 8),
            new LookaheadSettings(8, 8, 4),
            new LookaheadSettings(16, 2, 16),
            new LookaheadSettings(4, 3, 0),
            new LookaheadSettings(LookaheadSettings.AUTO, 4, 4),
            new LookaheadSettings(LookaheadSettings.AUTO, 3, 0));

    private static GenerationResult lookahead(CausalModel model, LookaheadSettings settings, int[] prompt, GenerationSettings gen) {
        return new LookaheadDecoder(settings).generate(model, prompt, gen, null);
    }

    private static void assertEqualsAr(FakeCausalModel model, List<int[]> prompts, int[] maxLengths) {
        long accepted = 0;
        for (int[] prompt : prompts) {
            for (int maxNew : maxLengths) {
                GenerationSettings gen = GenerationSettings.greedy(maxNew);
                GenerationResult reference = ar(model, prompt, gen);
                for (LookaheadSettings settings : CONFIGS) {
                    GenerationResult r = lookahead(model, settings, prompt, gen);
                    assertSameOutput(reference, r, settings + " max " + maxNew + " prompt " + Arrays.toString(prompt));
                    accepted += r.extra("accepted_guesses", 0);
                }
            }
        }
        ArRuns.assertSpeculationPaid(accepted, "lookahead");
    }

    @Test
    void greedyEqualsArOnACpuLikeCurve() {
        // auto mode on a linear curve switches the branch off (W = 0) and keeps the n-gram pool
        FakeCausalModel model = FakeCausalModel.unified(256);
        assertEqualsAr(model, ArRuns.mixedPrompts(model), new int[] {1, 2, 17, 64});
    }

    @Test
    void greedyEqualsArOnAGpuLikeCurve() {
        // auto mode on a flat curve runs a wide branch
        FakeCausalModel model = FakeCausalModel.builder().maxSequences(48).unified(true).maxBatch(128)
                .costCurve(FakeCausalModel.GPU_LIKE).build();
        assertEqualsAr(model, ArRuns.mixedPrompts(model), new int[] {64});
        GenerationResult auto = lookahead(model, new LookaheadSettings(LookaheadSettings.AUTO, 4, 4), ArRuns.prompt(1, 6, 32),
                GenerationSettings.greedy(8));
        assertEquals(8L, auto.extra("window", -1), "auto W on the GPU-like curve is the largest allowed");
    }

    @Test
    void greedyEqualsArWithNearTies() {
        FakeCausalModel model = FakeCausalModel.builder().language(new FakeCausalModel.Language(32, 99, true))
                .maxSequences(48).unified(true).maxBatch(128).build();
        assertEqualsAr(model, ArRuns.mixedPrompts(model), new int[] {64});
    }

    @Test
    void contextEndStopsWhereArStops() {
        // the unified cache has exactly maxPositions cells, so near the end the branch and candidates must shrink
        int maxPositions = 40;
        FakeCausalModel model = FakeCausalModel.unified(maxPositions);
        for (int[] prompt : List.of(ArRuns.prompt(3, 6, 32), ArRuns.prompt(4, 6, 32), ArRuns.prompt(5, 30, 32))) {
            int room = maxPositions - prompt.length + 1;
            assertEqualsAr(model, List.of(prompt), new int[] {room - 1, room, room + 1, 64});
            assertEquals(StopReason.CONTEXT_FULL, ar(model, prompt, GenerationSettings.greedy(64)).stopReason());
        }
    }

    @Test
    void aNonUnifiedModelIsRejectedBeforeAnyDecode() {
        FakeCausalModel model = FakeCausalModel.builder().maxSequences(48).unified(false).maxBatch(128).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> lookahead(model, new LookaheadSettings(4, 3, 2), ArRuns.prompt(1, 6, 32), GenerationSettings.greedy(8)));
        assertTrue(e.getMessage().contains("unified"), e.getMessage());
        assertEquals(0, model.counters().forwardCalls());
    }

    @Test
    void tooFewSequencesOrTooSmallABatchAreRejectedBeforeAnyDecode() {
        FakeCausalModel fewSequences = FakeCausalModel.builder().maxSequences(4).unified(true).maxBatch(128).build();
        assertThrows(IllegalArgumentException.class, () -> lookahead(fewSequences, new LookaheadSettings(4, 3, 2),
                ArRuns.prompt(1, 6, 32), GenerationSettings.greedy(8)));
        assertEquals(0, fewSequences.counters().forwardCalls());

        FakeCausalModel smallBatch = FakeCausalModel.builder().maxSequences(48).unified(true).maxBatch(8).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lookahead(smallBatch,
                new LookaheadSettings(4, 3, 2), ArRuns.prompt(1, 6, 32), GenerationSettings.greedy(8)));
        assertTrue(e.getMessage().contains("batch"), e.getMessage());
        assertEquals(0, smallBatch.counters().forwardCalls());
    }
}
