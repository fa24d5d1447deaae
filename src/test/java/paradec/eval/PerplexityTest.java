package paradec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import paradec.llama.Batch;
import paradec.llama.Context;
import paradec.llama.ContextParams;
import paradec.llama.Model;
import paradec.testing.TestModels;

/** The batched perplexity equals the one computed token by token, one decode per token, chunk by chunk. */
class PerplexityTest {
    @Test
    void batchedChunksEqualTokenByTokenScoring() throws Exception {
        try (Model model = Model.load(TestModels.withVocab("llama-spm", 43));
                Context ctx = model.newContext(ContextParams.of(64).withThreads(1))) {
            int[] tokens = model.vocab().tokenize("def f(x):\n    return x + 1\n\nclass A:\n    pass\n" .repeat(3), false, false);
            int chunk = 16;
            Perplexity.Result batched = Perplexity.of(ctx, tokens, chunk);

            int vocab = ctx.vocabSize();
            double nll = 0;
            long scored = 0;
            try (Batch one = ctx.newBatch(1)) {
                for (int start = 0; start + 1 < tokens.length; start += chunk) {
                    ctx.clearMemory();
                    int n = Math.min(chunk, tokens.length - start);
                    for (int i = 0; i + 1 < n; i++) {
                        one.clear();
                        one.add(tokens[start + i], i, true);
                        ctx.decode(one);
                        MemorySegment row = ctx.logits(0);
                        double max = Double.NEGATIVE_INFINITY;
                        for (int v = 0; v < vocab; v++) max = Math.max(max, row.getAtIndex(ValueLayout.JAVA_FLOAT, v));
                        double sum = 0;
                        for (int v = 0; v < vocab; v++) sum += Math.exp(row.getAtIndex(ValueLayout.JAVA_FLOAT, v) - max);
                        nll += max + Math.log(sum) - row.getAtIndex(ValueLayout.JAVA_FLOAT, tokens[start + i + 1]);
                        scored++;
                    }
                }
            }
            assertEquals(scored, batched.scored());
            assertEquals(tokens.length - (tokens.length + chunk - 1) / chunk, scored, "every token but each chunk's first");
            assertEquals(nll / scored, batched.meanNats(), 2e-3, "batched and one-by-one logits agree to float noise");
            assertEquals((tokens.length + chunk - 1) / chunk, batched.forwardCalls());
            assertThrows(IllegalArgumentException.class, () -> Perplexity.of(ctx, tokens, 1));
            assertThrows(IllegalArgumentException.class, () -> Perplexity.of(ctx, tokens, 65));
        }
    }

    /** A continuation's NLL given its prompt equals scoring it token by token after the prompt, one decode each. */
    @Test
    void continuationScoreEqualsTokenByTokenScoringAfterThePrompt() throws Exception {
        try (Model model = Model.load(TestModels.withVocab("llama-spm", 43));
                Context ctx = model.newContext(ContextParams.of(64).withThreads(1))) {
            int[] prompt = model.vocab().tokenize("def f(x):\n", true, false);
            int[] continuation = model.vocab().tokenize("    return x + 1\n", false, false);
            Perplexity.Result r = Perplexity.ofContinuation(ctx, prompt, continuation);

            int vocab = ctx.vocabSize();
            double nll = 0;
            int n = prompt.length + continuation.length;
            try (Batch one = ctx.newBatch(1)) {
                ctx.clearMemory();
                for (int i = 0; i + 1 < n; i++) {
                    one.clear();
                    one.add(i < prompt.length ? prompt[i] : continuation[i - prompt.length], i, true);
                    ctx.decode(one);
                    if (i + 1 < prompt.length) continue; // the next token is the prompt's: not scored
                    MemorySegment row = ctx.logits(0);
                    double max = Double.NEGATIVE_INFINITY;
                    for (int v = 0; v < vocab; v++) max = Math.max(max, row.getAtIndex(ValueLayout.JAVA_FLOAT, v));
                    double sum = 0;
                    for (int v = 0; v < vocab; v++) sum += Math.exp(row.getAtIndex(ValueLayout.JAVA_FLOAT, v) - max);
                    nll += max + Math.log(sum) - row.getAtIndex(ValueLayout.JAVA_FLOAT, continuation[i + 1 - prompt.length]);
                }
            }
            assertEquals(continuation.length, r.scored());
            assertEquals(1, r.forwardCalls());
            assertEquals(nll, r.negLogLikelihood(), 2e-3 * continuation.length, "batched and one-by-one logits agree to float noise");
            assertEquals(0, Perplexity.ofContinuation(ctx, prompt, new int[0]).scored());
            assertThrows(IllegalArgumentException.class, () -> Perplexity.ofContinuation(ctx, new int[0], continuation));
            assertThrows(IllegalArgumentException.class, () -> Perplexity.ofContinuation(ctx, prompt, new int[64]));
        }
    }
}
