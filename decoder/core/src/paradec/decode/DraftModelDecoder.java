package paradec.decode;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import paradec.generation.GenerationResult;
import paradec.generation.StopReason;
import paradec.generation.TokenListener;
import paradec.logits.LogitMath;
import paradec.logits.LogitsView;
import paradec.trace.ArStep;
import paradec.trace.TraceStart;

/**
 * Classic draft-model speculative decoding: a small autoregressive drafter (a second {@link CausalModel}
 * with a context and KV cache of its own) proposes the next {@code draftLength} tokens greedily, one
 * one-token decode each, and the target model verifies them in one batched call, as SpecDiff and
 * lookahead verify: the longest prefix of draft tokens equal to the target's own choices is accepted,
 * with the target's choice after it. Greedy output is exactly AR greedy output; with sampling each
 * accepted token is the target's own draw at its row.
 *
 * <p>The drafter's KV cache follows the accepted text: after each verification the cells of rejected
 * draft tokens are removed, and the next draft first feeds the tokens the drafter has not seen (the
 * target's token after the accepted prefix, and the last draft token when the whole draft was
 * accepted, since that one was drafted but never fed). Both models must share their vocabulary. Text
 * past the drafter's own context is verified without drafts. One generation uses the drafter at a time.
 */
public final class DraftModelDecoder implements Decoder {
    private final CausalModel drafter;
    private final int draftLength;
    private final boolean adaptive;

    /** @param draftLength tokens drafted per target call, 1..63 */
    public DraftModelDecoder(CausalModel drafter, int draftLength) {
        this(drafter, draftLength, false);
    }

    /**
     * A draft-model decoder whose draft length follows the acceptance seen so far and what drafting and
     * verifying cost ({@link WindowTuner} over the target's cost curve plus one drafter decode per drafted token,
     * from the drafter's own cost curve): up to {@code maxDraftLength} tokens, none when drafts do not pay (with an
     * occasional probe).
     */
    public static DraftModelDecoder adaptive(CausalModel drafter, int maxDraftLength) {
        return new DraftModelDecoder(drafter, maxDraftLength, true);
    }

    private DraftModelDecoder(CausalModel drafter, int draftLength, boolean adaptive) {
        this.drafter = Objects.requireNonNull(drafter, "drafter");
        if (draftLength < 1 || draftLength > CostCurve.MAX_K - 1) {
            throw new IllegalArgumentException("draft length must be in [1, " + (CostCurve.MAX_K - 1) + "], got " + draftLength);
        }
        this.draftLength = draftLength;
        this.adaptive = adaptive;
    }

    @Override
    public java.util.List<Object> auxiliaryModels() {
        return java.util.List.of(drafter);
    }

    @Override
    public String name() {
        return "draft";
    }

    @Override
    public ContextNeeds needs() {
        return new ContextNeeds(1, false, Math.max(ArDecoder.PROMPT_BATCH, draftLength + 1), draftLength);
    }

    /** The drafter, its KV cache and what it has seen of the text. */
    private static final class Drafter {
        final CausalModel model;
        final TokenBatch batch;
        /** Tokens of the text whose cells the drafter holds: positions 0..seen-1. */
        int seen;
        long calls;
        long nanos;

        Drafter(CausalModel model) {
            this.model = model;
            this.batch = new TokenBatch(Math.max(1, model.maxBatch()));
        }

        /**
         * Feeds text[seen..length) in chunks the drafter's batch takes and returns the logits after the
         * last one (row 0), valid until the next decode.
         */
        LogitsView catchUp(int[] text, int length) {
            LogitsView last = null;
            while (seen < length) {
                int end = Math.min(length, seen + batch.capacity());
                batch.clear();
                for (int i = seen; i < end; i++) batch.add(text[i], i, i == length - 1, 0);
                last = decode();
                seen = end;
            }
            return last;
        }

        LogitsView feed(int token, int position) {
            batch.clear().add(token, position, true, 0);
            LogitsView logits = decode();
            seen = position + 1;
            return logits;
        }

        private LogitsView decode() {
            ModelCounters before = model.counters();
            LogitsView logits = model.decode(batch);
            ModelCounters used = model.counters().minus(before);
            calls += used.forwardCalls();
            nanos += used.forwardNanos();
            return logits;
        }

        /** Keeps the first {@code keep} tokens of the text, drops the cells after them. */
        void truncate(int keep) {
            if (keep < seen) {
                ModelCounters before = model.counters();
                model.removeTokens(0, keep, -1);
                nanos += model.counters().minus(before).memoryNanos();
                seen = keep;
            }
        }
    }

    @Override
    public GenerationResult generate(CausalModel model, int[] prompt, GenerationSettings gen, TokenListener listener) {
        Prompts.check(model, prompt, needs());
        if (drafter.vocabSize() != model.vocabSize()) {
            throw new IllegalArgumentException("the drafter's vocabulary (" + drafter.vocabSize() + " tokens) differs from the model's ("
                    + model.vocabSize() + "): draft and target must share their tokenizer");
        }
        if (drafter == model) throw new IllegalArgumentException("the drafter must be a model (and context) of its own");
        // a drafted token costs the drafter one one-token decode: its own cost curve says what that is on this machine
        // (measured like the target's, once per model and context, so one slow first call does not mislead the tuner;
        // measured on the fly, a cold first draft read as tens of ms a token and kept the tuner at window 1). A drafter
        // trained on the target's data usually agrees with it (draft-model speculation typically accepts 60-80% of
        // drafted tokens): the tuner starts optimistic, 3 of 4, as Jacobi's does for a lookup match; wrong drafts bring
        // it down within a few calls. Both before the meter: measuring a curve is not this generation's work.
        WindowTuner tuner = null;
        if (adaptive) {
            double tokenNanos = drafter.costCurve().cost(1);
            tuner = new WindowTuner(model.costCurve(), draftLength + 1, w -> (w - 1) * tokenNanos).withPrior(3, 4);
        }
        RunMeter meter = new RunMeter(model);
        Sampler sampler = Samplers.of(gen.sampling());
        Output out = new Output(model, gen.maxNewTokens(), listener);
        int vocab = model.vocabSize();
        if (gen.trace() != null) gen.trace().onEvent(TraceStart.ar(name(), prompt));
        int[] history = Arrays.copyOf(prompt, prompt.length + gen.maxNewTokens() + 1);
        int historyLength = prompt.length;
        int[] window = new int[draftLength + 1];
        int[] predictions = new int[draftLength + 1];
        long acceptedTotal = 0;
        long draftedTotal = 0;
        Drafter d = new Drafter(drafter);
        drafter.clear();

        TokenBatch batch = new TokenBatch(Math.max(draftLength + 1, Math.min(model.maxBatch(), prompt.length)));
        LogitsView logits = Prompts.evaluate(model, batch, prompt);
        int position = prompt.length;
        int next = sampler.sample(logits.row(0), vocab);
        if (out.accept(next)) {
            history[historyLength++] = next;
            for (int iteration = 0; ; iteration++) {
                // the target holds positions 0..position-1; next (history[historyLength-1]) goes at position
                int room = model.maxPositions() - position;
                if (room <= 0) {
                    out.stop(StopReason.CONTEXT_FULL);
                    break;
                }
                int wanted = tuner == null ? draftLength : tuner.nextWindow() - 1;
                int k = Math.max(0, Math.min(wanted, Math.min(room, out.remaining()) - 1));
                // the drafter feeds the text up to next (position historyLength-1) and drafts k-1 more at the
                // positions after it: all must fit its context
                k = Math.max(0, Math.min(k, drafter.maxPositions() - historyLength + 1));
                int drafted = 0;
                if (k > 0) {
                    LogitsView dl = d.catchUp(history, historyLength);
                    while (true) {
                        int token = LogitMath.argmax(dl.row(0), vocab);
                        window[1 + drafted++] = token;
                        // nothing follows an end of generation; k drafts need k - 1 feeds
                        if (drafted == k || drafter.isEndOfGeneration(token)) break;
                        dl = d.feed(token, historyLength - 1 + drafted);
                    }
                }
                window[0] = next;
                int accepted = DraftVerification.verify(model, batch, window, drafted, position, sampler, vocab, predictions);
                int bonus = predictions[accepted];
                acceptedTotal += accepted;
                draftedTotal += drafted;
                if (tuner != null) tuner.observe(drafted + 1, accepted);
                int[] emitted = Arrays.copyOfRange(window, 1, accepted + 2);
                emitted[accepted] = bonus;
                if (gen.trace() != null) {
                    gen.trace().onEvent(new ArStep(name(), iteration, position, Arrays.copyOf(window, drafted + 1),
                            Arrays.copyOf(predictions, drafted + 1), accepted, emitted));
                }
                position += accepted + 1;
                model.removeTokens(0, position, -1);
                // the drafter keeps the text and the accepted drafts it fed; the rejected ones' cells go
                d.truncate(historyLength + accepted);
                historyLength = out.acceptAll(emitted, history, historyLength);
                if (historyLength < 0) break;
                next = bonus;
            }
        }
        GenerationResult r = meter.result(name(), prompt, out, acceptedTotal, draftLength);
        Map<String, Object> extras = new LinkedHashMap<>(r.extras());
        extras.put("draft_calls", d.calls);
        extras.put("drafted_tokens", draftedTotal);
        extras.put("draft_nanos", d.nanos);
        // the drafter's forward passes are native work too
        return new GenerationResult(r.decoder(), r.promptTokens(), r.tokens(), r.text(), r.stopReason(), r.forwardCalls(),
                r.wallNanos(), r.nativeNanos() + d.nanos, extras);
    }
}
