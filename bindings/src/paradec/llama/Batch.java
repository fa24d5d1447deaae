package paradec.llama;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import paradec.llama.internal.LlamaLib;
import paradec.llama.internal.llama_batch;

/**
 * A native llama_batch of token ids, filled in Java and handed to {@link Context#decode(Batch)}.
 * Every value is checked as it is added, against the context the batch was made for, so nothing
 * out of range reaches llama.cpp.
 *
 * <p>The native arrays belong to this batch's arena: {@link #close()} frees them (llama_batch_free),
 * and every accessor afterwards throws {@link IllegalStateException} instead of reading freed
 * memory. A batch is filled and decoded by one thread at a time, like its {@link Context}. A
 * {@link #close()} from another thread while a decode reads the batch waits for that decode to
 * return; a decode of a batch that another thread is decoding fails with
 * {@link IllegalStateException}.
 */
public final class Batch implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment struct;
    private final MemorySegment tokens;
    private final MemorySegment positions;
    private final MemorySegment seqCounts;
    private final MemorySegment seqPointers;
    private final MemorySegment outputs;
    private final int capacity;
    private final int maxSeqPerToken;
    private final int vocabSize;
    private final int maxSequences;
    private final int maxPosition;
    private int size;
    private int outputCount;
    private volatile boolean closed;
    private volatile boolean closing;
    // held by Context.decode for the length of llama_decode, so that close() never frees under it
    private final java.util.concurrent.locks.ReentrantLock decoding = new java.util.concurrent.locks.ReentrantLock();

    Batch(int capacity, int maxSeqPerToken, int vocabSize, int maxSequences, int maxPosition) {
        if (capacity < 1) throw new IllegalArgumentException("batch capacity must be >= 1, got " + capacity);
        if (maxSeqPerToken < 1 || maxSeqPerToken > maxSequences) {
            throw new IllegalArgumentException("sequences per token must be in [1, " + maxSequences + "], got " + maxSeqPerToken);
        }
        this.capacity = capacity;
        this.maxSeqPerToken = maxSeqPerToken;
        this.vocabSize = vocabSize;
        this.maxSequences = maxSequences;
        this.maxPosition = maxPosition;
        this.arena = Arena.ofShared();
        this.struct = LlamaLib.llama_batch_init(arena, capacity, 0, maxSeqPerToken);
        // llama_batch_free takes the struct by value. The struct lives in this arena, whose memory is
        // released as it closes, so the free works on a copy taken now (it needs the array pointers
        // only, which never change) and never reads the arena's memory.
        byte[] pointers = struct.toArray(ValueLayout.JAVA_BYTE);
        long n = capacity;
        // the first reinterpret attaches the destructor: from here on closing the arena frees the arrays
        this.tokens = llama_batch.token(struct).reinterpret(n * Integer.BYTES, arena, ignored -> free(pointers));
        this.positions = llama_batch.pos(struct).reinterpret(n * Integer.BYTES, arena, null);
        this.seqCounts = llama_batch.n_seq_id(struct).reinterpret(n * Integer.BYTES, arena, null);
        this.seqPointers = llama_batch.seq_id(struct).reinterpret((n + 1) * ValueLayout.ADDRESS.byteSize(), arena, null);
        this.outputs = llama_batch.logits(struct).reinterpret(n, arena, null);
        llama_batch.n_tokens(struct, 0);
    }

    /** llama_batch_free on a private copy of the struct (see the constructor). */
    private static void free(byte[] pointers) {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment copy = tmp.allocate(llama_batch.layout());
            MemorySegment.copy(pointers, 0, copy, ValueLayout.JAVA_BYTE, 0, pointers.length);
            LlamaLib.llama_batch_free(copy);
        }
    }

    /** Empties the batch for reuse. */
    public Batch clear() {
        checkOpen();
        size = 0;
        outputCount = 0;
        llama_batch.n_tokens(struct, 0);
        return this;
    }

    /** Adds a token of sequence 0. */
    public Batch add(int token, int position, boolean output) {
        return add(token, position, output, 0);
    }

    /**
     * Adds one token.
     *
     * @param output whether the logits of this token are wanted
     * @param seqIds the sequences the token belongs to (at least one)
     * @throws IllegalArgumentException for a token outside the vocabulary, a position outside the
     *                                  context, a sequence id >= n_seq_max, or too many sequence ids
     * @throws IllegalStateException    if the batch is full or closed
     */
    public Batch add(int token, int position, boolean output, int... seqIds) {
        checkOpen();
        if (size >= capacity) throw new IllegalStateException("batch is full (" + capacity + " tokens)");
        if (token < 0 || token >= vocabSize) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + vocabSize + ")");
        }
        if (position < 0 || position >= maxPosition) {
            throw new IllegalArgumentException("position " + position + " is outside the context [0, " + maxPosition + ")");
        }
        if (seqIds.length < 1 || seqIds.length > maxSeqPerToken) {
            throw new IllegalArgumentException("a token needs 1.." + maxSeqPerToken + " sequence ids, got " + seqIds.length);
        }
        MemorySegment ids = seqPointers.getAtIndex(ValueLayout.ADDRESS, size).reinterpret((long) maxSeqPerToken * Integer.BYTES, arena, null);
        for (int i = 0; i < seqIds.length; i++) {
            int s = seqIds[i];
            if (s < 0 || s >= maxSequences) {
                throw new IllegalArgumentException("sequence id " + s + " is outside [0, n_seq_max=" + maxSequences + ")");
            }
            ids.setAtIndex(ValueLayout.JAVA_INT, i, s);
        }
        tokens.setAtIndex(ValueLayout.JAVA_INT, size, token);
        positions.setAtIndex(ValueLayout.JAVA_INT, size, position);
        seqCounts.setAtIndex(ValueLayout.JAVA_INT, size, seqIds.length);
        outputs.set(ValueLayout.JAVA_BYTE, size, (byte) (output ? 1 : 0));
        if (output) outputCount++;
        size++;
        llama_batch.n_tokens(struct, size);
        return this;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    public int outputCount() {
        return outputCount;
    }

    /** @throws IllegalStateException if the batch is closed */
    public int token(int i) {
        checkIndex(i);
        return tokens.getAtIndex(ValueLayout.JAVA_INT, i);
    }

    public int position(int i) {
        checkIndex(i);
        return positions.getAtIndex(ValueLayout.JAVA_INT, i);
    }

    public boolean isOutput(int i) {
        checkIndex(i);
        return outputs.get(ValueLayout.JAVA_BYTE, i) != 0;
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException("batch index " + i + " outside [0, " + size + ")");
    }

    /**
     * Marks the batch as read by a decode until {@link #endDecode()}; close() waits meanwhile.
     *
     * @throws IllegalStateException if the batch is closed or another decode is reading it
     */
    void beginDecode() {
        if (!decoding.tryLock()) {
            throw new IllegalStateException(closing ? "batch is closed" : "batch is being decoded by another thread");
        }
        if (closed) {
            decoding.unlock();
            throw new IllegalStateException("batch is closed");
        }
    }

    void endDecode() {
        decoding.unlock();
    }

    MemorySegment struct() {
        checkOpen();
        return struct;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("batch is closed");
    }

    /** Frees the native arrays (llama_batch_free, attached to the arena). Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closing = true;
        decoding.lock(); // a decode reading this batch on another thread finishes first
        try {
            if (closed) return;
            closed = true;
            arena.close();
        } finally {
            decoding.unlock();
        }
    }
}
