package paradec.decode;

import java.lang.foreign.MemorySegment;
import paradec.llama.Batch;
import paradec.llama.Context;

/** Plain autoregressive decoding: one token per llama_decode. The reference every parallel decoder must match. */
public final class ArDecoder implements Decoder {
    @Override
    public String name() {
        return "ar";
    }

    @Override
    public GenerationResult generate(Context ctx, int[] prompt, GenerationSettings settings, TokenListener listener) {
        Prompts.check(ctx, prompt, 0);
        RunMeter meter = new RunMeter(ctx);
        Sampler sampler = Samplers.of(settings.sampling());
        Output out = new Output(ctx.model().vocab(), settings.maxNewTokens(), listener);
        int vocab = ctx.vocabSize();
        try (Context.Lease lease = ctx.acquire(); Batch batch = ctx.newBatch(Math.min(ctx.batchSize(), Math.max(prompt.length, 1)))) {
            MemorySegment logits = Prompts.evaluate(ctx, batch, prompt);
            int position = prompt.length;
            int iteration = 0;
            while (true) {
                int token = sampler.sample(logits, vocab);
                if (settings.trace() != null) {
                    settings.trace().onStep(new TraceStep(name(), iteration++, position - 1, new int[0], new int[] {token}, 0, new int[] {token}));
                }
                if (!out.accept(token)) break;
                if (position >= ctx.positionsPerSequence()) {
                    out.stop(StopReason.CONTEXT_FULL);
                    break;
                }
                batch.clear().add(token, position, true, 0);
                ctx.decode(batch);
                logits = ctx.logits(0);
                position++;
            }
        }
        return meter.result(name(), prompt, out, 0, 1);
    }
}
