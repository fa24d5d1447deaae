package paradec.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import paradec.generation.StopReason;

import paradec.generation.GenerationResult;
import paradec.logits.Logits;
import paradec.logits.LogitsView;
import paradec.trace.DiffusionStep;
import paradec.trace.TraceEvent;
import paradec.trace.TraceListener;
import paradec.trace.TraceStart;
import paradec.trace.TraceWriter;

class GeneratorTest {

    static final int V = 16;
    static final int MASK = 15;
    static final int EOS = 14;

    /**
     * Favours target[p] at generation position p with logit strength(p); the mask token gets maskLogit.
     * Like the native adapter it returns only rows [from, to): reading another row throws, and so does
     * reading a view after the next forward call, so every test here also proves the generator reads
     * nothing else.
     */
    static final class FakeModel implements DenoisingModel {
        final int promptLength;
        final int[] target;
        final double[] strength;
        final float maskLogit;
        int maxSeq = 4096;
        int calls;
        final List<int[]> seen = new ArrayList<>();
        /** The [from, to) of every forward call. */
        final List<int[]> ranges = new ArrayList<>();

        FakeModel(int promptLength, int[] target, double[] strength, float maskLogit) {
            this.promptLength = promptLength;
            this.target = target;
            this.strength = strength;
            this.maskLogit = maskLogit;
        }

        @Override
        public int vocabSize() {
            return V;
        }

        @Override
        public int maskToken() {
            return MASK;
        }

        @Override
        public int maxSequenceLength() {
            return maxSeq;
        }

        @Override
        public boolean isEndOfGeneration(int token) {
            return token == EOS;
        }

        @Override
        public LogitsView forward(int[] tokens, int from, int to) {
            if (from < 0 || to > tokens.length || from >= to) {
                throw new IllegalArgumentException("range [" + from + ", " + to + ") of " + tokens.length);
            }
            calls++;
            seen.add(tokens.clone());
            ranges.add(new int[] {from, to});
            float[][] rows = new float[tokens.length][V];
            for (int p = Math.max(from, promptLength); p < to; p++) {
                int g = p - promptLength;
                rows[p][MASK] = maskLogit;
                rows[p][target[g]] = (float) strength[g];
                // a guided pass sees masked prompt positions: make it favour token 0 weakly
                if (tokens[0] == MASK) {
                    rows[p][0] = 3f;
                }
            }
            return new RangedView(Logits.ofRows(rows), from, to, () -> calls);
        }
    }

    /** Rows [from, to) of {@code all}; other rows throw, and every row throws once the model was called again. */
    record RangedView(LogitsView all, int from, int to, java.util.function.IntSupplier callCount, int call)
            implements LogitsView {
        RangedView(LogitsView all, int from, int to, java.util.function.IntSupplier callCount) {
            this(all, from, to, callCount, callCount.getAsInt());
        }

        @Override
        public int rows() {
            return all.rows();
        }

        @Override
        public int vocabSize() {
            return all.vocabSize();
        }

        @Override
        public java.lang.foreign.MemorySegment row(int r) {
            if (callCount.getAsInt() != call) {
                throw new IllegalStateException("logits of forward call " + call + " read after call " + callCount.getAsInt());
            }
            if (r < from || r >= to) {
                throw new IndexOutOfBoundsException("row " + r + " outside the requested rows [" + from + ", " + to + ")");
            }
            return all.row(r);
        }
    }

    /** Collects a generation's trace: checks that a diffusion TraceStart comes first, keeps the steps. */
    static final class Recorder implements TraceListener {
        final List<TraceEvent> events = new ArrayList<>();
        final List<DiffusionStep> steps = new ArrayList<>();

        @Override
        public void onEvent(TraceEvent e) {
            if (events.isEmpty()) {
                assertTrue(e instanceof TraceStart t && t.diffusion(), "first event " + e);
            } else {
                assertTrue(e instanceof DiffusionStep, "event " + events.size() + ": " + e);
                steps.add((DiffusionStep) e);
            }
            events.add(e);
        }

        TraceStart start() {
            return (TraceStart) events.getFirst();
        }
    }

    static long steps(GenerationResult r) {
        assertTrue(r.extras().get("steps") instanceof Integer, "steps in " + r.extras());
        return r.extra("steps", -1);
    }

    static boolean stoppedEarly(GenerationResult r) {
        return (Boolean) r.extras().get("stopped_early");
    }

    static GenerationResult gen(DenoisingModel m, int[] prompt, DiffusionSettings s, UnmaskingPolicy p) {
        return new DiffusionGenerator().generate(m, prompt, s, p, null, null);
    }

    static int[] target(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = 1 + (i * 7) % 13; // tokens 1..13: never mask, never EOS
        }
        return t;
    }

    static double[] strength(int n, double base) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = base + (i % 3); // position-dependent confidence
        }
        return s;
    }

    static final int[] PROMPT = {2, 3, 4};

    private static FakeModel easy(int n) {
        return new FakeModel(PROMPT.length, target(n), strength(n, 12), 2f);
    }

    @Test
    void vanillaFillsEveryMaskInBlockOrderWithOneForwardPerStep() {
        FakeModel m = new FakeModel(PROMPT.length, target(32), strength(32, 4), 2f);
        Recorder rec = new Recorder();
        List<DiffusionStep> trace = rec.steps;
        DiffusionSettings s = DiffusionSettings.of(32, 8, 32);
        GenerationResult r = new DiffusionGenerator().generate(m, PROMPT, s, new LowConfidencePolicy(), null, rec);
        assertArrayEquals(target(32), r.tokens());
        assertEquals(32, steps(r));
        assertEquals(32, r.forwardCalls());
        assertEquals(32, trace.size());
        int lastBlock = 0;
        for (DiffusionStep step : trace) {
            assertTrue(step.blockIndex() >= lastBlock);
            lastBlock = step.blockIndex();
            for (int pos : step.committedPositions()) {
                assertEquals(step.blockIndex(), pos / 8, "commit outside the current block");
            }
        }
        // every forward call: the prompt intact, masks only where not yet committed
        for (int[] t : m.seen) {
            assertArrayEquals(PROMPT, Arrays.copyOf(t, 3));
        }
        GenerationResult half = gen(easy(32), PROMPT, DiffusionSettings.of(32, 8, 16), new LowConfidencePolicy());
        assertEquals(16, steps(half));
        assertArrayEquals(target(32), half.tokens());
    }

    @Test
    void maskTokenIsNeverCommittedEvenWhenItsLogitIsHighest() {
        FakeModel m = new FakeModel(PROMPT.length, target(16), strength(16, 4), 30f);
        for (UnmaskingPolicy p : policies()) {
            GenerationResult r = gen(m, PROMPT, DiffusionSettings.of(16, 8, 16), p);
            assertArrayEquals(target(16), r.tokens(), p.name());
        }
        GenerationResult sampled = gen(m, PROMPT,
                DiffusionSettings.of(16, 8, 16).withTemperature(1.5).withSeed(3), new LowConfidencePolicy());
        assertFalse(Arrays.stream(sampled.tokens()).anyMatch(t -> t == MASK));
    }

    private static List<UnmaskingPolicy> policies() {
        return List.of(new LowConfidencePolicy(), new RandomPolicy(), new OriginPolicy(), new EntropyPolicy(),
                new MarginPolicy(), new FastDllmThresholdPolicy(), new FastDllmFactorPolicy(), new EbSamplerPolicy(),
                new KlassPolicy(), new DicoPolicy());
    }

    @Test
    void policiesThatSkipTheEntropyDecideAsWithIt() {
        // a policy that says it never reads the entropy sees NaN there: were it to read it after all, the run with
        // entropies forced on (a fresh instance: policies keep state across steps) would differ
        FakeModel weak = new FakeModel(PROMPT.length, target(32), strength(32, 0.5), 0.3f);
        DiffusionSettings s = DiffusionSettings.of(32, 8, 32);
        List<UnmaskingPolicy> fresh = policies();
        int skipping = 0;
        for (int i = 0; i < fresh.size(); i++) {
            UnmaskingPolicy p = policies().get(i);
            if (p.readsEntropy()) continue;
            skipping++;
            Recorder lean = new Recorder();
            Recorder full = new Recorder();
            new DiffusionGenerator().generate(weak, PROMPT, s, p, null, lean);
            new DiffusionGenerator().generate(weak, PROMPT, s, wrap(fresh.get(i)), null, full);
            assertEquals(committed(full), committed(lean), p.name() + ": positions committed step by step");
        }
        assertEquals(8, skipping, "policies that skip the entropy");
        assertTrue(new EntropyPolicy().readsEntropy() && new EbSamplerPolicy().readsEntropy());
    }

    private static List<List<Integer>> committed(Recorder r) {
        return r.steps.stream().map(st -> Arrays.stream(st.committedPositions()).boxed().toList()).toList();
    }

    /** The policy with its entropy switch forced on. */
    private static UnmaskingPolicy wrap(UnmaskingPolicy p) {
        return new UnmaskingPolicy() {
            @Override
            public int[] select(StepContext step) {
                return p.select(step);
            }

            @Override
            public void startBlock(int blockIndex, int blockStart, int blockEnd) {
                p.startBlock(blockIndex, blockStart, blockEnd);
            }
        };
    }

    @Test
    void aSuffixWindowShowsTheModelOnlyThatManyPositionsPastTheBlock() {
        DiffusionSettings s = DiffusionSettings.of(32, 8, 32);
        for (int window : new int[] {0, 5, 24, 1000}) {
            FakeModel m = easy(32);
            GenerationResult r = gen(m, PROMPT, s.withSuffixWindow(window), new LowConfidencePolicy());
            assertArrayEquals(target(32), r.tokens(), "window " + window);
            assertEquals(window, (int) r.extras().get("suffix_window"));
            for (int i = 0; i < m.seen.size(); i++) {
                int to = m.ranges.get(i)[1];
                assertEquals(Math.min(PROMPT.length + 32, to + window), m.seen.get(i).length, "call " + i + ", window " + window);
            }
        }
        // the default: every call sees the whole sequence
        FakeModel whole = easy(32);
        GenerationResult r = gen(whole, PROMPT, s, new LowConfidencePolicy());
        assertFalse(r.extras().containsKey("suffix_window"));
        for (int[] t : whole.seen) assertEquals(PROMPT.length + 32, t.length);
        assertThrows(IllegalArgumentException.class, () -> s.withSuffixWindow(-2));
    }

    @Test
    void greedyIsDeterministicAndSamplingIsSeeded() {
        DiffusionSettings s = DiffusionSettings.of(32, 8, 32);
        int[] a = gen(easy(32), PROMPT, s, new RandomPolicy()).tokens();
        int[] b = gen(easy(32), PROMPT, s, new RandomPolicy()).tokens();
        assertArrayEquals(a, b);
        FakeModel weak = new FakeModel(PROMPT.length, target(32), strength(32, 0.5), 0f);
        DiffusionSettings hot = s.withTemperature(1.0).withSeed(11);
        int[] x = gen(weak, PROMPT, hot, new LowConfidencePolicy()).tokens();
        int[] y = gen(weak, PROMPT, hot, new LowConfidencePolicy()).tokens();
        assertArrayEquals(x, y);
        assertFalse(Arrays.equals(x, target(32)), "weak logits at temperature 1 should not reproduce the argmax");
    }

    @Test
    void everyPolicyFinishesAndAdaptiveOnesNeedFewerSteps() {
        DiffusionSettings s = DiffusionSettings.of(64, 32, 64);
        for (UnmaskingPolicy p : policies()) {
            GenerationResult r = gen(easy(64), PROMPT, s, p);
            assertArrayEquals(target(64), r.tokens(), p.name());
            boolean adaptive = !(p instanceof LowConfidencePolicy || p instanceof RandomPolicy
                    || p instanceof OriginPolicy || p instanceof EntropyPolicy || p instanceof MarginPolicy);
            if (adaptive) {
                assertTrue(steps(r) < 64, p.name() + " took " + steps(r));
            } else {
                assertEquals(64, steps(r), p.name());
            }
            assertEquals(steps(r), r.forwardCalls());
        }
    }

    @Test
    void dicoUsesAtMostAThirdOfVanillaSteps() {
        DiffusionSettings s = DiffusionSettings.defaults();
        FakeModel m = new FakeModel(PROMPT.length, target(128), strength(128, 9), 2f);
        long vanilla = steps(gen(m, PROMPT, s, new LowConfidencePolicy()));
        Recorder rec = new Recorder();
        GenerationResult dico = new DiffusionGenerator().generate(m, PROMPT, s, new DicoPolicy(), null, rec);
        assertEquals(128, vanilla);
        assertTrue(steps(dico) * 3 <= vanilla, "dico " + steps(dico));
        assertArrayEquals(target(128), dico.tokens());
        assertTrue(rec.steps.stream().allMatch(r -> !r.phase().isEmpty()));
        assertTrue(dico.extras().containsKey("policy.divide_steps"), dico.extras().toString());
    }

    @Test
    void cfgDoublesForwardCallsAndMasksThePrompt() {
        FakeModel m = easy(16);
        GenerationResult r = gen(m, PROMPT, DiffusionSettings.of(16, 8, 16).withCfgScale(1.0), new LowConfidencePolicy());
        assertEquals(16, steps(r));
        assertEquals(32, r.forwardCalls());
        assertArrayEquals(new int[] {MASK, MASK, MASK}, Arrays.copyOf(m.seen.get(1), 3));
        assertArrayEquals(target(16), r.tokens(), "(cfg+1)(cond-uncond) keeps the conditional argmax here");
    }

    @Test
    void stopsEarlyAfterEndOfGeneration() {
        int[] t = target(32);
        for (int i = 5; i < 32; i++) {
            t[i] = EOS;
        }
        double[] str = new double[32];
        for (int i = 0; i < 32; i++) {
            str[i] = 20 - 0.5 * i; // left positions most confident: vanilla goes left to right
        }
        FakeModel m = new FakeModel(PROMPT.length, t, str, 2f);
        GenerationResult r = gen(m, PROMPT, DiffusionSettings.of(32, 8, 32), new LowConfidencePolicy());
        assertEquals(6, steps(r), "positions 0..5 committed, then the tail is padding");
        assertTrue(stoppedEarly(r));
        assertArrayEquals(t, r.tokens());
        assertEquals(StopReason.END_OF_GENERATION, r.stopReason());
        GenerationResult trimmed = gen(m, PROMPT, DiffusionSettings.of(32, 8, 32).withTrimAtEog(true), new LowConfidencePolicy());
        assertArrayEquals(Arrays.copyOf(t, 5), trimmed.tokens());
        assertEquals(StopReason.END_OF_GENERATION, trimmed.stopReason());
    }

    @Test
    void refusesBadInputBeforeAnyForwardCall() {
        FakeModel m = easy(32);
        m.maxSeq = 34;
        DiffusionSettings s = DiffusionSettings.of(32, 8, 32);
        DiffusionGenerator g = new DiffusionGenerator();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.generate(m, PROMPT, s, new LowConfidencePolicy(), null, null));
        assertTrue(e.getMessage().contains("maximum sequence length"));
        m.maxSeq = 4096;
        assertThrows(IllegalArgumentException.class, () -> g.generate(m, new int[0], s, new LowConfidencePolicy(), null, null));
        assertThrows(IllegalArgumentException.class, () -> g.generate(m, new int[] {1, MASK}, s, new LowConfidencePolicy(), null, null));
        assertThrows(IllegalArgumentException.class, () -> g.generate(m, new int[] {1, V}, s, new LowConfidencePolicy(), null, null));
        assertThrows(IllegalArgumentException.class, () -> g.generate(m, new int[] {-1}, s, new LowConfidencePolicy(), null, null));
        assertEquals(0, m.calls);
    }

    @Test
    void badSettingsAreRefused() {
        List<Supplier<DiffusionSettings>> bad = List.of(
                () -> DiffusionSettings.of(30, 8, 32),
                () -> DiffusionSettings.of(32, 8, 30),
                () -> DiffusionSettings.of(0, 8, 32),
                () -> DiffusionSettings.of(32, 8, 32).withTemperature(-1),
                () -> DiffusionSettings.of(32, 8, 32).withCfgScale(Double.NaN),
                () -> DiffusionSettings.defaults().withSchedule(null));
        for (Supplier<DiffusionSettings> b : bad) {
            assertThrows(IllegalArgumentException.class, b::get);
        }
        DiffusionSettings d = DiffusionSettings.defaults();
        assertEquals(128, d.genLength());
        assertEquals(32, d.blockLength());
        assertEquals(128, d.steps());
        assertEquals(0.0, d.temperature());
    }

    @Test
    void misbehavingPolicyIsCaught() {
        UnmaskingPolicy outside = step -> new int[] {step.blockEnd()};
        assertThrows(IllegalStateException.class, () -> new DiffusionGenerator().generate(easy(16), PROMPT,
                DiffusionSettings.of(16, 8, 16), outside, null, null));
        UnmaskingPolicy empty = step -> new int[0];
        assertThrows(IllegalStateException.class, () -> new DiffusionGenerator().generate(easy(16), PROMPT,
                DiffusionSettings.of(16, 8, 16), empty, null, null));
    }

    @Test
    void schedules() {
        BlockSchedule b = new BlockSchedule(32, 8, 16);
        assertEquals(4, b.numBlocks());
        assertEquals(4, b.stepsPerBlock());
        int[] got = new int[4];
        int left = 10;
        for (int i = 0; i < 4; i++) {
            got[i] = b.tokensAt(i, 4, 10, left);
            left -= got[i];
        }
        assertArrayEquals(new int[] {3, 3, 2, 2}, got);
        assertEquals(1, b.tokensAt(0, 4, 2, 2), "more steps than masks: at least one");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BlockSchedule(32, 8, 6));
        assertTrue(e.getMessage().contains("multiple"));
        DreamTimestepSchedule d = new DreamTimestepSchedule();
        assertEquals(1.0, d.t(0, 10), 0);
        assertEquals(1 - 0.5 * (1 - 1e-3), d.t(5, 10), 1e-15);
        int remaining = 32;
        int steps = 0;
        for (int s = 0; s < 8 && remaining > 0; s++) {
            int k = d.tokensAt(s, 8, 32, remaining);
            assertTrue(k >= 1 && k <= remaining);
            remaining -= k;
            steps++;
        }
        assertEquals(0, remaining);
        assertEquals(8, steps);
        GenerationResult r = gen(easy(32), PROMPT,
                DiffusionSettings.of(32, 8, 16).withSchedule(DiffusionSettings.ScheduleKind.DREAM), new LowConfidencePolicy());
        assertArrayEquals(target(32), r.tokens());
        assertTrue(steps(r) <= 16);
    }

    @Test
    void jsonlTrace() {
        StringWriter out = new StringWriter();
        TraceWriter w = new TraceWriter(out);
        new DiffusionGenerator().generate(easy(16), PROMPT, DiffusionSettings.of(16, 8, 16), new DicoPolicy(), null, w);
        String[] lines = out.toString().split("\n");
        assertEquals("{\"kind\":\"diffusion-header\",\"prompt_length\":3,\"gen_length\":16,\"block_length\":8,"
                + "\"policy\":\"dico\",\"prompt\":[2,3,4]}", lines[0]);
        assertEquals("{\"kind\":\"diffusion-header\",\"prompt_length\":3,\"gen_length\":16,\"block_length\":8,"
                + "\"policy\":\"dico \\\"v1\\\"\\n\",\"prompt\":[2,3,4]}",
                TraceWriter.toJson(TraceStart.diffusion("dico \"v1\"\n", PROMPT, 16, 8)));
        assertTrue(lines.length > 1);
        assertTrue(lines[1].startsWith("{\"kind\":\"diffusion\",\"step\":0,\"block\":0,\"positions\":["), lines[1]);
        assertTrue(lines[1].contains("\"phase\":\"DIVIDE\""), lines[1]);
        String one = TraceWriter.toJson(new DiffusionStep(4, 1, new int[] {8, 9}, new double[] {0.5, Double.NaN},
                new int[] {3, 4}, ""));
        assertEquals("{\"kind\":\"diffusion\",\"step\":4,\"block\":1,\"positions\":[8,9],\"confidences\":[0.5,null],"
                + "\"tokens\":[3,4],\"phase\":\"\"}", one);
        assertEquals("\"a\\u0001b\\\\\"", new paradec.json.JsonWriter().value("a\u0001b\\").toString());
    }
}
