package paradec.decode;

import paradec.logits.LogitsView;

/** Checks and evaluation of a prompt into sequence 0, shared by the autoregressive decoders. */
final class Prompts {
    private Prompts() {}

    static void check(CausalModel model, int[] prompt, ContextNeeds needs) {
        if (prompt == null || prompt.length == 0) throw new IllegalArgumentException("the prompt must hold at least one token");
        for (int t : prompt) {
            if (t < 0 || t >= model.vocabSize()) {
                throw new IllegalArgumentException("prompt token id " + t + " is outside the vocabulary [0, " + model.vocabSize() + ")");
            }
        }
        if (prompt.length >= model.maxPositions()) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens leaves no room to generate in a context of "
                    + model.maxPositions() + " positions");
        }
        if (model.maxSequences() < needs.sequences()) {
            throw new IllegalArgumentException("this decoder needs " + needs.sequences() + " sequences, the model's context has "
                    + model.maxSequences());
        }
        if (needs.unifiedKv() && !model.unifiedKv()) {
            throw new IllegalArgumentException("this decoder shares KV cells between sequences and needs a unified KV cache");
        }
    }

    /**
     * Clears the memory and decodes the prompt in chunks of at most the batch's capacity.
     *
     * @return the logits of the last prompt token (row 0), valid until the next decode
     */
    static LogitsView evaluate(CausalModel model, TokenBatch batch, int[] prompt) {
        model.clear();
        int chunk = Math.min(batch.capacity(), model.maxBatch());
        LogitsView last = null;
        for (int start = 0; start < prompt.length; start += chunk) {
            int end = Math.min(prompt.length, start + chunk);
            batch.clear();
            for (int i = start; i < end; i++) batch.add(prompt[i], i, i == prompt.length - 1, 0);
            last = model.decode(batch);
        }
        return last;
    }
}
