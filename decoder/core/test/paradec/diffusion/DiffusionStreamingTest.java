package paradec.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static paradec.diffusion.GeneratorTest.EOS;
import static paradec.diffusion.GeneratorTest.PROMPT;
import static paradec.diffusion.GeneratorTest.steps;
import static paradec.diffusion.GeneratorTest.strength;
import static paradec.diffusion.GeneratorTest.target;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import paradec.diffusion.GeneratorTest.FakeModel;
import paradec.diffusion.GeneratorTest.Recorder;
import paradec.generation.GenerationResult;
import paradec.generation.StopReason;
import paradec.generation.TokenListener;
import paradec.logits.LogitsView;
import paradec.trace.DiffusionStep;
import paradec.trace.TraceEvent;
import paradec.trace.TraceListener;
import paradec.trace.TraceStart;

/**
 * The generator's contract with its listeners and its model: tokens stream in order once every
 * earlier position is committed, a listener can cancel, the trace has one start and one event per
 * step, and only the current block's logits rows are ever read.
 */
class DiffusionStreamingTest {

    static final int GEN = 32;
    static final int BLOCK = 8;

    /** Confidence rising to the right: low-confidence remasking commits each block right to left. */
    static FakeModel rightToLeft(int[] target) {
        double[] s = new double[target.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = 4 + 0.25 * i;
        }
        return new FakeModel(PROMPT.length, target, s, 2f);
    }

    /**
     * One log of both listeners, in the order the generator calls them: each trace step, then the tokens
     * that step made final. The generator calls the trace listener before the token listener in a step.
     */
    static final class Log implements TraceListener, TokenListener {
        final Recorder trace = new Recorder();
        final List<Integer> tokens = new ArrayList<>();
        /** For each emitted token, how many steps had been traced when it arrived. */
        final List<Integer> stepsBefore = new ArrayList<>();
        /** For each traced step, how many tokens had been emitted when it arrived. */
        final List<Integer> emittedBefore = new ArrayList<>();
        int cancelAfter = Integer.MAX_VALUE;

        @Override
        public void onEvent(TraceEvent e) {
            trace.onEvent(e);
            if (e instanceof DiffusionStep) emittedBefore.add(tokens.size());
        }

        @Override
        public boolean onToken(int token) {
            tokens.add(token);
            stepsBefore.add(trace.steps.size());
            return tokens.size() < cancelAfter;
        }

        int[] emitted() {
            return tokens.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /** For each generated position, the index of the step that committed it (-1 if none did: padding). */
    static int[] commitStep(List<DiffusionStep> steps, int gen) {
        int[] at = new int[gen];
        Arrays.fill(at, -1);
        for (int i = 0; i < steps.size(); i++) {
            for (int p : steps.get(i).committedPositions()) {
                assertEquals(-1, at[p], "position " + p + " committed twice");
                at[p] = i;
            }
        }
        return at;
    }

    /** How many leading positions are committed once steps 0..k are done. */
    static int prefixAfter(int[] commitStep, int k) {
        int n = 0;
        while (n < commitStep.length && commitStep[n] >= 0 && commitStep[n] <= k) n++;
        return n;
    }

    static List<UnmaskingPolicy> policies() {
        return List.of(new LowConfidencePolicy(), new RandomPolicy(), new OriginPolicy(), new EntropyPolicy(),
                new MarginPolicy(), new FastDllmThresholdPolicy(), new FastDllmFactorPolicy(), new EbSamplerPolicy(),
                new KlassPolicy(), new DicoPolicy());
    }

    @Test
    void tokensStreamInOrderOnceEveryEarlierPositionIsCommitted() {
        for (UnmaskingPolicy policy : policies()) {
            String what = policy.name();
            Log log = new Log();
            FakeModel m = rightToLeft(target(GEN));
            GenerationResult r = new DiffusionGenerator().generate(m, PROMPT, DiffusionSettings.of(GEN, BLOCK, GEN), policy,
                    log, log);
            assertArrayEquals(target(GEN), r.tokens(), what);
            assertArrayEquals(r.tokens(), log.emitted(), what + ": the stream is the result");
            assertEquals(StopReason.MAX_TOKENS, r.stopReason(), what);
            List<DiffusionStep> steps = log.trace.steps;
            int[] at = commitStep(steps, GEN);
            for (int p = 0; p < GEN; p++) {
                assertTrue(at[p] >= 0, what + ": position " + p + " never committed");
                // position p arrives after the step that made positions 0..p all committed, not earlier
                int ready = 0;
                for (int q = 0; q <= p; q++) ready = Math.max(ready, at[q]);
                assertEquals(ready + 1, log.stepsBefore.get(p), what + ": token " + p + " arrived after "
                        + log.stepsBefore.get(p) + " steps, its prefix was complete after step " + ready);
            }
            // and as soon as that: before each step, everything final after the previous step was emitted
            for (int k = 1; k < steps.size(); k++) {
                assertEquals(prefixAfter(at, k - 1), log.emittedBefore.get(k), what + ": before step " + k);
            }
        }
        // the right-to-left order really holds tokens back: nothing of a block arrives before its last step
        Log log = new Log();
        new DiffusionGenerator().generate(rightToLeft(target(GEN)), PROMPT, DiffusionSettings.of(GEN, BLOCK, GEN),
                new LowConfidencePolicy(), log, log);
        assertEquals(List.of(0, 0, 0, 0, 0, 0, 0, 0, 8), log.emittedBefore.subList(0, 9));
        assertEquals(BLOCK - 1, log.trace.steps.get(BLOCK - 1).step());
        assertArrayEquals(new int[] {0}, log.trace.steps.get(BLOCK - 1).committedPositions());
    }

    @Test
    void aListenerReturningFalseCancelsWithTheEmittedPrefix() {
        for (int cancelAfter : new int[] {1, 5, 8, 13, GEN}) {
            Log log = new Log();
            log.cancelAfter = cancelAfter;
            FakeModel m = rightToLeft(target(GEN));
            GenerationResult r = new DiffusionGenerator().generate(m, PROMPT, DiffusionSettings.of(GEN, BLOCK, GEN),
                    new LowConfidencePolicy(), log, log);
            assertEquals(StopReason.CANCELLED, r.stopReason(), "cancel after " + cancelAfter);
            assertEquals(cancelAfter, log.tokens.size(), "no token after the listener said stop");
            assertArrayEquals(Arrays.copyOf(target(GEN), cancelAfter), r.tokens(), "the emitted prefix, the last token kept");
            assertArrayEquals(log.emitted(), r.tokens());
            // blocks are committed right to left: the token that cancels arrives with its block's last step,
            // and no forward call follows
            int stepsDone = ((cancelAfter - 1) / BLOCK + 1) * BLOCK;
            assertEquals(stepsDone, steps(r), "cancel after " + cancelAfter);
            assertEquals(stepsDone, m.calls);
            assertEquals(stepsDone, r.forwardCalls());
            assertEquals(stepsDone, log.trace.steps.size());
        }
        // cancelling on the very last token still reports CANCELLED with every token
        Log log = new Log();
        log.cancelAfter = GEN;
        GenerationResult r = new DiffusionGenerator().generate(easy(), PROMPT, DiffusionSettings.of(GEN, BLOCK, GEN),
                new LowConfidencePolicy(), log, null);
        assertEquals(StopReason.CANCELLED, r.stopReason());
        assertArrayEquals(target(GEN), r.tokens());
    }

    private static FakeModel easy() {
        return new FakeModel(PROMPT.length, target(GEN), strength(GEN, 12), 2f);
    }

    /** Target with EOS from position 5 on; left positions most confident, so the EOS prefix completes at step 5. */
    private static FakeModel eosAt5(int[] t) {
        for (int i = 5; i < GEN; i++) t[i] = EOS;
        double[] str = new double[GEN];
        for (int i = 0; i < GEN; i++) str[i] = 20 - 0.5 * i;
        return new FakeModel(PROMPT.length, t, str, 2f);
    }

    @Test
    void withTrimAtEogTheStreamStopsAtTheFirstEndOfGeneration() {
        int[] t = target(GEN);
        FakeModel m = eosAt5(t);
        Log log = new Log();
        GenerationResult r = new DiffusionGenerator().generate(m, PROMPT,
                DiffusionSettings.of(GEN, BLOCK, GEN).withTrimAtEog(true), new LowConfidencePolicy(), log, log);
        assertArrayEquals(Arrays.copyOf(t, 5), log.emitted(), "no EOS and nothing after it");
        assertArrayEquals(log.emitted(), r.tokens());
        assertEquals(StopReason.END_OF_GENERATION, r.stopReason());
        assertEquals(6, steps(r));
        assertEquals(6, m.calls);

        // without trimming the stream carries the EOS and the padding, like the result
        Log full = new Log();
        GenerationResult untrimmed = new DiffusionGenerator().generate(eosAt5(target(GEN)), PROMPT,
                DiffusionSettings.of(GEN, BLOCK, GEN), new LowConfidencePolicy(), full, full);
        assertArrayEquals(t, untrimmed.tokens());
        assertArrayEquals(t, full.emitted());
        assertEquals(StopReason.END_OF_GENERATION, untrimmed.stopReason());
        assertEquals(true, untrimmed.extras().get("stopped_early"));
    }

    @Test
    void traceIsOneStartThenOneStepPerStep() {
        for (UnmaskingPolicy policy : policies()) {
            for (double cfg : new double[] {0, 1.5}) {
                String what = policy.name() + " cfg " + cfg;
                Recorder rec = new Recorder();
                FakeModel m = rightToLeft(target(GEN));
                GenerationResult r = new DiffusionGenerator().generate(m, PROMPT,
                        DiffusionSettings.of(GEN, BLOCK, GEN).withCfgScale(cfg), policy, null, rec);
                TraceStart start = rec.start();
                assertEquals(policy.name(), start.decoder(), what);
                assertTrue(start.diffusion());
                assertArrayEquals(PROMPT, start.prompt());
                assertEquals(GEN, start.genLength());
                assertEquals(BLOCK, start.blockLength());
                assertEquals(1 + rec.steps.size(), rec.events.size(), what);
                assertEquals(rec.steps.size(), steps(r), what + ": steps == extras \"steps\"");
                assertEquals(policy.name(), r.decoder());
                assertEquals((cfg > 0 ? 2 : 1) * steps(r), r.forwardCalls(), what);
                int committed = 0;
                for (int i = 0; i < rec.steps.size(); i++) {
                    DiffusionStep s = rec.steps.get(i);
                    assertEquals(i, s.step(), what);
                    for (int j = 0; j < s.committedPositions().length; j++) {
                        assertEquals(r.tokens()[s.committedPositions()[j]], s.tokens()[j], what);
                        assertEquals(s.blockIndex(), s.committedPositions()[j] / BLOCK, what);
                    }
                    committed += s.committedPositions().length;
                }
                assertEquals(GEN, committed, what);
            }
        }
    }

    @Test
    void theGeneratorReadsOnlyTheCurrentBlocksRows() {
        // the fake really refuses other rows and stale views, so passing runs prove what they read
        FakeModel probe = rightToLeft(target(GEN));
        int[] seq = new int[PROMPT.length + GEN];
        LogitsView v = probe.forward(seq, 11, 19);
        v.row(11);
        v.row(18);
        assertThrows(IndexOutOfBoundsException.class, () -> v.row(10));
        assertThrows(IndexOutOfBoundsException.class, () -> v.row(19));
        assertThrows(IndexOutOfBoundsException.class, () -> v.get(0, 0));
        probe.forward(seq, 3, 11);
        assertThrows(IllegalStateException.class, () -> v.row(12), "a view is dead after the next call");

        List<DiffusionSettings> settings = List.of(
                DiffusionSettings.of(GEN, BLOCK, GEN),
                DiffusionSettings.of(GEN, BLOCK, GEN / 2).withCfgScale(1.0),
                DiffusionSettings.of(GEN, BLOCK, GEN).withTemperature(0.8).withSeed(5),
                DiffusionSettings.of(GEN, BLOCK, GEN).withTemperature(0.8).withSeed(5).withCfgScale(2.0),
                DiffusionSettings.of(GEN, GEN, GEN / 4));
        for (DiffusionSettings s : settings) {
            for (UnmaskingPolicy policy : policies()) {
                String what = policy.name() + " " + s;
                FakeModel m = rightToLeft(target(GEN));
                Recorder rec = new Recorder();
                GenerationResult r = new DiffusionGenerator().generate(m, PROMPT, s, policy, TokenListener.NONE, rec);
                assertEquals(GEN, r.tokens().length, what);
                int perStep = s.cfgScale() > 0 ? 2 : 1;
                assertEquals(perStep * rec.steps.size(), m.ranges.size(), what);
                for (int i = 0; i < m.ranges.size(); i++) {
                    int block = rec.steps.get(i / perStep).blockIndex();
                    int from = PROMPT.length + block * s.blockLength();
                    assertArrayEquals(new int[] {from, from + s.blockLength()}, m.ranges.get(i),
                            what + ": call " + i + " asked for the rows of block " + block + " only");
                }
                if (s.cfgScale() > 0) {
                    // the unconditional pass masks the prompt and nothing else
                    for (int i = 0; i < m.seen.size(); i += 2) {
                        int[] cond = m.seen.get(i);
                        int[] uncond = m.seen.get(i + 1);
                        assertArrayEquals(PROMPT, Arrays.copyOf(cond, PROMPT.length), what);
                        for (int p = 0; p < PROMPT.length; p++) assertEquals(GeneratorTest.MASK, uncond[p], what);
                        assertArrayEquals(Arrays.copyOfRange(cond, PROMPT.length, cond.length),
                                Arrays.copyOfRange(uncond, PROMPT.length, uncond.length), what);
                    }
                }
                assertFalse(Arrays.stream(r.tokens()).anyMatch(x -> x == GeneratorTest.MASK), what);
            }
        }
    }
}
