package paradec.engine;

import paradec.diffusion.DenoisingModel;
import paradec.llama.Batch;
import paradec.llama.Context;
import paradec.llama.ContextParams;
import paradec.llama.Model;
import paradec.llama.Vocab;
import paradec.logits.LogitsView;

/**
 * A llama.cpp diffusion model (LLaDA, Dream, ...) behind {@link DenoisingModel}: each forward is
 * one llama_decode of the whole sequence; the view exposes the requested rows only (the current
 * block, not the prompt or later blocks), re-aligned when the model shifts its logits (row p-1 then
 * holds the distribution of position p).
 *
 * <p>Every token is flagged as an output: a model without KV memory goes through llama.cpp's
 * encoder path, which ignores the batch's output flags and always returns the logits of every token
 * in batch order. Flagging only the requested rows made the binding believe it got a compacted
 * block of rows while llama.cpp had written rows 0, 1, ... so any range not starting at 0 read the
 * wrong positions.
 */
public final class LlamaDenoisingModel implements DenoisingModel, AutoCloseable {
    private final Model model;
    private final Context context;
    private final Batch batch;
    private long computedPositions;
    private final Vocab vocab;
    private final int mask;
    private final boolean shiftLogits;
    private final int maxLength;

    /**
     * @param maxSequenceLength prompt + generation length this instance must hold
     * @throws IllegalArgumentException if the model is not a diffusion model, has no mask token, or
     *                                  the length exceeds the model's trained context
     */
    public LlamaDenoisingModel(Model model, int maxSequenceLength, int threads) {
        if (!model.isDiffusion()) throw new IllegalArgumentException(model.path() + " is not a diffusion model");
        this.model = model;
        this.vocab = model.vocab();
        this.mask = vocab.mask();
        if (mask < 0) throw new IllegalArgumentException(model.path() + " has no mask token (tokenizer.ggml.mask_token_id)");
        if (maxSequenceLength < 2) throw new IllegalArgumentException("sequence length must be >= 2");
        // the context is sized to the request, so nothing else stops a sequence beyond what the model was
        // trained for (llama.cpp only warns, then allocates and computes one huge non-causal micro-batch)
        int trained = model.contextLengthTrained();
        if (trained > 0 && maxSequenceLength > trained) {
            throw new IllegalArgumentException("prompt + generation = " + maxSequenceLength
                    + " tokens exceeds the model's context length " + trained);
        }
        this.shiftLogits = PositionRows.shiftsLogits(model);
        this.context = model.newContext(new ContextParams(maxSequenceLength, maxSequenceLength, maxSequenceLength, 1, threads, false));
        this.maxLength = Math.min(context.microBatch(), context.contextLength());
        this.batch = context.newBatch(maxLength);
    }

    public boolean shiftsLogits() {
        return shiftLogits;
    }

    public Context context() {
        return context;
    }

    @Override
    public int vocabSize() {
        return context.vocabSize();
    }

    @Override
    public int maskToken() {
        return mask;
    }

    @Override
    public int maxSequenceLength() {
        return maxLength;
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return vocab.isEndOfGeneration(token);
    }

    /** Positions computed over all forward calls: each call computes the whole sequence it is given. */
    public long computedPositions() {
        return computedPositions;
    }

    @Override
    public LogitsView forward(int[] tokens, int from, int to) {
        PositionRows.checkForward(tokens, from, to, maxLength);
        // with shifted logits, position p's distribution sits in row p - 1 (position 0 uses row 0)
        boolean shift = shiftLogits;
        batch.clear();
        // all outputs: the encoder path computes and returns every row anyway (see the class comment)
        for (int i = 0; i < tokens.length; i++) batch.add(tokens[i], i, true, 0);
        context.decode(batch);
        computedPositions += tokens.length;
        return new PositionRows(context.outputLogits(), tokens.length, context.vocabSize(), from, to, shift, 0, 0);
    }

    @Override
    public void close() {
        // the context first: it waits for a generation holding it on another thread (see LlamaCausalModel.close)
        try {
            context.close();
        } finally {
            batch.close();
        }
    }
}
