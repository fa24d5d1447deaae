package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static paradec.decode.ArRuns.ar;
import static paradec.decode.ArRuns.assertSameOutput;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import paradec.generation.GenerationResult;
import paradec.generation.StopReason;
import paradec.trace.ArStep;
import paradec.trace.TraceEvent;

/** Greedy Jacobi decoding equals AR greedy decoding on the fake model, at every window and initialiser. */
class JacobiEquivalenceTest {
    static final int[] MAX_LENGTHS = {1, 2, 17, 64};

    private static GenerationResult jacobi(CausalModel model, int window, GuessInit init, int[] prompt, GenerationSettings gen) {
        return new JacobiDecoder(JacobiSettings.fixed(window, init)).generate(model, prompt, gen, null);
    }

    /** Every window 1..16 and AUTO, every initialiser, prompts that stop at EOS and at the limit. */
    private static void assertEqualsArEverywhere(FakeCausalModel model, List<int[]> prompts, int[] maxLengths) {
        long accepted = 0;
        for (int[] prompt : prompts) {
            for (int maxNew : maxLengths) {
                GenerationSettings gen = GenerationSettings.greedy(maxNew);
                GenerationResult reference = ar(model, prompt, gen);
                for (int window = JacobiSettings.AUTO; window <= 16; window++) {
                    for (GuessInit init : GuessInit.values()) {
                        GenerationResult r = jacobi(model, window, init, prompt, gen);
                        String label = "window " + window + " " + init + " max " + maxNew + " prompt " + java.util.Arrays.toString(prompt);
                        assertSameOutput(reference, r, label);
                        accepted += r.extra("accepted_guesses", 0);
                    }
                }
            }
        }
        ArRuns.assertSpeculationPaid(accepted, "jacobi");
    }

    @Test
    void greedyEqualsArAtEveryWindowAndInitialiser() {
        FakeCausalModel model = FakeCausalModel.single(256);
        assertEqualsArEverywhere(model, ArRuns.mixedPrompts(model), MAX_LENGTHS);
    }

    @Test
    void autoWindowOnAGpuLikeCurveEqualsAr() {
        // a flat curve makes the tuner pick wide windows, so AUTO runs differently than on the CPU curve
        FakeCausalModel model = FakeCausalModel.builder().costCurve(FakeCausalModel.GPU_LIKE).build();
        for (int[] prompt : ArRuns.mixedPrompts(model)) {
            GenerationSettings gen = GenerationSettings.greedy(64);
            GenerationResult r = jacobi(model, JacobiSettings.AUTO, GuessInit.LOOKUP, prompt, gen);
            assertSameOutput(ar(model, prompt, gen), r, "auto on the GPU-like curve");
            assertTrue(r.extra("window", 0) > 1, "a flat cost curve makes windows > 1 worth it: " + r.extras());
        }
    }

    @Test
    void nearTiesDoNotBreakEquivalence() {
        // exact ties go to the lowest id everywhere; one-ulp gaps must be read identically in every row
        FakeCausalModel model = FakeCausalModel.builder().language(new FakeCausalModel.Language(32, 99, true)).build();
        assertEqualsArEverywhere(model, ArRuns.mixedPrompts(model), new int[] {64});
    }

    @Test
    void endOfGenerationInsideAWideWindow() {
        FakeCausalModel model = FakeCausalModel.single(256);
        for (int[] prompt : ArRuns.promptsEndingWith(model, StopReason.END_OF_GENERATION, 3, 64)) {
            GenerationSettings gen = GenerationSettings.greedy(64);
            List<TraceEvent> trace = new ArrayList<>();
            GenerationResult r = new JacobiDecoder(JacobiSettings.fixed(16, GuessInit.LOOKUP))
                    .generate(model, prompt, gen.withTrace(trace::add), null);
            assertSameOutput(ar(model, prompt, gen), r, "EOS with window 16");
            ArStep last = (ArStep) trace.getLast();
            assertTrue(last.window().length > 1, "the last call speculated past the token before EOS: " + last);
            int[] emitted = last.emitted();
            assertTrue(java.util.Arrays.stream(emitted).anyMatch(model::isEndOfGeneration), "the last call found EOS: " + last);
        }
    }

    @Test
    void contextEndStopsWhereArStops() {
        int maxPositions = 24;
        FakeCausalModel model = FakeCausalModel.single(maxPositions);
        List<int[]> prompts = List.of(ArRuns.prompt(3, 6, 32), ArRuns.prompt(4, 6, 32), ArRuns.prompt(5, 20, 32));
        for (int[] prompt : prompts) {
            GenerationResult reference = ar(model, prompt, GenerationSettings.greedy(64));
            if (reference.stopReason() == StopReason.CONTEXT_FULL) {
                // the last prompt token sits at maxPositions - 1 after all the others: one token per free position + 1
                assertEquals(maxPositions - prompt.length + 1, reference.tokens().length);
            }
            int room = maxPositions - prompt.length + 1;
            // limits below, at and above what the context allows
            assertEqualsArEverywhere(model, List.of(prompt), new int[] {room - 1, room, room + 1, 64});
        }
        assertEquals(StopReason.CONTEXT_FULL, ar(model, prompts.get(2), GenerationSettings.greedy(64)).stopReason());
    }

    @Test
    void windowLargerThanTheBatch() {
        // a 4-token batch: windows above 4 are cut to 4, and the 10-token prompt takes three calls
        FakeCausalModel model = FakeCausalModel.builder().maxBatch(4).build();
        List<int[]> prompts = List.of(ArRuns.prompt(11, 10, 32), ArRuns.prompt(12, 10, 32));
        assertEqualsArEverywhere(model, prompts, new int[] {17, 64});
    }

    @Test
    void promptThatFillsTheContextIsRejected() {
        FakeCausalModel model = FakeCausalModel.single(8);
        int[] prompt = ArRuns.prompt(1, 8, 32);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> jacobi(model, 4, GuessInit.LOOKUP, prompt, GenerationSettings.greedy(4)));
        assertTrue(e.getMessage().contains("no room"), e.getMessage());
        assertEquals(0, model.counters().forwardCalls(), "rejected before any decode");
    }
}
