package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import paradec.engine.LlamaCausalModel;
import paradec.generation.GenerationResult;
import paradec.generation.StopReason;
import paradec.llama.Context;
import paradec.llama.ContextParams;
import paradec.llama.Model;
import paradec.testing.TestModels;

/**
 * Every parallel decoder must reproduce plain AR greedy decoding token for token: Jacobi at every
 * fixed window and initialiser and in auto mode, lookahead at fixed (W, N, G) and in auto mode, on
 * several synthesized models and prompts, plus the stop edge cases (EOS, context end, 1 token).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DecoderEquivalenceTest {
    static final int N_NEW = 64;
    static final int N_CTX = 256;
    static final int LOOKAHEAD_SEQS = 16;
    static final List<String> PROMPTS = List.of(
            "Hello world, this is a test of",
            "def add(a, b):\n    return a + b\n\ndef",
            "the cat the cat the cat the");

    record Fixture(String name, Model model, LlamaCausalModel jacobiCtx, LlamaCausalModel lookaheadCtx, List<int[]> prompts, List<int[]> ar) {}

    final List<Fixture> fixtures = new ArrayList<>();

    @BeforeAll
    void setUp() throws IOException {
        add("gen512", TestModels.generated(2, 64, 4, 512, 21));
        add("spm", TestModels.withVocab("llama-spm", 22));
        add("gen1024", TestModels.generated(3, 96, 6, 1024, 23));
    }

    private void add(String name, Path path) throws IOException {
        Model m = Model.load(path);
        LlamaCausalModel j = new LlamaCausalModel(m, new ContextParams(N_CTX, 64, 64, 1, 1, false));
        LlamaCausalModel l = new LlamaCausalModel(m, new ContextParams(N_CTX, 64, 64, LOOKAHEAD_SEQS, 1, true));
        List<int[]> prompts = new ArrayList<>();
        List<int[]> ar = new ArrayList<>();
        for (String p : PROMPTS) {
            int[] tokens = m.vocab().tokenize(p, true, false);
            prompts.add(tokens);
            GenerationResult r = new ArDecoder().generate(j, tokens, GenerationSettings.greedy(N_NEW), null);
            assertEquals(StopReason.MAX_TOKENS, r.stopReason(), "reference run of " + name + " must not stop early");
            assertEquals(N_NEW, r.tokens().length);
            // the same AR run on the unified multi-sequence context: both contexts compute the same model
            assertArrayEquals(r.tokens(), new ArDecoder().generate(l, tokens, GenerationSettings.greedy(N_NEW), null).tokens());
            ar.add(r.tokens());
        }
        fixtures.add(new Fixture(name, m, j, l, prompts, ar));
    }


    /** Divergences from AR accepted as float-noise ties, reported at the end of the class. */
    static final List<String> TIES = new ArrayList<>();
    /** Two logits closer than this are a tie that batch shape alone may flip (F16 weights and KV). */
    static final float TIE_EPS = 1e-3f;

    /**
     * Exact equality with the AR reference, except for one documented case: the first divergence is
     * allowed only where AR's own logits hold a near-tie (the decoder's token within {@link #TIE_EPS}
     * of AR's). The same tokens evaluated in a different batch shape (a lookahead step of 11 rows vs
     * one AR row) can differ in the last bits, which flips such a tie; seen on the llama-spm model,
     * prompt 0, index 24 with lookahead W=4 N=3 G=2 (logits 0.652663 vs 0.652476). Everything before
     * the divergence must match, and the tie itself is verified, so this cannot hide a real bug.
     */
    void assertSameAsAr(Fixture f, int promptIndex, int[] actual, String label) {
        int[] expected = f.ar().get(promptIndex);
        if (Arrays.equals(expected, Arrays.copyOf(actual, expected.length)) && actual.length == expected.length) return;
        int d = 0;
        while (d < Math.min(expected.length, actual.length) && expected[d] == actual[d]) d++;
        assertTrue(d < expected.length && d < actual.length, label + ": outputs differ in length only");
        int[] prompt = f.prompts().get(promptIndex);
        int[] forced = Arrays.copyOf(prompt, prompt.length + d);
        System.arraycopy(expected, 0, forced, prompt.length, d);
        Context ctx = f.jacobiCtx().context();
        ctx.clearMemory();
        float[] row;
        try (paradec.llama.Batch b = ctx.newBatch(ctx.batchSize())) {
            for (int start = 0; start < forced.length; start += b.capacity()) {
                b.clear();
                for (int k = start; k < Math.min(forced.length, start + b.capacity()); k++) b.add(forced[k], k, k == forced.length - 1, 0);
                ctx.decode(b);
            }
            row = ctx.logits(b.size() - 1).toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
        }
        float gap = Math.abs(row[expected[d]] - row[actual[d]]);
        String what = label + " on " + f.name() + " prompt " + promptIndex + ": first divergence at " + d + ", AR " + expected[d]
                + " (" + row[expected[d]] + ") vs " + actual[d] + " (" + row[actual[d]] + ")";
        assertTrue(gap < TIE_EPS, "not a tie: " + what);
        synchronized (TIES) {
            TIES.add(what);
        }
    }

    @AfterAll
    void reportTies() {
        TIES.forEach(t -> System.out.println("DecoderEquivalenceTest: accepted float-noise tie: " + t));
        assertTrue(TIES.size() <= 3, "too many tie divergences to be noise: " + TIES);
    }

    @AfterAll
    void tearDown() {
        for (Fixture f : fixtures) f.model().close();
    }

    record Config(String label, Supplier<Decoder> decoder, boolean lookahead) {}

    static List<Config> configs() {
        List<Config> c = new ArrayList<>();
        for (int w : new int[] {1, 2, 4, 8, 16}) {
            for (GuessInit init : GuessInit.values()) {
                c.add(new Config("jacobi w=" + w + " " + init, () -> new JacobiDecoder(new JacobiSettings(w, init, 3, null, 7)), false));
            }
        }
        c.add(new Config("jacobi auto", () -> new JacobiDecoder(JacobiSettings.defaults()), false));
        for (int[] wng : new int[][] {{4, 3, 2}, {8, 4, 4}, {2, 2, 1}, {3, 5, 0}}) {
            c.add(new Config("lookahead W=" + wng[0] + " N=" + wng[1] + " G=" + wng[2],
                    () -> new LookaheadDecoder(new LookaheadSettings(wng[0], wng[1], wng[2])), true));
        }
        c.add(new Config("lookahead auto", () -> new LookaheadDecoder(LookaheadSettings.defaults()), true));
        return c;
    }

    @TestFactory
    List<DynamicTest> greedyOutputEqualsAr() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Fixture f : fixtures) {
            for (Config c : configs()) {
                tests.add(dynamicTest(f.name() + " " + c.label(), () -> {
                    LlamaCausalModel ctx = c.lookahead() ? f.lookaheadCtx() : f.jacobiCtx();
                    for (int i = 0; i < f.prompts().size(); i++) {
                        GenerationResult r = c.decoder().get().generate(ctx, f.prompts().get(i), GenerationSettings.greedy(N_NEW), null);
                        assertSameAsAr(f, i, r.tokens(), c.label());
                        assertEquals(StopReason.MAX_TOKENS, r.stopReason());
                        assertTrue(r.forwardCalls() >= 1 && r.forwardCalls() <= N_NEW, "forward calls " + r.forwardCalls());
                    }
                }));
            }
        }
        return tests;
    }

    @Test
    void windowOneIsArWithTheSameNumberOfCalls() {
        for (Fixture f : fixtures) {
            for (int[] prompt : f.prompts()) {
                GenerationResult ar = new ArDecoder().generate(f.jacobiCtx(), prompt, GenerationSettings.greedy(40), null);
                GenerationResult j = new JacobiDecoder(JacobiSettings.fixed(1, GuessInit.LOOKUP))
                        .generate(f.jacobiCtx(), prompt, GenerationSettings.greedy(40), null);
                assertArrayEquals(ar.tokens(), j.tokens());
                assertEquals(ar.forwardCalls(), j.forwardCalls());
                // the prompt's call yields the first token, every later call one more
                assertEquals(40, ar.forwardCalls());
                assertEquals(0, j.extra("accepted_guesses", -1));
            }
        }
    }

    @Test
    void repetitivePromptLetsParallelDecodersSaveCalls() {
        // a prompt that repeats itself: the lookup guesses of Jacobi should be accepted at least sometimes
        Fixture f = fixtures.get(0);
        int[] prompt = f.prompts().get(2);
        int[] base = f.ar().get(2);
        int[] repeated = new int[prompt.length + 2 * base.length];
        System.arraycopy(prompt, 0, repeated, 0, prompt.length);
        System.arraycopy(base, 0, repeated, prompt.length, base.length);
        System.arraycopy(base, 0, repeated, prompt.length + base.length, base.length);
        int[] p = Arrays.copyOf(repeated, Math.min(repeated.length, N_CTX - 80));
        GenerationResult ar = new ArDecoder().generate(f.jacobiCtx(), p, GenerationSettings.greedy(48), null);
        GenerationResult j = new JacobiDecoder(JacobiSettings.fixed(8, GuessInit.LOOKUP)).generate(f.jacobiCtx(), p, GenerationSettings.greedy(48), null);
        assertArrayEquals(ar.tokens(), j.tokens());
        // not a speed claim: just that guesses are verified and accepted, and calls drop accordingly
        assertEquals(ar.forwardCalls() - j.extra("accepted_guesses", -1), j.forwardCalls());
    }

    static List<Decoder> allDecoders() {
        return List.of(new ArDecoder(),
                new JacobiDecoder(JacobiSettings.fixed(4, GuessInit.REPEAT)),
                new JacobiDecoder(JacobiSettings.fixed(16, GuessInit.RANDOM)),
                new JacobiDecoder(JacobiSettings.defaults()),
                new LookaheadDecoder(new LookaheadSettings(4, 3, 2)),
                new LookaheadDecoder(new LookaheadSettings(8, 4, 4)),
                new LookaheadDecoder(LookaheadSettings.defaults()));
    }

    private static LlamaCausalModel contextFor(Decoder d, Fixture f) {
        return d instanceof LookaheadDecoder ? f.lookaheadCtx() : f.jacobiCtx();
    }

    @Test
    void maxNewTokensOne() {
        for (Fixture f : fixtures) {
            for (int i = 0; i < f.prompts().size(); i++) {
                for (Decoder d : allDecoders()) {
                    GenerationResult r = d.generate(contextFor(d, f), f.prompts().get(i), GenerationSettings.greedy(1), null);
                    assertArrayEquals(new int[] {f.ar().get(i)[0]}, r.tokens(), d.name());
                    assertEquals(StopReason.MAX_TOKENS, r.stopReason());
                    assertEquals(1, r.forwardCalls(), d.name() + ": only the prompt's call is needed");
                }
            }
        }
    }

    @Test
    void maxNewTokensSmallerThanTheWindow() {
        for (Fixture f : fixtures) {
            for (int i = 0; i < f.prompts().size(); i++) {
                for (int n : new int[] {2, 3, 5}) {
                    for (Decoder d : allDecoders()) {
                        GenerationResult r = d.generate(contextFor(d, f), f.prompts().get(i), GenerationSettings.greedy(n), null);
                        assertArrayEquals(Arrays.copyOf(f.ar().get(i), n), r.tokens(), d.name() + " n=" + n);
                        assertEquals(StopReason.MAX_TOKENS, r.stopReason());
                    }
                }
            }
        }
    }

    @Test
    void oneTokenPrompt() {
        for (Fixture f : fixtures) {
            int[] prompt = {f.model().vocab().bos()};
            int[] ar = new ArDecoder().generate(f.jacobiCtx(), prompt, GenerationSettings.greedy(48), null).tokens();
            assertEquals(48, ar.length);
            for (Decoder d : allDecoders()) {
                assertArrayEquals(ar, d.generate(contextFor(d, f), prompt, GenerationSettings.greedy(48), null).tokens(), d.name());
            }
        }
    }

    @Test
    void contextEndInsideTheWindow() {
        // llama.cpp pads n_ctx to a multiple of 256: the context is 256 and the prompt nearly fills it
        Fixture f = fixtures.get(1);
        int[] seed = f.prompts().get(0);
        int[] reference = f.ar().get(0);
        try (LlamaCausalModel big = new LlamaCausalModel(f.model(), new ContextParams(512, 64, 64, 1, 1, false))) {
            for (int extra : new int[] {1, 3, 10}) {
                int[] prompt = new int[N_CTX - extra];
                for (int i = 0; i < prompt.length; i++) prompt[i] = i < seed.length ? seed[i] : reference[(i - seed.length) % reference.length];
                int[] unlimited = new ArDecoder().generate(big, prompt, GenerationSettings.greedy(40), null).tokens();
                LlamaCausalModel small = f.jacobiCtx();
                assertEquals(N_CTX, small.maxPositions());
                GenerationResult ar = new ArDecoder().generate(small, prompt, GenerationSettings.greedy(N_NEW), null);
                assertEquals(StopReason.CONTEXT_FULL, ar.stopReason());
                // positions prompt.length .. n_ctx-1 hold generated tokens, and the last row yields one more
                assertEquals(extra + 1, ar.tokens().length);
                assertArrayEquals(Arrays.copyOf(unlimited, ar.tokens().length), ar.tokens(), "same tokens as with room to spare");
                for (Decoder d : allDecoders()) {
                    GenerationResult r = d.generate(contextFor(d, f), prompt, GenerationSettings.greedy(N_NEW), null);
                    assertArrayEquals(ar.tokens(), r.tokens(), d.name() + " extra=" + extra);
                    assertEquals(StopReason.CONTEXT_FULL, r.stopReason(), d.name());
                }
            }
        }
    }

    @Test
    void endOfGenerationInsideTheWindow() throws IOException {
        // Rewire a model so that EOS takes the place of a token AR emits mid-generation: the output row
        // of EOS becomes 1.5x the row of that token. Up to the stop, the model is unchanged.
        Fixture base = fixtures.get(0);
        int[] prompt = base.prompts().get(0);
        int[] out = base.ar().get(0);
        int eos = base.model().vocab().eos();
        int target = -1;
        for (int i = 12; i < out.length && target < 0; i++) {
            final int t = out[i];
            if (Arrays.stream(out, 0, i).noneMatch(x -> x == t)) target = t;
        }
        assertTrue(target >= 0, "AR output has no token that first appears after index 12: " + Arrays.toString(out));
        int firstAt = -1;
        for (int i = 0; i < out.length; i++) if (out[i] == target) { firstAt = i; break; }
        Path rewired = TestModels.withEosLike(base.model().path(), eos, target, 1.5f, "eos-like-" + target);
        try (Model m = Model.load(rewired);
             LlamaCausalModel j = new LlamaCausalModel(m, new ContextParams(N_CTX, 64, 64, 1, 1, false));
             LlamaCausalModel l = new LlamaCausalModel(m, new ContextParams(N_CTX, 64, 64, LOOKAHEAD_SEQS, 1, true))) {
            assertArrayEquals(prompt, m.vocab().tokenize(PROMPTS.get(0), true, false));
            GenerationResult ar = new ArDecoder().generate(j, prompt, GenerationSettings.greedy(N_NEW), null);
            assertEquals(StopReason.END_OF_GENERATION, ar.stopReason());
            int n = ar.tokens().length;
            assertTrue(n <= firstAt, "EOS must come at the latest where " + target + " came, index " + firstAt + "; stopped at " + n);
            assertArrayEquals(Arrays.copyOf(out, n), ar.tokens(), "before the stop the rewired model is the original");
            assertTrue(Arrays.stream(ar.tokens()).noneMatch(t -> t == eos), "EOS is not part of the output");
            for (Decoder d : allDecoders()) {
                GenerationResult r = d.generate(d instanceof LookaheadDecoder ? l : j, prompt, GenerationSettings.greedy(N_NEW), null);
                assertArrayEquals(ar.tokens(), r.tokens(), d.name());
                assertEquals(StopReason.END_OF_GENERATION, r.stopReason(), d.name());
            }
        }
    }

    @Test
    void samplingIsReproducibleRunToRun() {
        SamplingSettings s = new SamplingSettings(0.9, 40, 0.95, 1234);
        Fixture f = fixtures.get(1);
        int[] prompt = f.prompts().get(1);
        List<int[]> first = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            List<Decoder> decoders = allDecoders();
            for (int i = 0; i < decoders.size(); i++) {
                Decoder d = decoders.get(i);
                GenerationResult r = d.generate(contextFor(d, f), prompt, new GenerationSettings(48, s, null), null);
                assertEquals(48, r.tokens().length);
                if (run == 0) first.add(r.tokens());
                else assertArrayEquals(first.get(i), r.tokens(), "decoder #" + i + " (" + d.name() + ") is not reproducible");
            }
        }
        // sampling must actually sample: the outputs differ from greedy AR
        int[] greedy = Arrays.copyOf(f.ar().get(1), 48);
        assertTrue(first.stream().allMatch(t -> !Arrays.equals(t, greedy)));
    }
}
