package paradec.decode;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import paradec.logits.LogitsView;

/**
 * A {@link CausalModel} with hand-made logits and llama.cpp's KV rules, for the AR family's unit tests.
 *
 * <p>KV memory: each sequence maps positions to stored cells; a batch token at position p with
 * sequences S becomes one cell shared by every sequence of S. Its logits are a deterministic function
 * ({@link Language}) of the tokens of its <em>first</em> sequence at positions 0..p, cells stored
 * before and tokens of the same batch alike (llama.cpp masks by position, not by batch order).
 *
 * <p>Rules enforced like llama.cpp enforces them (a broken rule throws instead of corrupting state):
 * per sequence, the batch's smallest position must be the largest stored one + 1 ("Y = X + 1") and
 * its positions must be consecutive; positions below {@link #maxPositions()}, sequence ids below
 * {@link #maxSequences()}, tokens in the vocabulary, at most {@link #maxBatch()} tokens; a unified
 * cache holds at most {@link #kvCells()} distinct cells; a token may belong to several sequences and
 * cells may be copied only with a unified cache (llama.cpp aborts on a partial copy between streams).
 * Two rules are stricter than llama.cpp, because the logits would be ambiguous otherwise: one
 * sequence may not get two tokens at the same position in one batch, nor two cells at one position
 * by a copy.
 *
 * <p>Every decode's logits live in their own confined arena, closed by the next decode or clear():
 * reading a stale view (or a row segment taken from it) throws {@link IllegalStateException}, so a
 * test that passes proves the decoders never read stale logits.
 */
final class FakeCausalModel implements CausalModel {

    /** Linear cost, like a CPU: cost(k) = 0.2 ms + 0.8 ms * k. */
    static final CostCurve CPU_LIKE = CostCurve.fromPoints(new int[] {1, 64}, new double[] {1.0e6, 51.4e6});
    /** Flat up to 32 rows, then linear, like a GPU: cost(k) = 10 ms for k <= 32, (10/32) ms * k beyond. */
    static final CostCurve GPU_LIKE = CostCurve.fromPoints(new int[] {1, 32, 64}, new double[] {10e6, 10e6, 20e6});

    /** A stored KV cell: one token at one position, shared by {@code sequences} sequences. */
    private static final class Cell {
        final int position;
        final int token;
        int sequences;

        Cell(int position, int token, int sequences) {
            this.position = position;
            this.token = token;
            this.sequences = sequences;
        }
    }

    private final Language language;
    private final int maxPositions;
    private final int maxBatch;
    private final int maxSequences;
    private final boolean unified;
    private final int kvCells;
    private final CostCurve costCurve;
    private final List<TreeMap<Integer, Cell>> cellsOfSequence = new ArrayList<>();
    private int distinctCells;

    private long forwardCalls;
    private long forwardNanos;
    private long memoryNanos;
    private long generation;
    private Arena logitsArena;

    private FakeCausalModel(Builder b) {
        this.language = b.language;
        this.maxPositions = b.maxPositions;
        this.maxBatch = b.maxBatch;
        this.maxSequences = b.maxSequences;
        this.unified = b.unified;
        // like llama.cpp: a unified cache of n_ctx cells; otherwise one stream of n_ctx cells per sequence
        this.kvCells = b.kvCells > 0 ? b.kvCells : unified ? maxPositions : maxPositions * maxSequences;
        this.costCurve = b.costCurve;
        for (int s = 0; s < maxSequences; s++) cellsOfSequence.add(new TreeMap<>());
    }

    static Builder builder() {
        return new Builder();
    }

    /** One sequence, not unified: what AR and Jacobi need. */
    static FakeCausalModel single(int maxPositions) {
        return builder().maxPositions(maxPositions).build();
    }

    /** A unified cache of many sequences and a big batch: what lookahead needs. */
    static FakeCausalModel unified(int maxPositions) {
        return builder().maxPositions(maxPositions).maxSequences(48).unified(true).maxBatch(128).build();
    }

    static final class Builder {
        private Language language = new Language(32, 1234, false);
        private int maxPositions = 256;
        private int maxBatch = 64;
        private int maxSequences = 1;
        private boolean unified;
        private int kvCells;
        private CostCurve costCurve = CPU_LIKE;

        Builder language(Language l) {
            language = l;
            return this;
        }

        Builder maxPositions(int n) {
            maxPositions = n;
            return this;
        }

        Builder maxBatch(int n) {
            maxBatch = n;
            return this;
        }

        Builder maxSequences(int n) {
            maxSequences = n;
            return this;
        }

        Builder unified(boolean u) {
            unified = u;
            return this;
        }

        /** Cells of a unified cache (default: maxPositions, as in llama.cpp). */
        Builder kvCells(int n) {
            kvCells = n;
            return this;
        }

        /** The curve {@link #costCurve()} returns; null measures it like the default method does. */
        Builder costCurve(CostCurve c) {
            costCurve = c;
            return this;
        }

        FakeCausalModel build() {
            return new FakeCausalModel(this);
        }
    }

    Language language() {
        return language;
    }

    /** The token stored at a position of a sequence, or -1: lets tests look inside the KV memory. */
    int storedToken(int seq, int position) {
        Cell c = cellsOfSequence.get(checkSeq(seq)).get(position);
        return c == null ? -1 : c.token;
    }

    /** Cells stored in a sequence. */
    int storedCount(int seq) {
        return cellsOfSequence.get(checkSeq(seq)).size();
    }

    /** Distinct cells in the whole memory (a cell shared by several sequences counts once). */
    int distinctCells() {
        return distinctCells;
    }

    @Override
    public int vocabSize() {
        return language.vocabSize();
    }

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    @Override
    public int kvCells() {
        return kvCells;
    }

    @Override
    public int maxBatch() {
        return maxBatch;
    }

    @Override
    public int maxSequences() {
        return maxSequences;
    }

    @Override
    public boolean unifiedKv() {
        return unified;
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return token == language.endOfGeneration();
    }

    @Override
    public ModelCounters counters() {
        return new ModelCounters(forwardCalls, forwardNanos, memoryNanos);
    }

    @Override
    public CostCurve costCurve() {
        return costCurve != null ? costCurve : CausalModel.super.costCurve();
    }

    @Override
    public LogitsView decode(TokenBatch batch) {
        long t0 = System.nanoTime();
        validate(batch);
        if (unified && distinctCells + batch.size() > kvCells) {
            // llama_decode finds no free slot and returns 1; the engine turns that into an exception
            throw new IllegalStateException("no room in the KV cache: " + distinctCells + " of " + kvCells
                    + " cells used, the batch needs " + batch.size());
        }
        // store first: a token sees the tokens of its sequence at lower positions of the same batch
        for (int i = 0; i < batch.size(); i++) {
            Cell cell = new Cell(batch.position(i), batch.token(i), batch.seqCount(i));
            for (int j = 0; j < batch.seqCount(i); j++) cellsOfSequence.get(batch.seq(i, j)).put(cell.position, cell);
            distinctCells++;
        }
        invalidateLogits();
        logitsArena = Arena.ofConfined();
        int vocab = vocabSize();
        MemorySegment rows = logitsArena.allocate((long) Math.max(1, batch.outputCount()) * vocab * Float.BYTES, Float.BYTES);
        float[] row = new float[vocab];
        int r = 0;
        for (int i = 0; i < batch.size(); i++) {
            if (!batch.isOutput(i)) continue;
            language.logits(cellsOfSequence.get(batch.seq(i, 0)), batch.position(i), row);
            // the destination offset is in bytes
            MemorySegment.copy(row, 0, rows, ValueLayout.JAVA_FLOAT, (long) r * vocab * Float.BYTES, vocab);
            r++;
        }
        forwardCalls++;
        forwardNanos += System.nanoTime() - t0;
        return new View(generation, rows, batch.outputCount(), vocab);
    }

    private void validate(TokenBatch batch) {
        if (batch.size() == 0) throw new IllegalArgumentException("empty batch");
        if (batch.size() > maxBatch) {
            throw new IllegalArgumentException("batch of " + batch.size() + " tokens, the model takes " + maxBatch);
        }
        // per sequence: the batch's positions, to check "Y = X + 1" and that they are consecutive
        Map<Integer, Set<Integer>> positionsOfSequence = new TreeMap<>();
        for (int i = 0; i < batch.size(); i++) {
            int token = batch.token(i);
            int position = batch.position(i);
            if (token < 0 || token >= vocabSize()) throw new IllegalArgumentException("token id " + token + " outside the vocabulary");
            if (position < 0 || position >= maxPositions) {
                throw new IllegalArgumentException("position " + position + " outside [0, " + maxPositions + ")");
            }
            if (batch.seqCount(i) > 1 && !unified) {
                throw new IllegalArgumentException("token " + i + " belongs to " + batch.seqCount(i)
                        + " sequences, which needs a unified KV cache");
            }
            for (int j = 0; j < batch.seqCount(i); j++) {
                int seq = batch.seq(i, j);
                if (seq < 0 || seq >= maxSequences) {
                    throw new IllegalArgumentException("sequence id " + seq + " outside [0, " + maxSequences + ")");
                }
                if (!positionsOfSequence.computeIfAbsent(seq, s -> new HashSet<>()).add(position)) {
                    throw new IllegalArgumentException("sequence " + seq + " gets two tokens at position " + position);
                }
            }
        }
        for (Map.Entry<Integer, Set<Integer>> e : positionsOfSequence.entrySet()) {
            int seq = e.getKey();
            int min = Integer.MAX_VALUE;
            int max = Integer.MIN_VALUE;
            for (int p : e.getValue()) {
                min = Math.min(min, p);
                max = Math.max(max, p);
            }
            TreeMap<Integer, Cell> stored = cellsOfSequence.get(seq);
            if (!stored.isEmpty() && min != stored.lastKey() + 1) {
                throw new IllegalArgumentException("sequence " + seq + ": the last stored position is X = " + stored.lastKey()
                        + ", the batch starts at Y = " + min + "; it is required that Y = X + 1");
            }
            if (max - min + 1 != e.getValue().size()) {
                throw new IllegalArgumentException("sequence " + seq + ": batch positions " + min + ".." + max + " are not consecutive");
            }
        }
    }

    @Override
    public void removeTokens(int seq, int from, int to) {
        long t0 = System.nanoTime();
        NavigableMap<Integer, Cell> range = range(cellsOfSequence.get(checkSeq(seq)), from, to);
        for (Cell cell : range.values()) release(cell);
        range.clear();
        memoryNanos += System.nanoTime() - t0;
    }

    @Override
    public void copySequence(int source, int target, int from, int to) {
        long t0 = System.nanoTime();
        checkSeq(source);
        checkSeq(target);
        if (!unified) {
            // llama.cpp aborts (GGML_ASSERT) on a partial copy between separate streams
            throw new IllegalStateException("copySequence needs a unified KV cache");
        }
        if (source == target) return;
        TreeMap<Integer, Cell> targetCells = cellsOfSequence.get(target);
        for (Cell cell : range(cellsOfSequence.get(source), from, to).values()) {
            Cell existing = targetCells.get(cell.position);
            if (existing == cell) continue;
            if (existing != null) {
                throw new IllegalStateException("copy would give sequence " + target + " two cells at position " + cell.position);
            }
            targetCells.put(cell.position, cell);
            cell.sequences++;
        }
        memoryNanos += System.nanoTime() - t0;
    }

    @Override
    public void clear() {
        for (TreeMap<Integer, Cell> cells : cellsOfSequence) cells.clear();
        distinctCells = 0;
        invalidateLogits();
    }

    private void release(Cell cell) {
        if (--cell.sequences == 0) distinctCells--;
    }

    /** The cells with positions in [from, to); a negative bound is open, as in llama.cpp. */
    private static NavigableMap<Integer, Cell> range(TreeMap<Integer, Cell> cells, int from, int to) {
        int lo = from < 0 ? 0 : from;
        int hi = to < 0 ? Integer.MAX_VALUE : to;
        if (hi <= lo) return new TreeMap<>();
        return cells.subMap(lo, true, hi, false);
    }

    private int checkSeq(int seq) {
        if (seq < 0 || seq >= maxSequences) throw new IllegalArgumentException("sequence id " + seq + " outside [0, " + maxSequences + ")");
        return seq;
    }

    private void invalidateLogits() {
        generation++;
        if (logitsArena != null) {
            logitsArena.close();
            logitsArena = null;
        }
    }

    /** The logits of one decode; any read after the next decode or clear() throws. */
    private final class View implements LogitsView {
        private final long madeAt;
        private final MemorySegment all;
        private final int rows;
        private final int vocab;

        View(long madeAt, MemorySegment all, int rows, int vocab) {
            this.madeAt = madeAt;
            this.all = all;
            this.rows = rows;
            this.vocab = vocab;
        }

        private void checkFresh() {
            if (madeAt != generation) throw new IllegalStateException("stale logits: read after a later decode or clear()");
        }

        @Override
        public int rows() {
            checkFresh();
            return rows;
        }

        @Override
        public int vocabSize() {
            return vocab;
        }

        @Override
        public MemorySegment row(int r) {
            checkFresh();
            if (r < 0 || r >= rows) throw new IndexOutOfBoundsException("logits row " + r + " outside [0, " + rows + ")");
            return all.asSlice((long) r * vocab * Float.BYTES, (long) vocab * Float.BYTES).asReadOnly();
        }
    }

    /**
     * The fake's "language": logits after a context depend on its last three tokens (an order-3
     * Markov chain from a seeded hash), so text repeats often enough for lookup and lookahead guesses
     * to be accepted. One token is clearly preferred (margin > 2) unless {@code nearTies} is set, then
     * a runner-up ties it exactly or sits one float step below it. A context with a missing position
     * gets different logits, as a real model would, so a decoder that loses a KV cell diverges from AR.
     *
     * @param vocabSize tokens; the last one ends a generation
     * @param seed      picks the language
     * @param nearTies  add a runner-up at (or one ulp below) the preferred token
     */
    record Language(int vocabSize, long seed, boolean nearTies) {
        /** One context in EOS_EVERY prefers the end-of-generation token. */
        static final int EOS_EVERY = 53;

        int endOfGeneration() {
            return vocabSize - 1;
        }

        /** The logits after positions 0..p of a sequence's cells. */
        void logits(NavigableMap<Integer, Cell> cells, int p, float[] row) {
            NavigableMap<Integer, Cell> context = cells.headMap(p, true);
            // counting a sub-map walks it; the usual context is the whole sequence, whose size is known
            int count = p >= cells.lastKey() ? cells.size() : context.size();
            boolean complete = count == p + 1;
            int[] last = {-1, -1, -1}; // the last three tokens, newest first
            int i = 0;
            for (Cell cell : context.descendingMap().values()) {
                if (i == 3) break;
                last[i++] = cell.token;
            }
            logitsAfter(last[2], last[1], last[0], complete, row);
        }

        /** The logits after tokens a, b, c (c newest; -1 = before the start). */
        void logitsAfter(int a, int b, int c, boolean complete, float[] row) {
            long h = mix(seed, a, b, c, complete ? 1 : 0);
            for (int t = 0; t < vocabSize; t++) row[t] = unit(mix(h, t));
            int preferred = preferred(h, c);
            row[preferred] = 3 + row[preferred];
            if (nearTies) {
                int runnerUp = (preferred + 1 + (int) Long.remainderUnsigned(h >>> 20, vocabSize - 1)) % vocabSize;
                row[runnerUp] = (h & 1) == 0 ? row[preferred] : Math.nextDown(row[preferred]);
            }
        }

        private int preferred(long h, int c) {
            int words = vocabSize - 1; // every token but end-of-generation
            if (Long.remainderUnsigned(h, EOS_EVERY) == 0) return endOfGeneration();
            // three contexts in four continue a fixed "phrase" (x -> 5x + 1 mod words has short cycles): repetition
            if (c >= 0 && c < words && Long.remainderUnsigned(h >>> 8, 4) != 0) return (c * 5 + 1) % words;
            return (int) Long.remainderUnsigned(h >>> 16, words);
        }

        private static long mix(long... values) {
            long h = 0x9E3779B97F4A7C15L;
            for (long v : values) {
                h ^= v;
                h *= 0xBF58476D1CE4E5B9L;
                h ^= h >>> 31;
            }
            return h;
        }

        /** A value in [0, 1) from a hash. */
        private static float unit(long h) {
            return (h >>> 40) / (float) (1L << 24);
        }
    }
}
