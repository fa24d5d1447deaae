package paradec.llama;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import paradec.llama.internal.LlamaLib;
import paradec.llama.internal.llama_context_params;
import paradec.llama.internal.llama_perf_context_data;

/**
 * An inference context: KV memory, batched decoding and the logits of the last decode.
 *
 * <p>Logits come back as read-only views of llama.cpp's own output buffer (no copy); a view is
 * valid until the next {@link #decode(Batch)} or {@link #close()}.
 */
public final class Context implements AutoCloseable {
    private final Model model;
    private final Arena arena;
    private final MemorySegment handle;
    private final MemorySegment memory;
    private final int vocabSize;
    private final int contextLength;
    private final int positionsPerSequence;
    private final int batchSize;
    private final int microBatch;
    private final int maxSequences;
    private final boolean diffusion;
    private boolean causal = true;
    private int[] outputRowOfBatchIndex = new int[0];
    private int outputCount;
    private MemorySegment logitsBase = MemorySegment.NULL;
    private long decodeNanos;
    private long memoryNanos;
    private long decodeCalls;
    private long decodedTokens;
    private boolean closed;

    Context(Model model, ContextParams p) {
        this.model = model;
        this.diffusion = model.isDiffusion();
        this.arena = Arena.ofShared();
        int nCtx = p.contextLength() == 0 ? model.contextLengthTrained() : p.contextLength();
        int nBatch = p.batchSize();
        int nUbatch = p.microBatch();
        if (diffusion) {
            // the encoder path aborts unless one micro-batch holds the whole sequence
            nBatch = Math.max(nBatch, nCtx);
            nUbatch = nBatch;
        }
        MemorySegment cp = LlamaLib.llama_context_default_params(arena);
        llama_context_params.n_ctx(cp, nCtx);
        llama_context_params.n_batch(cp, nBatch);
        llama_context_params.n_ubatch(cp, nUbatch);
        llama_context_params.n_seq_max(cp, p.maxSequences());
        // llama.cpp caps the outputs of a ubatch at n_outputs_max (default: n_batch, itself clamped to
        // n_ctx for causal models) yet reserves max(n_outputs, n_seq_max) output rows on every decode and
        // aborts (GGML_ASSERT) when that exceeds the cap: a small n_ctx with many sequences killed the JVM.
        int effectiveBatch = diffusion ? nBatch : Math.min(nBatch, nCtx);
        if (p.maxSequences() > effectiveBatch) llama_context_params.n_outputs_max(cp, p.maxSequences());
        int threads = p.threads() > 0 ? p.threads() : Runtime.getRuntime().availableProcessors();
        llama_context_params.n_threads(cp, threads);
        llama_context_params.n_threads_batch(cp, threads);
        llama_context_params.kv_unified(cp, p.unifiedKv());
        llama_context_params.no_perf(cp, false);
        MemorySegment h = LlamaLib.llama_init_from_model(model.handle(), cp);
        if (h.equals(MemorySegment.NULL)) {
            arena.close();
            throw new LlamaException("llama.cpp could not create a context (n_ctx=" + nCtx + ", n_batch=" + nBatch
                    + ", n_seq_max=" + p.maxSequences() + "); see the llama.cpp log lines");
        }
        this.handle = h;
        this.memory = LlamaLib.llama_get_memory(h);
        this.vocabSize = model.vocab().size();
        this.contextLength = LlamaLib.llama_n_ctx(h);
        this.positionsPerSequence = LlamaLib.llama_n_ctx_seq(h);
        this.batchSize = LlamaLib.llama_n_batch(h);
        this.microBatch = LlamaLib.llama_n_ubatch(h);
        this.maxSequences = LlamaLib.llama_n_seq_max(h);
    }

    public Model model() {
        return model;
    }

    public int vocabSize() {
        return vocabSize;
    }

    public int contextLength() {
        return contextLength;
    }

    /** Positions one sequence may use: the whole context when KV is unified, a share of it otherwise. */
    public int positionsPerSequence() {
        return positionsPerSequence;
    }

    public int batchSize() {
        return batchSize;
    }

    public int microBatch() {
        return microBatch;
    }

    public int maxSequences() {
        return maxSequences;
    }

    public boolean isDiffusion() {
        return diffusion;
    }

    /** A batch whose values are checked against this context's limits. */
    public Batch newBatch(int capacity, int maxSeqPerToken) {
        checkOpen();
        if (capacity > batchSize) {
            throw new IllegalArgumentException("batch capacity " + capacity + " exceeds n_batch=" + batchSize);
        }
        return new Batch(capacity, maxSeqPerToken, vocabSize, maxSequences, positionsPerSequence);
    }

    public Batch newBatch(int capacity) {
        return newBatch(capacity, 1);
    }

    /**
     * Evaluates a batch.
     *
     * @throws IllegalArgumentException if the batch is empty or larger than this context allows
     * @throws LlamaException           if llama.cpp reports an error (no KV slot, invalid batch, ...)
     */
    public void decode(Batch batch) {
        checkOpen();
        int n = batch.size();
        if (n == 0) throw new IllegalArgumentException("cannot decode an empty batch");
        if (n > batchSize) throw new IllegalArgumentException("batch of " + n + " tokens exceeds n_batch=" + batchSize);
        if ((diffusion || !causal) && n > microBatch) {
            throw new IllegalArgumentException("non-causal batch of " + n + " tokens exceeds n_ubatch=" + microBatch
                    + " (llama.cpp would abort)");
        }
        long t0 = System.nanoTime();
        int rc = LlamaLib.llama_decode(handle, batch.struct());
        decodeNanos += System.nanoTime() - t0;
        decodeCalls++;
        decodedTokens += n;
        if (rc != 0) {
            outputCount = 0;
            Arrays.fill(outputRowOfBatchIndex, -1);
            throw new LlamaException(switch (rc) {
                case 1 -> "llama_decode: no KV slot for a batch of " + n + " tokens (context full)";
                case 2 -> "llama_decode: aborted";
                case -1 -> "llama_decode: invalid batch (see the llama.cpp log lines)";
                default -> "llama_decode failed with code " + rc;
            });
        }
        if (outputRowOfBatchIndex.length < n) outputRowOfBatchIndex = new int[Math.max(n, batchSize)];
        int row = 0;
        // a model without KV memory (diffusion) goes through llama.cpp's encode path, which ignores the output
        // flags and returns the logits of every batch token (llama-context.cpp, encode: n_outputs = n_tokens)
        boolean everyRow = memory.equals(MemorySegment.NULL);
        for (int i = 0; i < n; i++) outputRowOfBatchIndex[i] = everyRow || batch.isOutput(i) ? row++ : -1;
        for (int i = n; i < outputRowOfBatchIndex.length; i++) outputRowOfBatchIndex[i] = -1;
        outputCount = row;
        MemorySegment base = LlamaLib.llama_get_logits(handle);
        logitsBase = base.equals(MemorySegment.NULL) ? MemorySegment.NULL
                : base.reinterpret((long) row * vocabSize * Float.BYTES).asReadOnly();
    }

    /**
     * The logits of one batch token of the last decode, as a read-only view of vocabSize floats.
     *
     * @throws IllegalArgumentException if that token's logits were not requested
     */
    public MemorySegment logits(int batchIndex) {
        checkOpen();
        if (batchIndex < 0 || batchIndex >= outputRowOfBatchIndex.length || outputRowOfBatchIndex[batchIndex] < 0) {
            throw new IllegalArgumentException("no logits for batch index " + batchIndex + " in the last decode");
        }
        long rowBytes = (long) vocabSize * Float.BYTES;
        return logitsBase.asSlice(outputRowOfBatchIndex[batchIndex] * rowBytes, rowBytes);
    }

    /** Output row of a batch index in {@link #outputLogits()}, or -1. */
    public int outputRow(int batchIndex) {
        return batchIndex >= 0 && batchIndex < outputRowOfBatchIndex.length ? outputRowOfBatchIndex[batchIndex] : -1;
    }

    /** Every logits row of the last decode, in batch order of the tokens that requested them. */
    public MemorySegment outputLogits() {
        checkOpen();
        return logitsBase;
    }

    public int outputCount() {
        return outputCount;
    }

    // ---- KV memory -------------------------------------------------------------------------

    private MemorySegment memory() {
        checkOpen();
        if (memory.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("this model has no KV memory (diffusion models recompute the whole sequence)");
        }
        return memory;
    }

    private void checkSeq(int seq) {
        if (seq < 0 || seq >= maxSequences) {
            throw new IllegalArgumentException("sequence id " + seq + " is outside [0, n_seq_max=" + maxSequences + ")");
        }
    }

    /** Removes the KV cells of a sequence with positions in [from, to); to &lt; 0 means to the end. */
    public boolean removeTokens(int seq, int from, int to) {
        checkSeq(seq);
        long t0 = System.nanoTime();
        boolean removed = LlamaLib.llama_memory_seq_rm(memory(), seq, from, to);
        memoryNanos += System.nanoTime() - t0;
        return removed;
    }

    /** Copies the KV cells of a sequence with positions in [from, to) to another sequence. */
    public void copySequence(int source, int target, int from, int to) {
        checkSeq(source);
        checkSeq(target);
        long t0 = System.nanoTime();
        LlamaLib.llama_memory_seq_cp(memory(), source, target, from, to);
        memoryNanos += System.nanoTime() - t0;
    }

    /** Keeps only the cells of one sequence. */
    public void keepSequence(int seq) {
        checkSeq(seq);
        LlamaLib.llama_memory_seq_keep(memory(), seq);
    }

    /** Largest position stored for a sequence, -1 when empty. */
    public int maxPosition(int seq) {
        checkSeq(seq);
        return LlamaLib.llama_memory_seq_pos_max(memory(), seq);
    }

    /** Empties the KV memory. */
    public void clearMemory() {
        LlamaLib.llama_memory_clear(memory(), true);
    }

    /** Switches causal attention (off: every token sees every token of its sequences). */
    public void setCausalAttention(boolean on) {
        checkOpen();
        LlamaLib.llama_set_causal_attn(handle, on);
        causal = on;
    }

    // ---- counters --------------------------------------------------------------------------

    public long decodeNanos() {
        return decodeNanos;
    }

    /** Time spent in llama.cpp's KV memory operations (remove, copy): native work outside llama_decode. */
    public long memoryNanos() {
        return memoryNanos;
    }

    public long decodeCalls() {
        return decodeCalls;
    }

    public long decodedTokens() {
        return decodedTokens;
    }

    public void resetCounters() {
        decodeNanos = 0;
        memoryNanos = 0;
        decodeCalls = 0;
        decodedTokens = 0;
        checkOpen();
        LlamaLib.llama_perf_context_reset(handle);
    }

    public PerfData perf() {
        checkOpen();
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment d = LlamaLib.llama_perf_context(tmp, handle);
            return new PerfData(llama_perf_context_data.t_start_ms(d), llama_perf_context_data.t_load_ms(d),
                    llama_perf_context_data.t_p_eval_ms(d), llama_perf_context_data.t_eval_ms(d),
                    llama_perf_context_data.n_p_eval(d), llama_perf_context_data.n_eval(d),
                    llama_perf_context_data.n_reused(d));
        }
    }

    public void setThreads(int threads) {
        checkOpen();
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        LlamaLib.llama_set_n_threads(handle, threads, threads);
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("context is closed");
        model.checkOpen();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        LlamaLib.llama_free(handle);
        arena.close();
        model.forget(this);
    }
}
