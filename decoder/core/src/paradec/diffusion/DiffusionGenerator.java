package paradec.diffusion;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

import paradec.generation.GenerationResult;
import paradec.generation.NonFiniteLogitsException;
import paradec.generation.StopReason;
import paradec.generation.TokenListener;
import paradec.logits.LogitMath;
import paradec.logits.LogitsView;
import paradec.logits.RowStats;
import paradec.trace.DiffusionStep;
import paradec.trace.TraceListener;
import paradec.trace.TraceStart;

/**
 * Runs masked-diffusion decoding: sequence = prompt + genLength masks; blocks left to right; each
 * step is one {@link DenoisingModel#forward} over the whole sequence (two with CFG), after which
 * the policy picks masked positions of the current block and the generator commits, at each, the
 * argmax excluding the mask token (temperature 0) or a seeded sample from
 * softmax(logits / temperature) with the mask token removed.
 *
 * <p>Early stop: once an end-of-generation token ({@link DenoisingModel#isEndOfGeneration}) is
 * committed and every generated position before it is committed, the remaining masks are filled
 * with that same token without further forward calls, as a model conditioned on a finished
 * answer only predicts padding there.
 *
 * <p>Policies rank positions by the temperature-1 statistics of the (CFG-combined) logits; with
 * temperature > 0 only the committed token is sampled.
 *
 * <p>Tokens are streamed to the listener as soon as every position before them is committed
 * (diffusion commits out of order), and the listener may cancel between steps. Stateless: one
 * instance may serve many generations, from several threads when each has its own model and
 * policy.
 */
public final class DiffusionGenerator {

    /**
     * Generates.
     *
     * @param listener nullable; receives each token once every position before it is committed, and may cancel
     * @param trace    nullable; receives a start event and one event per step
     * @throws IllegalArgumentException if the prompt is empty, holds the mask token or ids outside the
     *                                  vocabulary, if prompt + genLength exceeds the model's maximum
     *                                  sequence length, or if the mask token is outside the vocabulary;
     *                                  all checked before any forward call
     * @throws IllegalStateException    if the policy selects nothing or a position that is not a masked
     *                                  position of the current block, or the model returns too few rows
     */
    public GenerationResult generate(DenoisingModel model, int[] prompt, DiffusionSettings s,
                                     UnmaskingPolicy policy, TokenListener listener, TraceListener trace) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(s, "settings");
        Objects.requireNonNull(policy, "policy");
        int vocab = model.vocabSize();
        int mask = model.maskToken();
        validate(model, prompt, s, vocab, mask);

        long t0 = System.nanoTime();
        MaskState state = new MaskState(prompt, s.genLength(), mask);
        StepSchedule schedule = s.stepSchedule();
        SplittableRandom policyRng = new SplittableRandom(s.seed());
        SplittableRandom sampleRng = policyRng.split();
        Forward fwd = new Forward(model, s.cfgScale(), state, s.blockLength(), vocab, s.suffixWindow());
        double[] probs = s.temperature() > 0 ? new double[vocab] : null;
        int stepsPerBlock = s.stepsPerBlock();
        int step = 0;
        boolean stoppedEarly = false;
        Stream stream = new Stream(model, state, s.trimAtEog(), listener);
        if (trace != null) trace.onEvent(TraceStart.diffusion(policy.name(), prompt, s.genLength(), s.blockLength()));

        blocks:
        for (int b = 0; b < s.numBlocks(); b++) {
            int start = state.blockStart(b, s.blockLength());
            int end = state.blockEnd(b, s.blockLength());
            policy.startBlock(b, start, end);
            int maskedAtStart = state.maskedCount(start, end);
            int inBlock = 0;
            while (state.maskedCount(start, end) > 0) {
                LogitsView logits = fwd.run(start, end);
                int maskedNow = state.maskedCount(start, end);
                int k = schedule.tokensAt(inBlock, stepsPerBlock, maskedAtStart, maskedNow);
                StepContext ctx = new StepContext(logits, state, b, start, end, inBlock,
                        Math.max(1, stepsPerBlock - inBlock), k, policyRng, policy.readsEntropy());
                int[] chosen = policy.select(ctx);
                checkSelection(chosen, state, start, end, policy);
                int[] rel = new int[chosen.length];
                double[] conf = new double[chosen.length];
                int[] toks = new int[chosen.length];
                for (int i = 0; i < chosen.length; i++) {
                    int pos = chosen[i];
                    RowStats st = ctx.stats(pos);
                    int tok = st.top1();
                    double c = st.confidence();
                    if (tok < 0 || Double.isNaN(c)) throw new NonFiniteLogitsException("at position " + pos);
                    if (probs != null) {
                        tok = sample(logits.row(pos), vocab, mask, s.temperature(), probs, sampleRng);
                        // probability at temperature 1 of the sampled token: exp(x - logZ), logZ = x_top1 - log c
                        double logZ = logits.get(pos, st.top1()) - Math.log(st.confidence());
                        c = Math.exp(logits.get(pos, tok) - logZ);
                    }
                    state.commit(pos, tok);
                    rel[i] = pos - state.generationStart();
                    conf[i] = c;
                    toks[i] = tok;
                }
                if (trace != null) {
                    trace.onEvent(new DiffusionStep(step, b, rel, conf, toks, policy.phase()));
                }
                step++;
                inBlock++;
                if (!stream.advance()) break blocks;
                if (finishedAtEog(model, state)) {
                    stoppedEarly = state.maskedCount() > 0;
                    padAfterEog(model, state);
                    break blocks;
                }
            }
        }
        if (!stream.cancelled()) stream.advance();
        long total = System.nanoTime() - t0;
        StopReason reason = StopReason.MAX_TOKENS;
        int[] out;
        if (stream.cancelled()) {
            out = stream.emitted();
            reason = StopReason.CANCELLED;
        } else {
            out = Arrays.copyOfRange(state.tokensLive(), state.generationStart(), state.length());
            for (int i = 0; i < out.length; i++) {
                if (model.isEndOfGeneration(out[i])) {
                    reason = StopReason.END_OF_GENERATION;
                    if (s.trimAtEog()) out = Arrays.copyOf(out, i);
                    break;
                }
            }
        }
        Map<String, Object> extras = new LinkedHashMap<>();
        extras.put("steps", step);
        extras.put("stopped_early", stoppedEarly);
        if (s.suffixWindow() >= 0) extras.put("suffix_window", s.suffixWindow());
        policy.stats().forEach((k, v) -> extras.put("policy." + k, v));
        return new GenerationResult(policy.name(), prompt.length, out, "", reason, fwd.calls, total, fwd.nanos, extras);
    }

    /** Hands tokens to the listener once every position before them is committed. */
    private static final class Stream {
        private final DenoisingModel model;
        private final MaskState state;
        private final boolean stopAtEog;
        private final TokenListener listener;
        private int next;
        private boolean ended;
        private boolean cancelled;

        Stream(DenoisingModel model, MaskState state, boolean stopAtEog, TokenListener listener) {
            this.model = model;
            this.state = state;
            this.stopAtEog = stopAtEog;
            this.listener = listener;
            this.next = state.generationStart();
        }

        /** Emits what became final; false when the listener cancelled. */
        boolean advance() {
            if (listener == null) return true;
            while (!ended && next < state.length() && !state.isMasked(next)) {
                int token = state.token(next++);
                if (stopAtEog && model.isEndOfGeneration(token)) {
                    ended = true;
                    break;
                }
                if (!listener.onToken(token)) {
                    cancelled = true;
                    return false;
                }
            }
            return true;
        }

        boolean cancelled() {
            return cancelled;
        }

        int[] emitted() {
            return Arrays.copyOfRange(state.tokensLive(), state.generationStart(), next);
        }
    }

    private static void validate(DenoisingModel model, int[] prompt, DiffusionSettings s, int vocab, int mask) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt is empty");
        }
        if (mask < 0 || mask >= vocab) {
            throw new IllegalArgumentException("mask token " + mask + " outside vocabulary [0, " + vocab + ")");
        }
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocab) {
                throw new IllegalArgumentException("prompt token " + prompt[i] + " at " + i + " outside vocabulary [0, " + vocab + ")");
            }
            if (prompt[i] == mask) {
                throw new IllegalArgumentException("prompt position " + i + " holds the mask token " + mask);
            }
        }
        long total = (long) prompt.length + s.genLength();
        if (total > model.maxSequenceLength()) {
            throw new IllegalArgumentException("prompt (" + prompt.length + ") + genLength (" + s.genLength() + ") = "
                    + total + " exceeds the model's maximum sequence length " + model.maxSequenceLength());
        }
    }

    private static void checkSelection(int[] chosen, MaskState state, int start, int end, UnmaskingPolicy policy) {
        if (chosen == null || chosen.length == 0) {
            throw new IllegalStateException(policy.name() + " selected nothing while the block has masked positions");
        }
        boolean[] seen = new boolean[end - start];
        for (int p : chosen) {
            if (p < start || p >= end || !state.isMasked(p) || seen[p - start]) {
                throw new IllegalStateException(policy.name() + " selected position " + p
                        + ", not a distinct masked position of block [" + start + ", " + end + ")");
            }
            seen[p - start] = true;
        }
    }

    /** Samples from softmax(x / temperature) with the mask token's probability removed. */
    private static int sample(MemorySegment row, int vocab, int mask, double temperature, double[] probs,
                              SplittableRandom rng) {
        LogitMath.softmax(row, vocab, temperature, probs);
        probs[mask] = 0;
        double total = 0;
        for (int i = 0; i < vocab; i++) {
            total += probs[i];
        }
        double u = rng.nextDouble() * total;
        int last = -1;
        for (int i = 0; i < vocab; i++) {
            if (probs[i] > 0) {
                last = i;
                u -= probs[i];
                if (u < 0) {
                    return i;
                }
            }
        }
        // rounding left u >= 0: the last token with mass
        return last >= 0 ? last : LogitMath.argmaxExcluding(row, vocab, mask);
    }

    /** True when some committed generated token is an EOG and everything before it is committed. */
    private static boolean finishedAtEog(DenoisingModel model, MaskState state) {
        for (int p = state.generationStart(); p < state.length(); p++) {
            if (state.isMasked(p)) {
                return false;
            }
            if (model.isEndOfGeneration(state.token(p))) {
                return true;
            }
        }
        return false;
    }

    private static void padAfterEog(DenoisingModel model, MaskState state) {
        int eog = -1;
        for (int p = state.generationStart(); p < state.length(); p++) {
            if (eog < 0 && !state.isMasked(p) && model.isEndOfGeneration(state.token(p))) {
                eog = state.token(p);
            } else if (eog >= 0 && state.isMasked(p)) {
                state.commit(p, eog);
            }
        }
    }

    /** Forward calls, timing and classifier-free guidance. */
    private static final class Forward {
        private final DenoisingModel model;
        private final double cfg;
        private final MaskState state;
        private final int vocab;
        private final float[] guided;
        private final int[] uncondTokens;
        private final int suffixWindow;
        int calls;
        long nanos;

        Forward(DenoisingModel model, double cfg, MaskState state, int blockLength, int vocab, int suffixWindow) {
            this.model = model;
            this.suffixWindow = suffixWindow;
            this.cfg = cfg;
            this.state = state;
            this.vocab = vocab;
            // only the current block's rows are ever read, so guidance is combined for those alone
            this.guided = cfg > 0 ? new float[Math.multiplyExact(blockLength, vocab)] : null;
            this.uncondTokens = cfg > 0 ? new int[state.length()] : null;
        }

        LogitsView run(int start, int end) {
            LogitsView cond = call(state.tokensLive(), start, end);
            if (guided == null) {
                return cond;
            }
            MemorySegment buf = MemorySegment.ofArray(guided);
            long rowBytes = (long) vocab * Float.BYTES;
            // copy first: the model may reuse its logits buffer on the next call
            for (int p = start; p < end; p++) {
                MemorySegment.copy(cond.row(p), 0, buf, (p - start) * rowBytes, rowBytes);
            }
            System.arraycopy(state.tokensLive(), 0, uncondTokens, 0, uncondTokens.length);
            Arrays.fill(uncondTokens, 0, state.promptLength(), state.maskToken());
            LogitsView uncond = call(uncondTokens, start, end);
            float scale = (float) (cfg + 1.0);
            // each row read from one bulk copy: a segment's element reads are slow code under C1 (one-shot runs)
            float[] u = new float[vocab];
            for (int p = start; p < end; p++) {
                MemorySegment.copy(uncond.row(p), ValueLayout.JAVA_FLOAT, 0, u, 0, vocab);
                int base = (p - start) * vocab;
                for (int i = 0; i < vocab; i++) {
                    guided[base + i] = u[i] + scale * (guided[base + i] - u[i]);
                }
            }
            return new BlockWindow(buf.asReadOnly(), start, end, state.length(), vocab);
        }

        private LogitsView call(int[] tokens, int from, int to) {
            // a suffix window: the model sees the sequence up to W positions past the block, nothing after
            if (suffixWindow >= 0 && (long) to + suffixWindow < tokens.length) tokens = Arrays.copyOf(tokens, to + suffixWindow);
            long t = System.nanoTime();
            LogitsView v = model.forward(tokens, from, to);
            nanos += System.nanoTime() - t;
            calls++;
            if (v.rows() < tokens.length || v.vocabSize() != vocab) {
                throw new IllegalStateException("model returned " + v.rows() + " x " + v.vocabSize()
                        + " logits for " + tokens.length + " tokens, vocabulary " + vocab);
            }
            return v;
        }
    }

    /** Sequence-indexed view over guided logits that holds only the current block's rows. */
    private record BlockWindow(MemorySegment buf, int start, int end, int rows, int vocabSize) implements LogitsView {
        @Override
        public MemorySegment row(int r) {
            if (r < start || r >= end) {
                throw new IndexOutOfBoundsException("guided logits row " + r + " outside the current block ["
                        + start + ", " + end + ")");
            }
            long bytes = (long) vocabSize * Float.BYTES;
            return buf.asSlice((r - start) * bytes, bytes);
        }
    }
}
