package paradec.decode;

import java.util.Arrays;

/**
 * The tokens of one {@link CausalModel#decode} call, filled by a decoder and reused between calls:
 * token id, position, the sequences it belongs to, and whether its logits are wanted. Values are
 * checked against the model by the model; this class only checks its own capacity.
 */
public final class TokenBatch {
    private final int capacity;
    private final int maxSeqPerToken;
    private final int[] tokens;
    private final int[] positions;
    private final int[] seqCounts;
    private final int[] seqIds;
    private final boolean[] outputs;
    private int size;
    private int outputCount;

    public TokenBatch(int capacity, int maxSeqPerToken) {
        if (capacity < 1) throw new IllegalArgumentException("batch capacity must be >= 1, got " + capacity);
        if (maxSeqPerToken < 1) throw new IllegalArgumentException("sequences per token must be >= 1, got " + maxSeqPerToken);
        this.capacity = capacity;
        this.maxSeqPerToken = maxSeqPerToken;
        this.tokens = new int[capacity];
        this.positions = new int[capacity];
        this.seqCounts = new int[capacity];
        this.seqIds = new int[capacity * maxSeqPerToken];
        this.outputs = new boolean[capacity];
    }

    public TokenBatch(int capacity) {
        this(capacity, 1);
    }

    public TokenBatch clear() {
        size = 0;
        outputCount = 0;
        return this;
    }

    /**
     * Adds a token of one sequence.
     *
     * @return the token's logits row in the decode's view, or -1 when {@code output} is false
     * @throws IllegalStateException if the batch is full
     */
    public int add(int token, int position, boolean output, int seq) {
        int i = next(1);
        seqCounts[i] = 1;
        seqIds[i * maxSeqPerToken] = seq;
        return finish(i, token, position, output);
    }

    /**
     * Adds a token that belongs to several sequences (it is stored once, in each of them).
     *
     * @return the token's logits row in the decode's view, or -1 when {@code output} is false
     * @throws IllegalStateException    if the batch is full
     * @throws IllegalArgumentException for no sequence or more than the batch allows per token
     */
    public int add(int token, int position, boolean output, int[] seqs, int seqFrom, int seqTo) {
        int n = seqTo - seqFrom;
        if (n < 1 || n > maxSeqPerToken) {
            throw new IllegalArgumentException("a token needs 1.." + maxSeqPerToken + " sequence ids, got " + n);
        }
        int i = next(n);
        seqCounts[i] = n;
        System.arraycopy(seqs, seqFrom, seqIds, i * maxSeqPerToken, n);
        return finish(i, token, position, output);
    }

    /** Adds a token that belongs to every sequence of {@code seqs}. */
    public int add(int token, int position, boolean output, int[] seqs) {
        return add(token, position, output, seqs, 0, seqs.length);
    }

    private int next(int seqs) {
        if (size >= capacity) throw new IllegalStateException("batch is full (" + capacity + " tokens)");
        return size;
    }

    private int finish(int i, int token, int position, boolean output) {
        tokens[i] = token;
        positions[i] = position;
        outputs[i] = output;
        size++;
        return output ? outputCount++ : -1;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    public int maxSeqPerToken() {
        return maxSeqPerToken;
    }

    public int outputCount() {
        return outputCount;
    }

    public int token(int i) {
        return tokens[check(i)];
    }

    public int position(int i) {
        return positions[check(i)];
    }

    public boolean isOutput(int i) {
        return outputs[check(i)];
    }

    public int seqCount(int i) {
        return seqCounts[check(i)];
    }

    /** The j-th sequence id of token i. */
    public int seq(int i, int j) {
        check(i);
        if (j < 0 || j >= seqCounts[i]) throw new IndexOutOfBoundsException("sequence " + j + " of token " + i);
        return seqIds[i * maxSeqPerToken + j];
    }

    private int check(int i) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException("batch index " + i + " outside [0, " + size + ")");
        return i;
    }

    @Override
    public String toString() {
        return "TokenBatch[" + size + " tokens " + Arrays.toString(Arrays.copyOf(tokens, size)) + "]";
    }
}
