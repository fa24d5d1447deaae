package paradec.engine;

import java.util.Arrays;
import paradec.diffusion.DenoisingModel;
import paradec.llama.Batch;
import paradec.llama.Context;
import paradec.llama.ContextParams;
import paradec.llama.Model;
import paradec.logits.LogitsView;

/**
 * A diffusion model with a prefix KV cache (Fast-dLLM's prefix cache) on llama.cpp, which has none for
 * diffusion architectures: it runs on the model's causal view ({@link paradec.gguf.CausalView}: the same
 * weights as a llama/qwen2 model with bidirectional attention and KV memory). A full pass over the
 * sequence fills the cache; the following steps of the same block drop the cells from the block on
 * (the prefix stays: prompt and finished blocks) and compute only the block and what follows it,
 * attending to the cached prefix. The prefix's cells were computed when the later positions held other
 * tokens, so a cached step is Fast-dLLM's approximation; it is refreshed by a full pass at every new
 * block and every {@code refreshEvery} steps ({@code refreshEvery = 1}: a full pass at every step, the
 * exact computation, token for token the uncached model's).
 *
 * <p>The dual cache (also caching the masked suffix) cannot be expressed in llama.cpp v0.5.0: a
 * sequence's batch must continue its cached positions exactly (it refuses a middle block between
 * cached cells with "Y = X + 1"), so the suffix after the block is always recomputed with it.
 */
public final class PrefixCachedDenoisingModel implements DenoisingModel, AutoCloseable {
    private final Model view;
    private final Context context;
    private final Batch batch;
    private final int vocabSize;
    private final int mask;
    private final boolean shiftLogits;
    private final int maxLength;
    private int refreshEvery;
    private final java.util.function.IntPredicate endOfGeneration;
    private int[] cachedPrefix = new int[0];
    private int stepsSinceRefresh;
    private long fullPasses;
    private long cachedPasses;
    private long computedPositions;

    /**
     * @param diffusion    the diffusion model (mask token, shift of its logits, end-of-generation tokens)
     * @param causalView   the same model loaded from its causal view
     * @param refreshEvery steps between full passes within a block, >= 1
     */
    public PrefixCachedDenoisingModel(Model diffusion, Model causalView, int maxSequenceLength, int threads, int refreshEvery) {
        if (!diffusion.isDiffusion()) throw new IllegalArgumentException(diffusion.path() + " is not a diffusion model");
        if (causalView.isDiffusion()) throw new IllegalArgumentException(causalView.path() + " is not a causal view");
        if (refreshEvery < 1) throw new IllegalArgumentException("refreshEvery must be >= 1, got " + refreshEvery);
        if (causalView.vocab().size() != diffusion.vocab().size()) throw new IllegalArgumentException("the view's vocabulary differs from the model's");
        int trained = diffusion.contextLengthTrained();
        if (maxSequenceLength < 2 || (trained > 0 && maxSequenceLength > trained)) {
            throw new IllegalArgumentException("sequence length " + maxSequenceLength + " outside [2, " + trained + "]");
        }
        this.view = causalView;
        this.mask = diffusion.vocab().mask();
        if (mask < 0) throw new IllegalArgumentException(diffusion.path() + " has no mask token");
        this.shiftLogits = PositionRows.shiftsLogits(diffusion);
        this.endOfGeneration = diffusion.vocab()::isEndOfGeneration;
        this.refreshEvery = refreshEvery;
        // one micro-batch holds the whole sequence: bidirectional attention must see it at once
        this.context = causalView.newContext(new ContextParams(maxSequenceLength, maxSequenceLength, maxSequenceLength, 1, threads, false));
        this.maxLength = Math.min(context.microBatch(), context.contextLength());
        this.vocabSize = context.vocabSize();
        this.batch = context.newBatch(maxLength);
    }

    public Context context() {
        return context;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
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
        return endOfGeneration.test(token);
    }

    /** Starts a new generation: no prefix is cached; full passes every {@code refreshEvery} steps from now. */
    public void reset(int refreshEvery) {
        if (refreshEvery < 1) throw new IllegalArgumentException("refreshEvery must be >= 1, got " + refreshEvery);
        this.refreshEvery = refreshEvery;
        this.cachedPrefix = new int[0];
        this.stepsSinceRefresh = 0;
    }

    /** Full passes, cached passes, and positions computed over all forwards (the work the cache saves). */
    public long[] counters() {
        return new long[] {fullPasses, cachedPasses, computedPositions};
    }

    @Override
    public LogitsView forward(int[] tokens, int from, int to) {
        PositionRows.checkForward(tokens, from, to, maxLength);
        boolean shift = shiftLogits;
        // with shifted logits, position p's distribution sits in row p - 1: the computed part starts there
        int firstSource = shift ? Math.max(0, from - 1) : from;
        int lastSource = shift ? Math.max(0, to - 2) : to - 1;
        boolean reuse = stepsSinceRefresh > 0 && stepsSinceRefresh < refreshEvery && cachedPrefix.length == firstSource
                && Arrays.equals(cachedPrefix, 0, firstSource, tokens, 0, firstSource);
        int start;
        if (reuse) {
            context.removeTokens(0, firstSource, -1);
            start = firstSource;
            cachedPasses++;
        } else {
            context.clearMemory();
            start = 0;
            cachedPrefix = Arrays.copyOf(tokens, firstSource);
            stepsSinceRefresh = 0;
            fullPasses++;
        }
        stepsSinceRefresh++;
        batch.clear();
        for (int i = start; i < tokens.length; i++) batch.add(tokens[i], i, i >= firstSource && i <= lastSource, 0);
        context.decode(batch);
        computedPositions += tokens.length - start;
        return new PositionRows(context.outputLogits(), tokens.length, vocabSize, from, to, shift,
                context.outputRow(firstSource - start), firstSource);
    }

    @Override
    public void close() {
        try {
            context.close();
        } finally {
            batch.close();
        }
    }
}
