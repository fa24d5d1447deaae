package paradec.decode;

import java.lang.foreign.MemorySegment;
import paradec.llama.Batch;
import paradec.llama.Context;

/** Evaluation of a prompt into sequence 0, shared by the autoregressive decoders. */
final class Prompts {
    private Prompts() {}

    static void check(Context ctx, int[] prompt, int extraPositions) {
        if (prompt == null || prompt.length == 0) throw new IllegalArgumentException("the prompt must hold at least one token");
        for (int t : prompt) {
            if (t < 0 || t >= ctx.vocabSize()) {
                throw new IllegalArgumentException("prompt token id " + t + " is outside the vocabulary [0, " + ctx.vocabSize() + ")");
            }
        }
        if (prompt.length + extraPositions > ctx.positionsPerSequence()) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens does not fit in a context of "
                    + ctx.positionsPerSequence() + " positions");
        }
    }

    /**
     * Clears the memory and decodes the prompt in chunks of at most n_batch tokens.
     *
     * @return the logits of the last prompt token, valid until the next decode
     */
    static MemorySegment evaluate(Context ctx, Batch batch, int[] prompt) {
        ctx.clearMemory();
        int chunk = batch.capacity();
        int lastIndex = -1;
        for (int start = 0; start < prompt.length; start += chunk) {
            int end = Math.min(prompt.length, start + chunk);
            batch.clear();
            for (int i = start; i < end; i++) batch.add(prompt[i], i, i == prompt.length - 1, 0);
            ctx.decode(batch);
            lastIndex = end - 1 - start;
        }
        return ctx.logits(lastIndex);
    }
}
