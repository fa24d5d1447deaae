package paradec.eval;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import paradec.llama.Batch;
import paradec.llama.Context;
import paradec.logits.LogitMath;

/**
 * Perplexity of a causal model on a token sequence, the way the model lab measures held-out loss: the text is cut
 * into consecutive chunks of {@code chunk} tokens, each evaluated from an empty cache, and every token of a chunk
 * but its first is scored given the tokens before it in the chunk.
 */
public final class Perplexity {
    private Perplexity() {}

    /** Summed negative log-likelihood (nats) over {@code scored} tokens. */
    public record Result(double negLogLikelihood, long scored, long forwardCalls) {
        public double perplexity() {
            return Math.exp(meanNats());
        }

        public double meanNats() {
            return scored == 0 ? Double.NaN : negLogLikelihood / scored;
        }
    }

    /**
     * @throws IllegalArgumentException if the context is a diffusion one, or chunk is not in [2, the context's
     *                                  positions per sequence and batch size]
     */
    /** Whether perplexity is defined for this model (a causal model; diffusion models have no next-token distribution). */
    public static boolean applies(paradec.llama.Model model) {
        return !model.isDiffusion();
    }

    public static Result of(Context ctx, int[] tokens, int chunk) {
        if (ctx.isDiffusion()) throw new IllegalArgumentException("perplexity needs a causal model");
        if (chunk < 2 || chunk > ctx.positionsPerSequence() || chunk > ctx.batchSize()) {
            throw new IllegalArgumentException("chunk must be in [2, " + Math.min(ctx.positionsPerSequence(), ctx.batchSize()) + "], got " + chunk);
        }
        int vocab = ctx.vocabSize();
        double nll = 0;
        long scored = 0;
        long calls = 0;
        try (Context.Lease lease = ctx.acquire(); Batch batch = ctx.newBatch(chunk)) {
            for (int start = 0; start + 1 < tokens.length; start += chunk) {
                int n = Math.min(chunk, tokens.length - start);
                ctx.clearMemory();
                batch.clear();
                for (int i = 0; i < n; i++) batch.add(tokens[start + i], i, i + 1 < n);
                ctx.decode(batch);
                calls++;
                for (int i = 0; i + 1 < n; i++) {
                    MemorySegment row = ctx.logits(i);
                    nll += LogitMath.logSumExp(row, vocab) - row.getAtIndex(ValueLayout.JAVA_FLOAT, tokens[start + i + 1]);
                    scored++;
                }
            }
        }
        return new Result(nll, scored, calls);
    }

    /**
     * The negative log-likelihood of {@code continuation} given {@code prompt}: one decode of the two together from
     * an empty cache, every continuation token scored given all tokens before it (how well a causal model likes
     * a text another decoder wrote after that prompt). An empty continuation scores nothing and decodes nothing.
     *
     * @throws IllegalArgumentException if the context is a diffusion one, the prompt is empty, or prompt and
     *                                  continuation together exceed the context's positions or batch size
     */
    public static Result ofContinuation(Context ctx, int[] prompt, int[] continuation) {
        if (ctx.isDiffusion()) throw new IllegalArgumentException("perplexity needs a causal model");
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt has no token to condition on");
        if (continuation.length == 0) return new Result(0, 0, 0);
        int n = prompt.length + continuation.length;
        int limit = Math.min(ctx.positionsPerSequence(), ctx.batchSize());
        if (n > limit) {
            throw new IllegalArgumentException("prompt and continuation are " + prompt.length + " + " + continuation.length
                    + " tokens, more than the " + limit + " one decode can hold");
        }
        int vocab = ctx.vocabSize();
        double nll = 0;
        try (Context.Lease lease = ctx.acquire(); Batch batch = ctx.newBatch(n)) {
            ctx.clearMemory();
            for (int i = 0; i < n; i++) {
                int token = i < prompt.length ? prompt[i] : continuation[i - prompt.length];
                // logits only where the next token is a continuation token
                batch.add(token, i, i >= prompt.length - 1 && i + 1 < n);
            }
            ctx.decode(batch);
            for (int i = prompt.length - 1; i + 1 < n; i++) {
                MemorySegment row = ctx.logits(i);
                nll += LogitMath.logSumExp(row, vocab) - row.getAtIndex(ValueLayout.JAVA_FLOAT, continuation[i + 1 - prompt.length]);
            }
        }
        return new Result(nll, continuation.length, 1);
    }
}
