package paradec.decode;

import paradec.generation.GenerationResult;
import paradec.generation.StopReason;
import paradec.generation.TokenListener;
import paradec.logits.LogitsView;
import paradec.trace.ArStep;
import paradec.trace.TraceStart;

/** Plain autoregressive decoding: one token per forward call. The reference every parallel decoder must match. */
public final class ArDecoder implements Decoder {
    /** Prompt chunk: tokens per decode while the prompt is evaluated. */
    static final int PROMPT_BATCH = 512;

    @Override
    public String name() {
        return "ar";
    }

    @Override
    public ContextNeeds needs() {
        return new ContextNeeds(1, false, PROMPT_BATCH, 0);
    }

    @Override
    public GenerationResult generate(CausalModel model, int[] prompt, GenerationSettings settings, TokenListener listener) {
        Prompts.check(model, prompt, needs());
        RunMeter meter = new RunMeter(model);
        Sampler sampler = Samplers.of(settings.sampling());
        Output out = new Output(model, settings.maxNewTokens(), listener);
        int vocab = model.vocabSize();
        if (settings.trace() != null) settings.trace().onEvent(TraceStart.ar(name(), prompt));
        TokenBatch batch = new TokenBatch(Math.min(model.maxBatch(), Math.max(prompt.length, 1)));
        LogitsView logits = Prompts.evaluate(model, batch, prompt);
        int position = prompt.length;
        int iteration = 0;
        while (true) {
            int token = sampler.sample(logits.row(0), vocab);
            if (settings.trace() != null) {
                int[] one = {token};
                settings.trace().onEvent(new ArStep(name(), iteration++, position - 1, new int[0], one, 0, one));
            }
            if (!out.accept(token)) break;
            if (position >= model.maxPositions()) {
                out.stop(StopReason.CONTEXT_FULL);
                break;
            }
            batch.clear().add(token, position, true, 0);
            logits = model.decode(batch);
            position++;
        }
        return meter.result(name(), prompt, out, 0, 1);
    }
}
