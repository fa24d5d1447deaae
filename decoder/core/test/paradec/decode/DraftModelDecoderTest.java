package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static paradec.decode.ArRuns.assertSameOutput;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import paradec.generation.GenerationResult;
import paradec.logits.LogitMath;
import paradec.logits.Logits;
import paradec.logits.LogitsView;

/**
 * Draft-model speculation on the fake causal model, with fake causal drafters: lossless whatever the drafter,
 * and the drafter's KV cache follows the accepted text.
 *
 * <p>The "always right" drafter is a second fake model of the target's own language: its greedy token equals the
 * target's only when its KV cache holds exactly the text (a missing or stale cell changes the fake's logits), so
 * every draft of it being accepted is itself a check of the drafter's KV bookkeeping.
 */
class DraftModelDecoderTest {

    /**
     * A drafter over a fake model of the target's language whose greedy token after the token at position p is the
     * language's own unless {@code wrongAfter(p)}: then it is the next token (mod the ordinary tokens).
     */
    static final class SkewedDrafter extends DelegatingCausalModel {
        private final IntPredicate wrongAfter;

        SkewedDrafter(int maxPositions, IntPredicate wrongAfter) {
            super(FakeCausalModel.single(maxPositions));
            this.wrongAfter = wrongAfter;
        }

        /** When > 0, the counters report this many nanoseconds per decoded token instead of the measured time. */
        long nanosPerToken;
        private long calls;
        private long nanos;

        @Override public ModelCounters counters() { return nanosPerToken > 0 ? new ModelCounters(calls, nanos, 0) : inner.counters(); }

        @Override
        public CostCurve costCurve() {
            return nanosPerToken > 0 ? CostCurve.fromPoints(new int[] {1, 64}, new double[] {nanosPerToken, 64.0 * nanosPerToken})
                    : inner.costCurve();
        }

        @Override
        public LogitsView decode(TokenBatch batch) {
            calls++;
            nanos += nanosPerToken * batch.size();
            LogitsView real = inner.decode(batch);
            if (real.rows() == 0) return real; // a chunk of a long text, no logits asked for
            int vocab = inner.vocabSize();
            float[] rows = new float[real.rows() * vocab];
            int row = 0;
            for (int i = 0; i < batch.size(); i++) {
                if (!batch.isOutput(i)) continue;
                int best = LogitMath.argmax(real.row(row), vocab);
                int chosen = wrongAfter.test(batch.position(i)) ? (best + 1) % (vocab - 1) : best;
                rows[row * vocab + chosen] = 5f;
                row++;
            }
            return Logits.of(MemorySegment.ofArray(rows), real.rows(), vocab);
        }
    }

    static final IntPredicate NEVER = p -> false;
    static final IntPredicate ALWAYS = p -> true;
    static final IntPredicate EVERY_OTHER = p -> p % 2 == 1;

    static List<int[]> prompts(FakeCausalModel model) {
        return ArRuns.mixedPrompts(model);
    }

    @Test
    void everyDrafterGivesArGreedyTokens() {
        FakeCausalModel model = FakeCausalModel.single(256);
        for (int[] prompt : prompts(model)) {
            GenerationResult ar = ArRuns.ar(model, prompt, GenerationSettings.greedy(64));
            for (IntPredicate skew : List.of(NEVER, ALWAYS, EVERY_OTHER)) {
                for (int k : new int[] {1, 2, 4, 8}) {
                    SkewedDrafter drafter = new SkewedDrafter(256, skew);
                    GenerationResult r = new DraftModelDecoder(drafter, k).generate(model, prompt, GenerationSettings.greedy(64), null);
                    String label = (skew == NEVER ? "right" : skew == ALWAYS ? "wrong" : "half") + " k " + k;
                    assertSameOutput(ar, r, label);
                    long drafted = r.extra("drafted_tokens", -1);
                    long accepted = r.extra("accepted_guesses", -1);
                    if (skew == NEVER) {
                        // the oracle's drafts are the target's own tokens, as long as its KV cache is the text
                        assertEquals(drafted, accepted, label + ": a drafter of the target's language is always accepted");
                        if (k == 8 && ar.generatedTokens() >= 32) {
                            assertTrue(r.forwardCalls() * 4 < ar.forwardCalls(), label + ": " + r.forwardCalls() + " calls");
                        }
                    }
                    if (skew == ALWAYS) assertEquals(0, accepted, label + ": a wrong draft is never accepted");
                    if (skew == EVERY_OTHER && k > 1 && ar.generatedTokens() >= 8) ArRuns.assertSpeculationPaid(accepted, label);
                    // k drafts take k drafter decodes: one feeding the text it has not seen (prompt included), k - 1 drafts
                    assertEquals(drafted, r.extra("draft_calls", -1L), label + ": one drafter decode per drafted token");
                }
            }
        }
    }

    @Test
    void theDraftersKvCacheHoldsExactlyTheAcceptedTextAfterRejections() {
        FakeCausalModel model = FakeCausalModel.single(256);
        for (int[] prompt : prompts(model)) {
            for (int k : new int[] {2, 3, 8}) {
                SkewedDrafter drafter = new SkewedDrafter(256, EVERY_OTHER);
                GenerationResult r = new DraftModelDecoder(drafter, k).generate(model, prompt, GenerationSettings.greedy(64), null);
                int[] text = new int[prompt.length + r.tokens().length];
                System.arraycopy(prompt, 0, text, 0, prompt.length);
                System.arraycopy(r.tokens(), 0, text, prompt.length, r.tokens().length);
                int stored = drafter.inner.storedCount(0);
                // every cell is the text's token at its position, with no gap (rejected drafts were removed), and the
                // drafter lags the text by at most the last two tokens (the target's last token and a last accepted draft)
                for (int p = 0; p < stored; p++) assertEquals(text[p], drafter.inner.storedToken(0, p), "k " + k + " position " + p);
                assertTrue(stored <= text.length && stored >= text.length - 2, "k " + k + ": " + stored + " cells for " + text.length + " tokens");
            }
        }
    }

    @Test
    void sampledDraftDecodingEqualsSampledAr() {
        FakeCausalModel model = FakeCausalModel.single(256);
        for (SamplingSettings sampling : SampledDecodingTest.SAMPLINGS) {
            GenerationSettings gen = new GenerationSettings(64, sampling, null);
            for (int[] prompt : prompts(model)) {
                GenerationResult reference = ArRuns.ar(model, prompt, gen);
                for (IntPredicate skew : List.of(NEVER, EVERY_OTHER)) {
                    GenerationResult r = new DraftModelDecoder(new SkewedDrafter(256, skew), 4).generate(model, prompt, gen, null);
                    assertSameOutput(reference, r, "sampled " + sampling);
                }
            }
        }
    }

    @Test
    void adaptiveDraftsLongWhenDraftsAreRightAndStopsWhenTheyAreWrong() {
        FakeCausalModel cpuLike = FakeCausalModel.single(256);
        FakeCausalModel gpuLike = FakeCausalModel.builder().maxPositions(256).costCurve(FakeCausalModel.GPU_LIKE).build();
        int checked = 0;
        for (int[] prompt : ArRuns.promptsEndingWith(cpuLike, paradec.generation.StopReason.MAX_TOKENS, 3, 64)) {
            GenerationResult ar = ArRuns.ar(cpuLike, prompt, GenerationSettings.greedy(64));
            GenerationResult right = DraftModelDecoder.adaptive(new SkewedDrafter(256, NEVER), 16)
                    .generate(gpuLike, prompt, GenerationSettings.greedy(64), null);
            GenerationResult wrong = DraftModelDecoder.adaptive(new SkewedDrafter(256, ALWAYS), 16)
                    .generate(cpuLike, prompt, GenerationSettings.greedy(64), null);
            GenerationResult wrongFixed = new DraftModelDecoder(new SkewedDrafter(256, ALWAYS), 16)
                    .generate(cpuLike, prompt, GenerationSettings.greedy(64), null);
            assertSameOutput(ar, right, "adaptive, right drafter");
            assertSameOutput(ar, wrong, "adaptive, wrong drafter");
            // where a wide decode costs what a narrow one does, exact drafts grow long; on the CPU-like curve wrong
            // drafts cost drafting and verification time, and the tuner stops drafting (probes aside)
            assertTrue(right.forwardCalls() * 3 < ar.forwardCalls(), "adaptive on an exact drafter: " + right.forwardCalls() + " calls");
            assertTrue(wrong.extra("drafted_tokens", -1) * 4 < wrongFixed.extra("drafted_tokens", -1),
                    "adaptive drafted " + wrong.extra("drafted_tokens", -1) + " wrong tokens, fixed " + wrongFixed.extra("drafted_tokens", -1));
            checked++;
        }
        assertEquals(3, checked);
    }

    @Test
    void aDrafterWithAShortContextStopsDraftingButNotGenerating() {
        FakeCausalModel model = FakeCausalModel.single(256);
        for (int[] prompt : ArRuns.promptsEndingWith(model, paradec.generation.StopReason.MAX_TOKENS, 2, 64)) {
            GenerationResult ar = ArRuns.ar(model, prompt, GenerationSettings.greedy(64));
            SkewedDrafter shortDrafter = new SkewedDrafter(prompt.length + 20, NEVER);
            GenerationResult r = new DraftModelDecoder(shortDrafter, 4).generate(model, prompt, GenerationSettings.greedy(64), null);
            assertSameOutput(ar, r, "short drafter");
            assertTrue(r.extra("drafted_tokens", -1) > 0 && r.extra("drafted_tokens", -1) <= 20, "drafts only within the drafter's context");
            assertTrue(shortDrafter.inner.storedCount(0) <= prompt.length + 20);
        }
    }

    @Test
    void settingsAndVocabularyAreChecked() {
        FakeCausalModel model = FakeCausalModel.single(64);
        SkewedDrafter d = new SkewedDrafter(64, NEVER);
        assertThrows(IllegalArgumentException.class, () -> new DraftModelDecoder(d, 0));
        assertThrows(IllegalArgumentException.class, () -> new DraftModelDecoder(d, CostCurve.MAX_K));
        assertThrows(NullPointerException.class, () -> new DraftModelDecoder(null, 4));
        FakeCausalModel otherVocab = FakeCausalModel.builder().language(new FakeCausalModel.Language(31, 1234, false)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DraftModelDecoder(otherVocab, 4).generate(model, new int[] {1, 2}, GenerationSettings.greedy(4), null));
        assertTrue(e.getMessage().contains("vocabulary"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new DraftModelDecoder(model, 4).generate(model, new int[] {1, 2}, GenerationSettings.greedy(4), null));
        assertEquals("draft", new DraftModelDecoder(d, 4).name());
    }

    @Test
    void traceStepsShowDraftsAndAcceptance() {
        FakeCausalModel model = FakeCausalModel.single(256);
        int[] prompt = ArRuns.promptsEndingWith(model, paradec.generation.StopReason.MAX_TOKENS, 1, 64).get(0);
        List<paradec.trace.TraceEvent> events = new java.util.ArrayList<>();
        GenerationResult r = new DraftModelDecoder(new SkewedDrafter(256, EVERY_OTHER), 4)
                .generate(model, prompt, GenerationSettings.greedy(64).withTrace(events::add), null);
        long steps = events.stream().filter(e -> e instanceof paradec.trace.ArStep).count();
        assertEquals(r.forwardCalls() - 1, steps, "one step per verification call (the prompt's call has none)");
        int emitted = 1; // the token after the prompt
        for (paradec.trace.TraceEvent e : events) if (e instanceof paradec.trace.ArStep s) emitted += s.emitted().length;
        assertTrue(emitted >= r.generatedTokens(), "the steps emit every output token");
    }

    @Test
    void measuringTheCostCurveIsNotCountedAsTheGenerationsCalls() {
        // a model without a cached curve measures it (dozens of decodes) whenever the adaptive decoder asks for it
        FakeCausalModel measuring = FakeCausalModel.builder().maxPositions(256).costCurve(null).build();
        int[] prompt = ArRuns.promptsEndingWith(measuring, paradec.generation.StopReason.MAX_TOKENS, 1, 64).get(0);
        GenerationResult r = DraftModelDecoder.adaptive(new SkewedDrafter(256, ALWAYS), 8)
                .generate(measuring, prompt, GenerationSettings.greedy(64), null);
        assertTrue(r.forwardCalls() <= r.generatedTokens() + 1, r.forwardCalls() + " calls for " + r.generatedTokens() + " tokens");
    }

    /** A long prompt whose AR run on the model goes to 64 tokens. */
    static int[] longPrompt(FakeCausalModel model) {
        for (long seed = 0; seed < 200; seed++) {
            int[] p = ArRuns.prompt(seed, 150, model.vocabSize());
            if (ArRuns.ar(model, p, GenerationSettings.greedy(64)).stopReason() == paradec.generation.StopReason.MAX_TOKENS) return p;
        }
        throw new AssertionError("no long prompt runs to 64 tokens");
    }

    @Test
    void theTunerWeighsTheDraftersCostPerToken() {
        // the drafter's cost is its cost curve's one-token decode, not a time measured while drafting: the first draft
        // also feeds it the 150-token prompt, and a cold first call can take tens of ms; measured on the fly, either
        // made drafting look dear and the tuner, then at window 1, never measured again (but for a probe every 32 calls)
        FakeCausalModel gpuLike = FakeCausalModel.builder().maxPositions(256).costCurve(FakeCausalModel.GPU_LIKE).build();
        int[] prompt = longPrompt(gpuLike);
        GenerationResult ar = ArRuns.ar(gpuLike, prompt, GenerationSettings.greedy(64));
        // an exact drafter at 1 ms a token for a target at 10 ms a call (flat): drafts pay, long ones
        SkewedDrafter cheap = new SkewedDrafter(256, NEVER);
        cheap.nanosPerToken = 1_000_000;
        GenerationResult r = DraftModelDecoder.adaptive(cheap, 16).generate(gpuLike, prompt, GenerationSettings.greedy(64), null);
        assertSameOutput(ar, r, "cheap drafter");
        assertTrue(r.tokensPerCall() > 4, "an exact, cheap drafter drafts long: " + r.tokensPerCall() + " tokens per call");
        // the same exact drafter at 30 ms a token: a drafted token costs more than the target's whole call, so it stops
        SkewedDrafter dear = new SkewedDrafter(256, NEVER);
        dear.nanosPerToken = 30_000_000;
        GenerationResult d = DraftModelDecoder.adaptive(dear, 16).generate(gpuLike, prompt, GenerationSettings.greedy(64), null);
        assertSameOutput(ar, d, "dear drafter");
        assertTrue(d.extra("drafted_tokens", -1) < 16, "a drafter dearer than the target drafted " + d.extra("drafted_tokens", -1) + " tokens");
    }
}
