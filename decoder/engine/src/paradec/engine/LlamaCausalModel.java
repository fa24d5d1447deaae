package paradec.engine;

import java.lang.foreign.MemorySegment;
import paradec.decode.CausalModel;
import paradec.decode.CostCurve;
import paradec.decode.ModelCounters;
import paradec.decode.TokenBatch;
import paradec.llama.Batch;
import paradec.llama.Context;
import paradec.llama.ContextParams;
import paradec.llama.Model;
import paradec.llama.Vocab;
import paradec.logits.Logits;
import paradec.logits.LogitsView;

/**
 * A llama.cpp causal model behind {@link CausalModel}: one context of its own, into whose native
 * batch each {@link TokenBatch} is copied (and checked) before llama_decode. The logits view of a
 * decode is llama.cpp's own output buffer (no copy), scoped to that decode by the context.
 *
 * <p>One thread at a time, as its {@link Context}.
 */
public final class LlamaCausalModel implements CausalModel, AutoCloseable {
    private final Model model;
    private final Context context;
    private final Batch batch;
    private final Vocab vocab;
    private final boolean unifiedKv;
    private final int vocabSize;
    private final int[] seqScratch;
    private final ContextParams requested;

    /**
     * @throws IllegalArgumentException if the model is a diffusion model
     * @throws paradec.llama.LlamaException if llama.cpp cannot make the context
     */
    public LlamaCausalModel(Model model, ContextParams params) {
        if (model.isDiffusion()) throw new IllegalArgumentException(model.path() + " is a diffusion model, not a causal one");
        this.model = model;
        this.requested = params.withThreads(0);
        this.context = model.newContext(params);
        this.unifiedKv = params.unifiedKv();
        this.vocab = model.vocab();
        this.vocabSize = context.vocabSize();
        Batch b;
        try {
            b = context.newBatch(context.batchSize(), context.maxSequences());
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
        this.batch = b;
        this.seqScratch = new int[context.maxSequences()];
    }

    public Context context() {
        return context;
    }

    /** What the context is: llama.cpp's own values (n_ctx rounded up, n_batch capped at n_ctx), threads 0. */
    public ContextParams params() {
        return new ContextParams(context.contextLength(), context.batchSize(), context.microBatch(), context.maxSequences(),
                0, unifiedKv);
    }

    /**
     * What the context was asked for, threads 0: the key a pool of contexts matches requests on ({@link #params()}
     * differs from it wherever llama.cpp rounds or caps a value, and matching on it made a new context for every
     * generation of a model trained on fewer than 512 positions).
     */
    public ContextParams requested() {
        return requested;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int maxPositions() {
        return context.positionsPerSequence();
    }

    @Override
    public int kvCells() {
        return context.contextLength();
    }

    @Override
    public int maxBatch() {
        return context.batchSize();
    }

    @Override
    public int maxSequences() {
        return context.maxSequences();
    }

    @Override
    public boolean unifiedKv() {
        return unifiedKv;
    }

    @Override
    public LogitsView decode(TokenBatch tokens) {
        int n = tokens.size();
        if (n == 0) throw new IllegalArgumentException("cannot decode an empty batch");
        if (n > batch.capacity()) throw new IllegalArgumentException("batch of " + n + " tokens exceeds n_batch=" + batch.capacity());
        batch.clear();
        for (int i = 0; i < n; i++) {
            int seqs = tokens.seqCount(i);
            if (seqs == 1) {
                batch.add(tokens.token(i), tokens.position(i), tokens.isOutput(i), oneSeq(tokens.seq(i, 0)));
            } else {
                if (seqs > seqScratch.length) {
                    throw new IllegalArgumentException("token " + i + " names " + seqs + " sequences, the context has " + seqScratch.length);
                }
                int[] ids = new int[seqs];
                for (int j = 0; j < seqs; j++) ids[j] = tokens.seq(i, j);
                batch.add(tokens.token(i), tokens.position(i), tokens.isOutput(i), ids);
            }
        }
        context.decode(batch);
        int rows = context.outputCount();
        if (rows == 0) return Logits.empty(vocabSize);
        MemorySegment all = context.outputLogits();
        return Logits.of(all, rows, vocabSize);
    }

    // a one-element array per sequence id, made once: the native batch copies the ids it is given
    private int[][] single;

    private int[] oneSeq(int seq) {
        if (single == null) {
            single = new int[seqScratch.length][];
            for (int s = 0; s < single.length; s++) single[s] = new int[] {s};
        }
        if (seq < 0 || seq >= single.length) {
            throw new IllegalArgumentException("sequence id " + seq + " is outside [0, n_seq_max=" + single.length + ")");
        }
        return single[seq];
    }

    @Override
    public void removeTokens(int seq, int from, int to) {
        context.removeTokens(seq, from, to);
    }

    @Override
    public void copySequence(int source, int target, int from, int to) {
        // llama.cpp asserts (aborts the process) when cells are copied between sequences of a split cache
        if (!unifiedKv && source != target) {
            throw new IllegalArgumentException("copying KV cells between sequences needs a unified KV cache");
        }
        context.copySequence(source, target, from, to);
    }

    @Override
    public void clear() {
        context.clearMemory();
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return vocab.isEndOfGeneration(token);
    }

    @Override
    public int probeToken() {
        return Math.max(0, vocab.bos());
    }

    @Override
    public ModelCounters counters() {
        return new ModelCounters(context.decodeCalls(), context.decodeNanos(), context.memoryNanos());
    }

    @Override
    public CostCurve costCurve() {
        return CostCurves.of(this, model.path(), context);
    }

    @Override
    public void close() {
        // the context first: it waits for a generation holding it on another thread, which then fails
        // cleanly at its next decode, before the batch that generation fills goes away
        try {
            context.close();
        } finally {
            batch.close();
        }
    }
}
