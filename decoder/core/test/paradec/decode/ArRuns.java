package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import paradec.generation.GenerationResult;
import paradec.generation.StopReason;

/** Prompts and AR reference runs shared by the AR family's tests on {@link FakeCausalModel}. */
final class ArRuns {
    private ArRuns() {}

    /** A seeded prompt of ordinary tokens (never end-of-generation). */
    static int[] prompt(long seed, int length, int vocab) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] p = new int[length];
        for (int i = 0; i < length; i++) p[i] = random.nextInt(vocab - 1);
        return p;
    }

    /**
     * The first {@code count} seeded prompts (seeds 0, 1, ...) whose greedy AR run of
     * {@code maxNew} tokens ends for {@code reason}; fails when the language offers too few.
     */
    static List<int[]> promptsEndingWith(FakeCausalModel model, StopReason reason, int count, int maxNew) {
        List<int[]> found = new ArrayList<>();
        for (long seed = 0; seed < 500 && found.size() < count; seed++) {
            int[] p = prompt(seed, 5 + (int) (seed % 4), model.vocabSize());
            if (ar(model, p, GenerationSettings.greedy(maxNew)).stopReason() == reason) found.add(p);
        }
        assertEquals(count, found.size(), "prompts whose AR run ends with " + reason);
        return found;
    }

    /** Two prompts that reach end-of-generation within 64 tokens and two that run to 64. */
    static List<int[]> mixedPrompts(FakeCausalModel model) {
        List<int[]> prompts = new ArrayList<>(promptsEndingWith(model, StopReason.END_OF_GENERATION, 2, 64));
        prompts.addAll(promptsEndingWith(model, StopReason.MAX_TOKENS, 2, 64));
        return prompts;
    }

    static GenerationResult ar(CausalModel model, int[] prompt, GenerationSettings settings) {
        return new ArDecoder().generate(model, prompt, settings, null);
    }

    /** Same tokens and the same stop reason as the reference. */
    static void assertSameOutput(GenerationResult expected, GenerationResult actual, String label) {
        assertArrayEquals(expected.tokens(), actual.tokens(), label);
        assertEquals(expected.stopReason(), actual.stopReason(), label);
    }

    /** The run made fewer forward calls than one per token: some guesses were accepted. */
    static void assertSpeculationPaid(long acceptedGuesses, String label) {
        assertTrue(acceptedGuesses > 0, label + ": no guess was ever accepted, the test would prove little");
    }

    /** Tokens per call and the widest window of lookup-initialised auto Jacobi over six seeds. */
    record LookupJacobi(double tokensPerCall, long widestWindow) {}

    /**
     * Lookup-initialised auto Jacobi on the fake language (which settles into loops) over seeds 1-6, under a cost
     * curve; asserts every run's tokens equal AR's.
     */
    static LookupJacobi lookupJacobi(CostCurve curve, int maxNew) {
        long tokens = 0, calls = 0, widest = 0;
        for (long seed = 1; seed <= 6; seed++) {
            FakeCausalModel model = FakeCausalModel.builder().maxPositions(1024).maxBatch(64).costCurve(curve).build();
            int[] prompt = prompt(seed, 6, model.vocabSize());
            GenerationSettings greedy = GenerationSettings.greedy(maxNew);
            int[] reference = ar(model, prompt, greedy).tokens();
            GenerationResult r = new JacobiDecoder(new JacobiSettings(JacobiSettings.AUTO, GuessInit.LOOKUP, 3, null, 1))
                    .generate(model, prompt, greedy, null);
            assertArrayEquals(reference, r.tokens(), "seed " + seed);
            tokens += r.generatedTokens();
            calls += r.forwardCalls();
            widest = Math.max(widest, r.extra("window", 0));
        }
        return new LookupJacobi((double) tokens / calls, widest);
    }
}
