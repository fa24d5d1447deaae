package paradec.llama;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import paradec.llama.internal.LlamaLib;
import paradec.llama.internal.llama_context_params;
import paradec.llama.internal.llama_perf_context_data;

/**
 * An inference context: KV memory, batched decoding and the logits of the last decode.
 *
 * <h2>Threading</h2>
 * A context is used by one thread at a time. Every method that reaches llama.cpp (decode, logits,
 * the KV memory operations, {@link #setCausalAttention}, {@link #setThreads}, {@link #perf},
 * {@link #resetCounters}, {@link #newBatch}) holds the context for the length of the call; a call
 * from another thread while it is held fails at once with
 * {@code IllegalStateException("context is in use by thread NAME")}: it never blocks and never
 * reaches llama.cpp. To keep the context for a whole generation, hold a {@link Lease}:
 * <pre>{@code
 * try (Context.Lease lease = ctx.acquire()) {
 *     ... decode, read logits, decode ...
 * }
 * }</pre>
 * Leases are reentrant for their thread. Several contexts of one model may be used in parallel,
 * each by its own thread.
 *
 * <p>{@link #close()} may be called from any thread. It marks the context closed, so that the
 * holder's next call fails with {@code IllegalStateException("context was closed")}, then waits
 * until the holder lets go (its current call returns, or its lease is closed) before freeing the
 * native context: a running llama_decode always finishes first. A thread that holds a lease and
 * never calls again nor closes the lease makes {@code close()} wait for as long.
 *
 * <h2>Lifetimes</h2>
 * The native llama_context belongs to this context's arena and is freed when the context is
 * closed. Logits come back as read-only views of llama.cpp's own output buffer (no copy). A view
 * belongs to one decode: it is valid until the next {@link #decode(Batch)} (successful or not) or
 * {@link #close()}, and, for a view obtained while its thread held a {@link Lease}, until that
 * lease is closed. Reading a view after that throws {@link IllegalStateException} instead of
 * reading newer logits or freed memory. A view obtained under a lease is confined to the lease's
 * thread (cheap to end); one obtained without a lease may be read by any thread but costs a
 * shared-arena close when it ends, so hot loops should hold a lease.
 */
public final class Context implements AutoCloseable {
    /** A ReentrantLock that names its holder in error messages. */
    private static final class OwnerLock extends ReentrantLock {
        Thread owner() {
            return getOwner();
        }
    }

    private final Model model;
    // shared: close() may come from any thread; llama_free is attached to it
    private final Arena arena;
    private final MemorySegment handle;
    private final MemorySegment memory;
    /**
     * System property: when true, every decode uses the configured thread count; by default the count is a
     * ceiling and each decode may use fewer when fewer have been faster lately (a busy machine; {@link ThreadChooser}).
     */
    public static final String FIXED_THREADS_PROPERTY = "paradec.fixed-threads";
    private final ThreadChooser threadChooser;
    private int threadsInUse;
    private final OwnerLock lock = new OwnerLock();
    private volatile boolean closing;
    private volatile boolean closed;
    // the fields below are guarded by lock
    private int leaseDepth;
    private final int vocabSize;
    private final int contextLength;
    private final int positionsPerSequence;
    private final int batchSize;
    private final int microBatch;
    private final int maxSequences;
    private final boolean diffusion;
    private final boolean unifiedKv;
    /** The thread that took the lock last, for the message a refused thread gets. */
    private volatile Thread lastHolder;
    private boolean causal = true;
    private int[] outputRowOfBatchIndex = new int[0];
    private int outputCount;
    // llama.cpp's output buffer after the last successful decode (unbound), NULL when none
    private MemorySegment rawLogits = MemorySegment.NULL;
    private long logitsBytes;
    // views of rawLogits handed out since the last decode; viewArena ends them
    private MemorySegment logitsBase;
    private Arena viewArena;
    private boolean viewArenaConfined;
    private long decodeNanos;
    private long memoryNanos;
    private long decodeCalls;
    private long decodedTokens;

    Context(Model model, ContextParams p) {
        this.model = model;
        this.diffusion = model.isDiffusion();
        this.unifiedKv = p.unifiedKv();
        int nCtx = p.contextLength() == 0 ? model.contextLengthTrained() : p.contextLength();
        int nBatch = p.batchSize();
        int nUbatch = p.microBatch();
        if (diffusion) {
            // the encoder path aborts unless one micro-batch holds the whole sequence
            nBatch = Math.max(nBatch, nCtx);
            nUbatch = nBatch;
        }
        MemorySegment h;
        int threads;
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment cp = LlamaLib.llama_context_default_params(tmp);
            llama_context_params.n_ctx(cp, nCtx);
            llama_context_params.n_batch(cp, nBatch);
            llama_context_params.n_ubatch(cp, nUbatch);
            llama_context_params.n_seq_max(cp, p.maxSequences());
            // llama.cpp caps the outputs of a ubatch at n_outputs_max (default: n_batch, itself clamped to
            // n_ctx for causal models) yet reserves max(n_outputs, n_seq_max) output rows on every decode and
            // aborts (GGML_ASSERT) when that exceeds the cap: a small n_ctx with many sequences killed the JVM.
            int effectiveBatch = diffusion ? nBatch : Math.min(nBatch, nCtx);
            if (p.maxSequences() > effectiveBatch) llama_context_params.n_outputs_max(cp, p.maxSequences());
            threads = p.threads() > 0 ? p.threads() : ContextParams.defaultThreads();
            llama_context_params.n_threads(cp, threads);
            llama_context_params.n_threads_batch(cp, threads);
            llama_context_params.kv_unified(cp, p.unifiedKv());
            llama_context_params.no_perf(cp, false);
            h = LlamaLib.llama_init_from_model(model.handle(), cp);
        }
        if (h.equals(MemorySegment.NULL)) {
            throw new LlamaException("llama.cpp could not create a context (n_ctx=" + nCtx + ", n_batch=" + nBatch
                    + ", n_seq_max=" + p.maxSequences() + "); see the llama.cpp log lines");
        }
        this.threadChooser = new ThreadChooser(threads, !Boolean.getBoolean(FIXED_THREADS_PROPERTY));
        this.threadsInUse = threads;
        this.arena = Arena.ofShared();
        // from here on the native context is freed by closing the arena, whatever happens
        this.handle = h.reinterpret(arena, LlamaLib::llama_free);
        try {
            MemorySegment mem = LlamaLib.llama_get_memory(handle);
            this.memory = mem.equals(MemorySegment.NULL) ? MemorySegment.NULL : mem.reinterpret(arena, null);
            this.vocabSize = model.vocab().size();
            this.contextLength = LlamaLib.llama_n_ctx(handle);
            this.positionsPerSequence = LlamaLib.llama_n_ctx_seq(handle);
            this.batchSize = LlamaLib.llama_n_batch(handle);
            this.microBatch = LlamaLib.llama_n_ubatch(handle);
            this.maxSequences = LlamaLib.llama_n_seq_max(handle);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
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
        enter();
        try {
            if (capacity > batchSize) {
                throw new IllegalArgumentException("batch capacity " + capacity + " exceeds n_batch=" + batchSize);
            }
            return new Batch(capacity, maxSeqPerToken, vocabSize, maxSequences, positionsPerSequence);
        } finally {
            lock.unlock();
        }
    }

    public Batch newBatch(int capacity) {
        return newBatch(capacity, 1);
    }

    // ---- holding the context ------------------------------------------------------------------

    /**
     * Holds this context for the calling thread until the lease is closed: calls from other threads
     * fail with {@link IllegalStateException} meanwhile, and {@link #close()} waits for the lease.
     * Reentrant: a thread may hold several leases; the context is let go when the last one closes.
     * Logits views obtained under a lease end with it at the latest.
     *
     * @throws IllegalStateException if another thread holds the context, or it is closed
     */
    public Lease acquire() {
        enter();
        leaseDepth++;
        return new Lease(Thread.currentThread());
    }

    /** True while the calling thread holds this context through a {@link Lease}. */
    public boolean isHeldByCurrentThread() {
        return lock.isHeldByCurrentThread() && leaseDepth > 0;
    }

    /** A hold on a {@link Context} by one thread; see {@link Context#acquire()}. */
    public final class Lease implements AutoCloseable {
        private final Thread thread;
        private boolean released;

        private Lease(Thread thread) {
            this.thread = thread;
        }

        public Context context() {
            return Context.this;
        }

        /**
         * Lets go of the context (when this is the thread's outermost lease) and ends the logits views
         * obtained under it. Idempotent.
         *
         * @throws IllegalStateException if called from another thread than the one that acquired it
         */
        @Override
        public void close() {
            if (released) return;
            if (Thread.currentThread() != thread) {
                throw new IllegalStateException("a lease must be closed by the thread that acquired it ("
                        + thread.getName() + ")");
            }
            released = true;
            try {
                if (--leaseDepth == 0 && viewArenaConfined) endViews();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Takes the lock for one call (reentrant for the holder) or fails at once. Callers release it
     * with lock.unlock() in a finally block.
     */
    private void enter() {
        if (closing) throw closedException();
        Thread owner = null;
        // the holder may let go (or take the lock again) between tryLock and owner(): a few rounds
        // tell a busy context from such a moment, without ever waiting
        for (int attempt = 0; attempt < 16; attempt++) {
            if (lock.tryLock()) {
                lastHolder = Thread.currentThread();
                enterHeld();
                return;
            }
            owner = lock.owner();
            if (owner != null) break;
        }
        // the holder let go between tryLock and owner() each time (a thread decoding in a tight loop): name the last one
        if (owner == null) owner = lastHolder;
        if (closing) throw closedException();
        throw new IllegalStateException("context is in use by thread " + (owner == null ? "(another thread)" : owner.getName()));
    }

    private void enterHeld() {
        try {
            if (closing) throw closedException();
            model.checkOpen();
        } catch (RuntimeException e) {
            lock.unlock();
            throw e;
        }
    }

    private static IllegalStateException closedException() {
        return new IllegalStateException("context was closed");
    }

    /** Ends the logits views of the last decode (their reads throw from now on). Lock held. */
    private void endViews() {
        Arena a = viewArena;
        logitsBase = null;
        viewArena = null;
        viewArenaConfined = false;
        if (a != null) a.close();
    }

    /** The views of the last decode, bound to an arena that the next decode, close or lease end closes. */
    private MemorySegment views() {
        MemorySegment b = logitsBase;
        if (b != null) return b;
        if (rawLogits.equals(MemorySegment.NULL)) return MemorySegment.NULL;
        // a confined arena costs next to nothing to close but only its thread may close it: used only
        // when the lease guarantees that this thread is the one that ends the views
        boolean confined = leaseDepth > 0;
        Arena a = confined ? Arena.ofConfined() : Arena.ofShared();
        viewArena = a;
        viewArenaConfined = confined;
        logitsBase = rawLogits.reinterpret(logitsBytes, a, null).asReadOnly();
        return logitsBase;
    }

    // ---- decoding --------------------------------------------------------------------------

    /**
     * Evaluates a batch. Ends the logits views of the previous decode, successful or not.
     *
     * @throws IllegalArgumentException if the batch is empty or larger than this context allows
     * @throws LlamaException           if llama.cpp reports an error (no KV slot, invalid batch, ...)
     * @throws IllegalStateException    if another thread holds the context, or it or the batch is closed
     */
    public void decode(Batch batch) {
        enter();
        try {
            int n = batch.size();
            if (n == 0) throw new IllegalArgumentException("cannot decode an empty batch");
            if (n > batchSize) throw new IllegalArgumentException("batch of " + n + " tokens exceeds n_batch=" + batchSize);
            if ((diffusion || !causal) && n > microBatch) {
                throw new IllegalArgumentException("non-causal batch of " + n + " tokens exceeds n_ubatch=" + microBatch
                        + " (llama.cpp would abort)");
            }
            // the batch cannot be closed by another thread from here to endDecode
            batch.beginDecode();
            int row = 0;
            try {
                MemorySegment struct = batch.struct();
                endViews();
                rawLogits = MemorySegment.NULL;
                outputCount = 0;
                Arrays.fill(outputRowOfBatchIndex, -1);
                int chose = threadChooser.choose(n);
                // only one thread of the process runs OpenMP teams, sharing the cores with work beside it (ComputeThread);
                // a decode on fewer threads than chosen is left out of the chooser's statistics
                int use = ComputeThread.threadsFor(chose);
                boolean chosen = use == chose;
                if (use != threadsInUse) {
                    LlamaLib.llama_set_n_threads(handle, use, use);
                    threadsInUse = use;
                }
                long t0 = System.nanoTime();
                int rc = LlamaLib.llama_decode(handle, struct);
                long took = System.nanoTime() - t0;
                decodeNanos += took;
                if (chosen) threadChooser.observe(n, use, took);
                decodeCalls++;
                decodedTokens += n;
                model.decodeReturned();
                if (rc != 0) {
                    throw new LlamaException(switch (rc) {
                        case 1 -> "llama_decode: no KV slot for a batch of " + n + " tokens (context full)";
                        case 2 -> "llama_decode: aborted";
                        case -1 -> "llama_decode: invalid batch (see the llama.cpp log lines)";
                        default -> "llama_decode failed with code " + rc;
                    });
                }
                if (outputRowOfBatchIndex.length < n) {
                    outputRowOfBatchIndex = new int[Math.max(n, batchSize)];
                    Arrays.fill(outputRowOfBatchIndex, -1);
                }
                // a model without KV memory (diffusion) goes through llama.cpp's encode path, which ignores the output
                // flags and returns the logits of every batch token (llama-context.cpp, encode: n_outputs = n_tokens)
                boolean everyRow = memory.equals(MemorySegment.NULL);
                for (int i = 0; i < n; i++) outputRowOfBatchIndex[i] = everyRow || batch.isOutput(i) ? row++ : -1;
            } finally {
                batch.endDecode();
            }
            outputCount = row;
            logitsBytes = (long) row * vocabSize * Float.BYTES;
            rawLogits = row == 0 ? MemorySegment.NULL : LlamaLib.llama_get_logits(handle);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The logits of one batch token of the last decode, as a read-only view of vocabSize floats,
     * valid until the next decode or close (see the class comment).
     *
     * @throws IllegalArgumentException if that token's logits were not requested
     */
    public MemorySegment logits(int batchIndex) {
        enter();
        try {
            if (batchIndex < 0 || batchIndex >= outputRowOfBatchIndex.length || outputRowOfBatchIndex[batchIndex] < 0) {
                throw new IllegalArgumentException("no logits for batch index " + batchIndex + " in the last decode");
            }
            long rowBytes = (long) vocabSize * Float.BYTES;
            return views().asSlice(outputRowOfBatchIndex[batchIndex] * rowBytes, rowBytes);
        } finally {
            lock.unlock();
        }
    }

    /** Output row of a batch index in {@link #outputLogits()}, or -1. */
    public int outputRow(int batchIndex) {
        int[] rows = outputRowOfBatchIndex;
        return batchIndex >= 0 && batchIndex < rows.length ? rows[batchIndex] : -1;
    }

    /**
     * Every logits row of the last decode, in batch order of the tokens that requested them; empty
     * when the last decode requested none or failed. Valid until the next decode or close.
     */
    public MemorySegment outputLogits() {
        enter();
        try {
            return views();
        } finally {
            lock.unlock();
        }
    }

    public int outputCount() {
        return outputCount;
    }

    // ---- KV memory -------------------------------------------------------------------------

    /** The KV memory handle; the caller holds the lock. */
    private MemorySegment memory() {
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
        enter();
        try {
            checkSeq(seq);
            MemorySegment mem = memory();
            long t0 = System.nanoTime();
            boolean removed = LlamaLib.llama_memory_seq_rm(mem, seq, from, to);
            memoryNanos += System.nanoTime() - t0;
            return removed;
        } finally {
            lock.unlock();
        }
    }

    /** Copies the KV cells of a sequence with positions in [from, to) to another sequence. */
    public void copySequence(int source, int target, int from, int to) {
        enter();
        try {
            checkSeq(source);
            checkSeq(target);
            // a split (non-unified) cache keeps each sequence in its own stream; llama.cpp asserts (aborts)
            // when a copy between streams is not of the whole sequence (llama-kv-cache.cpp seq_cp: is_full)
            int cells = positionsPerSequence;
            boolean whole = !(from > 0 && from + 1 < cells) && !(to > 0 && to + 1 < cells);
            if (!unifiedKv && source != target && !whole) {
                throw new IllegalArgumentException("copying part of a sequence to another needs a unified KV cache (ContextParams.unifiedKv)");
            }
            MemorySegment mem = memory();
            long t0 = System.nanoTime();
            LlamaLib.llama_memory_seq_cp(mem, source, target, from, to);
            memoryNanos += System.nanoTime() - t0;
        } finally {
            lock.unlock();
        }
    }

    /** Keeps only the cells of one sequence. */
    public void keepSequence(int seq) {
        enter();
        try {
            checkSeq(seq);
            LlamaLib.llama_memory_seq_keep(memory(), seq);
        } finally {
            lock.unlock();
        }
    }

    /** Largest position stored for a sequence, -1 when empty. */
    public int maxPosition(int seq) {
        enter();
        try {
            checkSeq(seq);
            return LlamaLib.llama_memory_seq_pos_max(memory(), seq);
        } finally {
            lock.unlock();
        }
    }

    /** Empties the KV memory. */
    public void clearMemory() {
        enter();
        try {
            LlamaLib.llama_memory_clear(memory(), true);
        } finally {
            lock.unlock();
        }
    }

    /** Switches causal attention (off: every token sees every token of its sequences). */
    public void setCausalAttention(boolean on) {
        enter();
        try {
            LlamaLib.llama_set_causal_attn(handle, on);
            causal = on;
        } finally {
            lock.unlock();
        }
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

    /**
     * The CPU threads llama.cpp was last set to use: the thread chooser's pick at the last decode, or fewer where
     * {@link ComputeThread} allowed fewer (one off the team thread; the team thread's share beside other work).
     */
    public int threadsInUse() {
        return threadsInUse;
    }

    public void resetCounters() {
        enter();
        try {
            decodeNanos = 0;
            memoryNanos = 0;
            decodeCalls = 0;
            decodedTokens = 0;
            LlamaLib.llama_perf_context_reset(handle);
        } finally {
            lock.unlock();
        }
    }

    public PerfData perf() {
        enter();
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment d = LlamaLib.llama_perf_context(tmp, handle);
            return new PerfData(llama_perf_context_data.t_start_ms(d), llama_perf_context_data.t_load_ms(d),
                    llama_perf_context_data.t_p_eval_ms(d), llama_perf_context_data.t_eval_ms(d),
                    llama_perf_context_data.n_p_eval(d), llama_perf_context_data.n_eval(d),
                    llama_perf_context_data.n_reused(d));
        } finally {
            lock.unlock();
        }
    }

    public void setThreads(int threads) {
        enter();
        try {
            if (threads < 1 || threads > ContextParams.MAX_THREADS) {
                throw new IllegalArgumentException("threads must be in [1, " + ContextParams.MAX_THREADS + "], got " + threads);
            }
            LlamaLib.llama_set_n_threads(handle, threads, threads);
        } finally {
            lock.unlock();
        }
    }

    /** True once {@link #close()} has begun. */
    public boolean isClosed() {
        return closing;
    }

    /**
     * Ends this context without freeing it (see {@link Model#abandon()}): every later call fails with
     * {@link IllegalStateException}. Does not wait for the holder, which may never return.
     */
    void abandon() {
        closing = true;
        closed = true;
    }

    /**
     * Frees the native context. May be called from any thread and more than once. The holder's next
     * call fails with {@link IllegalStateException}; this method waits until the holder lets go
     * (its call returns or its lease closes) and never frees the context under a running decode.
     * The logits views of the last decode end here.
     */
    @Override
    public void close() {
        if (closed) return;
        closing = true;
        lock.lock(); // waits for the holder; reentrant when the holder closes its own context
        try {
            if (closed) return;
            closed = true;
            rawLogits = MemorySegment.NULL;
            outputCount = 0;
            Arrays.fill(outputRowOfBatchIndex, -1);
            try {
                endViews();
            } finally {
                arena.close(); // llama_free
            }
        } finally {
            lock.unlock();
        }
        model.forget(this);
    }
}
