package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import paradec.diffusion.DenoisingModel;
import paradec.generation.GenerationResult;
import paradec.logits.Logits;
import paradec.logits.LogitsView;

/** SpecDiff on the fake causal model with hand-made diffusion drafters: lossless whatever the draft. */
class SpecDiffDecoderTest {
    /** The fake language's end-of-generation token: never in a prompt or an output. */
    static final int MASK = 31;
    /** An ordinary token as the mask: outputs hold it, and the drafter's context is cut after it. */
    static final int MASK_IN_TEXT = 30;

    static DenoisingModel drafter(int vocab, java.util.function.IntUnaryOperator choose) {
        return drafter(vocab, MASK, choose);
    }

    /** A drafter whose logits peak where {@code choose(position)} says. */
    static DenoisingModel drafter(int vocab, int mask, java.util.function.IntUnaryOperator choose) {
        return new DenoisingModel() {
            @Override public int vocabSize() { return vocab; }
            @Override public int maskToken() { return mask; }
            @Override public int maxSequenceLength() { return 256; }

            @Override
            public LogitsView forward(int[] tokens, int from, int to) {
                float[] all = new float[tokens.length * vocab];
                for (int p = from; p < to; p++) all[p * vocab + Math.floorMod(choose.applyAsInt(p), vocab)] = 5f;
                return Logits.of(java.lang.foreign.MemorySegment.ofArray(all), tokens.length, vocab);
            }
        };
    }

    /** One seed's setting: the fake model, a prompt without the mask token, AR's greedy run and where AR goes at each position. */
    record Setting(FakeCausalModel model, int[] prompt, GenerationResult ar, java.util.function.IntUnaryOperator reference) {
        static Setting of(long seed) {
            FakeCausalModel model = FakeCausalModel.single(256);
            int[] prompt = Arrays.stream(ArRuns.prompt(seed, 5, model.vocabSize())).map(t -> t == MASK_IN_TEXT ? 1 : t).toArray();
            GenerationResult ar = new ArDecoder().generate(model, prompt, GenerationSettings.greedy(60), null);
            int[] tokens = ar.tokens();
            return new Setting(model, prompt, ar,
                    p -> p - prompt.length >= 0 && p - prompt.length < tokens.length ? tokens[p - prompt.length] : 0);
        }
    }

    @Test
    void everyDraftGivesArGreedyTokens() {
        for (long seed = 1; seed <= 4; seed++) {
            Setting setting = Setting.of(seed);
            FakeCausalModel model = setting.model();
            int vocab = model.vocabSize();
            int[] prompt = setting.prompt();
            GenerationResult ar = setting.ar();
            int[] reference = ar.tokens();
            // an oracle that drafts AR's own continuation, a drafter that is always wrong, one in between
            // (positions shift when the drafter's context is cut at its mask token in the output: then the
            // oracle guesses wrong, which costs calls, never tokens)
            java.util.function.IntUnaryOperator ref = setting.reference();
            DenoisingModel oracle = drafter(vocab, ref);
            DenoisingModel wrong = drafter(vocab, p -> ref.applyAsInt(p) + 1);
            DenoisingModel mixed = drafter(vocab, MASK_IN_TEXT, p -> p % 3 == 0 ? 7 : ref.applyAsInt(p));
            for (DenoisingModel d : new DenoisingModel[] {oracle, wrong, mixed}) {
                for (int k : new int[] {1, 4, 8}) {
                    GenerationResult r = new SpecDiffDecoder(d, k, Math.min(2, k)).generate(model, prompt, GenerationSettings.greedy(60), null);
                    assertArrayEquals(reference, r.tokens(), "seed " + seed + " k " + k);
                    assertEquals(ar.stopReason(), r.stopReason());
                    if (d == oracle && k == 8 && reference.length >= 24) {
                        assertTrue(r.forwardCalls() < ar.forwardCalls() / 3, "an exact draft is accepted: " + r.forwardCalls());
                        assertTrue(r.extra("accepted_guesses", 0) >= reference.length / 2);
                    }
                    if (d == wrong) {
                        assertEquals(0, r.extra("accepted_guesses", -1), "a wrong draft is never accepted");
                    }
                }
            }
        }
    }

    @Test
    void adaptiveDraftsLongWhenDraftsAreRightAndStopDraftingWhenTheyAreWrong() {
        int checked = 0;
        for (long seed = 1; seed <= 4; seed++) {
            Setting setting = Setting.of(seed);
            FakeCausalModel model = setting.model();
            int vocab = model.vocabSize();
            int[] prompt = setting.prompt();
            GenerationResult ar = setting.ar();
            int[] reference = ar.tokens();
            java.util.function.IntUnaryOperator ref = setting.reference();
            DenoisingModel oracle = drafter(vocab, ref);
            DenoisingModel wrong = drafter(vocab, p -> ref.applyAsInt(p) + 1);
            // where a wide decode costs what a narrow one does (GPU-like), exact drafts pay; on the CPU-like curve
            // (cost linear in width) wrong drafts cost verification time and must stop
            FakeCausalModel gpuLike = FakeCausalModel.builder().maxPositions(256).costCurve(FakeCausalModel.GPU_LIKE).build();
            GenerationResult right = SpecDiffDecoder.adaptive(oracle, 8, 1).generate(gpuLike, prompt, GenerationSettings.greedy(60), null);
            GenerationResult bad = SpecDiffDecoder.adaptive(wrong, 8, 1).generate(model, prompt, GenerationSettings.greedy(60), null);
            GenerationResult badFixed = new SpecDiffDecoder(wrong, 8, 1).generate(model, prompt, GenerationSettings.greedy(60), null);
            assertArrayEquals(reference, right.tokens(), "seed " + seed);
            assertArrayEquals(reference, bad.tokens(), "seed " + seed);
            if (reference.length < 24) continue;
            checked++;
            // right drafts: long windows, few calls; wrong ones: the tuner stops drafting (probes aside)
            assertTrue(right.forwardCalls() < ar.forwardCalls() / 2, "adaptive on an exact drafter: " + right.forwardCalls() + " calls");
            assertTrue(bad.extra("drafted_tokens", -1) < badFixed.extra("drafted_tokens", -1) / 3,
                    "adaptive drafted " + bad.extra("drafted_tokens", -1) + " wrong tokens, fixed " + badFixed.extra("drafted_tokens", -1));
        }
        assertTrue(checked > 0, "no seed gave a long output");
    }

    @Test
    void theOracleIsTestedOnALongOutput() {
        int longest = 0;
        for (long seed = 1; seed <= 4; seed++) {
            FakeCausalModel model = FakeCausalModel.single(256);
            int[] prompt = Arrays.stream(ArRuns.prompt(seed, 5, model.vocabSize())).map(t -> t == MASK ? 1 : t).toArray();
            longest = Math.max(longest, new ArDecoder().generate(model, prompt, GenerationSettings.greedy(60), null).generatedTokens());
        }
        assertTrue(longest >= 24, "some seed must give a long output for the acceptance check, longest " + longest);
    }

    @Test
    void settingsAndVocabularyAreChecked() {
        FakeCausalModel model = FakeCausalModel.single(64);
        DenoisingModel d = drafter(model.vocabSize(), p -> 0);
        assertThrows(IllegalArgumentException.class, () -> new SpecDiffDecoder(d, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new SpecDiffDecoder(d, 4, 5));
        DenoisingModel otherVocab = drafter(model.vocabSize() - 1, MASK_IN_TEXT, p -> 0);
        assertThrows(IllegalArgumentException.class,
                () -> new SpecDiffDecoder(otherVocab, 4, 2).generate(model, new int[] {1, 2}, GenerationSettings.greedy(4), null));
    }

    @Test
    void measuringTheCostCurveIsNotCountedAsTheGenerationsCalls() {
        // a model without a cached curve measures it (dozens of decodes) whenever the adaptive decoder asks for it
        FakeCausalModel measuring = FakeCausalModel.builder().maxPositions(256).costCurve(null).build();
        int[] prompt = {1, 2, 3, 4, 5};
        GenerationResult r = SpecDiffDecoder.adaptive(drafter(measuring.vocabSize(), p -> 0), 8, 1)
                .generate(measuring, prompt, GenerationSettings.greedy(32), null);
        assertTrue(r.forwardCalls() <= r.generatedTokens() + 1, r.forwardCalls() + " calls for " + r.generatedTokens() + " tokens");
    }
}
