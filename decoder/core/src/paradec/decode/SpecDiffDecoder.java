package paradec.decode;

import java.util.Arrays;
import java.util.Objects;
import paradec.diffusion.DenoisingModel;
import paradec.diffusion.DiffusionGenerator;
import paradec.diffusion.DiffusionSettings;
import paradec.diffusion.LowConfidencePolicy;
import paradec.generation.GenerationResult;
import paradec.generation.StopReason;
import paradec.generation.TokenListener;
import paradec.logits.LogitsView;
import paradec.trace.ArStep;
import paradec.trace.TraceStart;

/**
 * Speculative diffusion (SpecDiff): a diffusion model drafts the next {@code draftLength} tokens in
 * {@code draftSteps} denoising steps, and the AR model verifies the draft in one batched call, as
 * Jacobi verifies its guesses: the longest prefix of draft tokens that equal the AR model's own
 * choices is accepted with the AR model's choice after it. Greedy output is exactly AR greedy output;
 * with sampling each accepted token is the AR model's own draw at its row.
 *
 * <p>The drafter must share the AR model's vocabulary; it may have tokens beyond it (the lab's code-dlm is
 * code-ar's tokenizer plus the mask token), which never enter a draft. It sees the
 * last tokens of the text that fit its context, and one generation uses it from one thread.
 */
public final class SpecDiffDecoder implements Decoder {
    private final DenoisingModel drafter;
    private final int draftLength;
    private final int draftSteps;
    private final boolean adaptive;

    /**
     * @param draftLength tokens per draft, 1..64
     * @param draftSteps  denoising steps per draft, 1..draftLength
     */
    public SpecDiffDecoder(DenoisingModel drafter, int draftLength, int draftSteps) {
        this(drafter, draftLength, draftSteps, false);
    }

    /**
     * SpecDiff whose draft length follows the acceptance seen so far and what drafting and verifying cost
     * ({@link WindowTuner} over the model's cost curve plus the drafter's measured time per step): up to
     * {@code maxDraftLength} tokens, none when drafts do not pay (with an occasional probe).
     */
    public static SpecDiffDecoder adaptive(DenoisingModel drafter, int maxDraftLength, int draftSteps) {
        return new SpecDiffDecoder(drafter, maxDraftLength, draftSteps, true);
    }

    private SpecDiffDecoder(DenoisingModel drafter, int draftLength, int draftSteps, boolean adaptive) {
        this.adaptive = adaptive;
        this.drafter = Objects.requireNonNull(drafter, "drafter");
        if (draftLength < 1 || draftLength > CostCurve.MAX_K - 1) {
            throw new IllegalArgumentException("draft length must be in [1, " + (CostCurve.MAX_K - 1) + "], got " + draftLength);
        }
        if (draftSteps < 1 || draftSteps > draftLength) {
            throw new IllegalArgumentException("draft steps must be in [1, draft length " + draftLength + "], got " + draftSteps);
        }
        if (drafter.maxSequenceLength() <= draftLength) {
            throw new IllegalArgumentException("the drafter holds " + drafter.maxSequenceLength() + " positions, a draft needs more than " + draftLength);
        }
        this.draftLength = draftLength;
        this.draftSteps = draftSteps;
    }

    @Override
    public java.util.List<Object> auxiliaryModels() {
        return java.util.List.of(drafter);
    }

    @Override
    public String name() {
        return "specdiff";
    }

    @Override
    public ContextNeeds needs() {
        return new ContextNeeds(1, false, Math.max(ArDecoder.PROMPT_BATCH, draftLength + 1), draftLength);
    }

    @Override
    public GenerationResult generate(CausalModel model, int[] prompt, GenerationSettings gen, TokenListener listener) {
        Prompts.check(model, prompt, needs());
        // the lab's diffusion models append their mask token to the AR model's vocabulary: the shared ids must agree
        if (drafter.vocabSize() < model.vocabSize()) {
            throw new IllegalArgumentException("the drafter's vocabulary (" + drafter.vocabSize() + " tokens) does not cover the model's ("
                    + model.vocabSize() + ")");
        }
        // the tuner first: measuring the cost curve (once per model and context) is not this generation's work
        double[] stepNanos = {Double.NaN};
        WindowTuner tuner = adaptive ? new WindowTuner(model.costCurve(), draftLength + 1, w -> Math.min(draftSteps, w - 1) * stepNanos[0]) : null;
        RunMeter meter = new RunMeter(model);
        Sampler sampler = Samplers.of(gen.sampling());
        Output out = new Output(model, gen.maxNewTokens(), listener);
        int vocab = model.vocabSize();
        if (gen.trace() != null) gen.trace().onEvent(TraceStart.ar(name(), prompt));
        DiffusionGenerator diffusion = new DiffusionGenerator();
        int[] history = Arrays.copyOf(prompt, prompt.length + gen.maxNewTokens() + 1);
        int historyLength = prompt.length;
        int[] window = new int[draftLength + 1];
        int[] predictions = new int[draftLength + 1];
        long acceptedTotal = 0;
        long draftNanos = 0;
        long draftCalls = 0;
        long draftedTotal = 0;
        // stepNanos: the drafter's time per denoising step, measured as it goes (the first draft is a full-length one,
        // which measures it and the acceptance at once)

        TokenBatch batch = new TokenBatch(Math.max(draftLength + 1, Math.min(model.maxBatch(), prompt.length)));
        LogitsView logits = Prompts.evaluate(model, batch, prompt);
        int position = prompt.length;
        int next = sampler.sample(logits.row(0), vocab);
        if (out.accept(next)) {
            history[historyLength++] = next;
            for (int iteration = 0; ; iteration++) {
                int room = model.maxPositions() - position;
                if (room <= 0) {
                    out.stop(StopReason.CONTEXT_FULL);
                    break;
                }
                int wanted = tuner != null && !Double.isNaN(stepNanos[0]) ? tuner.nextWindow() - 1 : draftLength;
                int k = Math.max(0, Math.min(wanted, Math.min(room, out.remaining()) - 1));
                int drafted = 0;
                // the drafter continues the text so far: its last tokens that fit, then k masks; text holding the
                // drafter's mask token (which it cannot take as input) is cut after its last occurrence
                int context = Math.min(historyLength, drafter.maxSequenceLength() - k);
                for (int i = historyLength - 1; i >= historyLength - context; i--) {
                    if (history[i] == drafter.maskToken()) {
                        context = historyLength - 1 - i;
                        break;
                    }
                }
                if (k > 0 && context > 0) {
                    int[] draftPrompt = Arrays.copyOfRange(history, historyLength - context, historyLength);
                    GenerationResult draft = diffusion.generate(drafter, draftPrompt,
                            DiffusionSettings.of(k, k, Math.min(draftSteps, k)).withTrimAtEog(true), new LowConfidencePolicy(), null, null);
                    draftNanos += draft.nativeNanos();
                    draftCalls += draft.forwardCalls();
                    if (draft.forwardCalls() > 0) {
                        double perStep = (double) draft.nativeNanos() / draft.forwardCalls();
                        stepNanos[0] = Double.isNaN(stepNanos[0]) ? perStep : 0.8 * stepNanos[0] + 0.2 * perStep;
                    }
                    int[] d = draft.tokens();
                    drafted = Math.min(k, d.length);
                    // a token only the drafter has cannot be verified: the draft ends before it
                    for (int i = 0; i < drafted; i++) {
                        if (d[i] >= vocab) {
                            drafted = i;
                            break;
                        }
                    }
                    System.arraycopy(d, 0, window, 1, drafted);
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
                historyLength = out.acceptAll(emitted, history, historyLength);
                if (historyLength < 0) break;
                next = bonus;
            }
        }
        GenerationResult r = meter.result(name(), prompt, out, acceptedTotal, draftLength);
        java.util.Map<String, Object> extras = new java.util.LinkedHashMap<>(r.extras());
        extras.put("draft_calls", draftCalls);
        extras.put("drafted_tokens", draftedTotal);
        extras.put("draft_nanos", draftNanos);
        // the drafter's forward passes are native work too
        return new GenerationResult(r.decoder(), r.promptTokens(), r.tokens(), r.text(), r.stopReason(), r.forwardCalls(),
                r.wallNanos(), r.nativeNanos() + draftNanos, extras);
    }
}
