package paradec.diffusion;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import paradec.logits.RowStats;

/**
 * KLASS (KL-adaptive stability sampling): commit every masked position of the block whose
 * distribution has been stable, KL(p_t || p_{t-1}) &lt; kappa, for the last {@code history} steps
 * and whose confidence is &gt; tau; if none qualifies, the single most confident position.
 * Ignores the schedule. Defaults are the authors' LLaDA GSM8K script: tau 0.6, kappa 0.015,
 * history 2.
 *
 * <p>Memory bound: instead of whole previous distributions (B x vocab doubles), the policy keeps
 * for each position of the current block only the previous step's {@code topK} most likely
 * tokens with their probabilities, plus the remaining mass. KL is computed exactly between the
 * two distributions coarsened onto those K tokens + "everything else"; by the data-processing
 * inequality this is a lower bound of the true KL, tight when the mass sits in the top K (the
 * case that matters for a confidence > tau). Storage: B x K x 12 bytes (32 x 64: 24 KiB),
 * cleared at every block start.
 */
public final class KlassPolicy implements UnmaskingPolicy {

    public static final double DEFAULT_KAPPA = 0.015;
    public static final double DEFAULT_TAU = 0.6;
    public static final int DEFAULT_HISTORY = 2;
    public static final int DEFAULT_TOP_K = 64;
    private static final double TINY = 1e-300;

    private double kappa = DEFAULT_KAPPA;
    private double tau = DEFAULT_TAU;
    private int history = DEFAULT_HISTORY;
    private int topK = DEFAULT_TOP_K;

    private int blockStart;
    private int[][] prevIds;
    private double[][] prevProbs;
    private double[] prevOther;
    private int[] streak;
    private double[] lastKl;

    public KlassPolicy kappa(double k) {
        if (!(k > 0) || Double.isInfinite(k)) {
            throw new IllegalArgumentException("kappa must be positive and finite, got " + k);
        }
        this.kappa = k;
        return this;
    }

    public KlassPolicy tau(double t) {
        if (!(t >= 0 && t <= 1)) {
            throw new IllegalArgumentException("tau must be in [0, 1], got " + t);
        }
        this.tau = t;
        return this;
    }

    public KlassPolicy history(int h) {
        if (h < 1) {
            throw new IllegalArgumentException("history must be >= 1, got " + h);
        }
        this.history = h;
        return this;
    }

    public KlassPolicy topK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("topK must be >= 1, got " + k);
        }
        this.topK = k;
        return this;
    }

    public double kappa() {
        return kappa;
    }

    public double tau() {
        return tau;
    }

    public int history() {
        return history;
    }

    public int topK() {
        return topK;
    }

    /** KL measured at the last step for {@code pos} (NaN if none yet); for tests and traces. */
    public double lastKl(int pos) {
        return lastKl == null ? Double.NaN : lastKl[pos - blockStart];
    }

    @Override
    public void startBlock(int blockIndex, int blockStart, int blockEnd) {
        int b = blockEnd - blockStart;
        this.blockStart = blockStart;
        prevIds = new int[b][];
        prevProbs = new double[b][];
        prevOther = new double[b];
        streak = new int[b];
        lastKl = new double[b];
        java.util.Arrays.fill(lastKl, Double.NaN);
    }

    @Override
    public int[] select(StepContext step) {
        if (prevIds == null || blockStart != step.blockStart() || prevIds.length != step.blockLength()) {
            startBlock(step.blockIndex(), step.blockStart(), step.blockEnd());
        }
        int[] masked = step.maskedPositions();
        int[] out = new int[masked.length];
        int n = 0;
        int vocab = step.logits().vocabSize();
        for (int pos : masked) {
            int o = pos - blockStart;
            RowStats st = step.stats(pos);
            MemorySegment row = step.logits().row(pos);
            // log Z from the cached statistics: c = exp(x_top1 - log Z)
            double logZ = row.getAtIndex(ValueLayout.JAVA_FLOAT, st.top1()) - Math.log(st.confidence());
            if (prevIds[o] != null) {
                double kl = coarseKl(row, logZ, prevIds[o], prevProbs[o], prevOther[o]);
                lastKl[o] = kl;
                streak[o] = kl < kappa ? streak[o] + 1 : 0;
            }
            remember(row, vocab, logZ, o);
            if (streak[o] >= history && st.confidence() > tau) {
                out[n++] = pos;
            }
        }
        if (n == 0) {
            return Ranking.topK(masked, 1, step::confidence);
        }
        return Ranking.sortedCopy(out, n);
    }

    /** KL(p || q) with both distributions coarsened onto q's stored tokens + the rest. */
    private static double coarseKl(MemorySegment row, double logZ, int[] ids, double[] q, double qOther) {
        double kl = 0;
        double mass = 0;
        for (int i = 0; i < ids.length; i++) {
            double p = Math.exp(row.getAtIndex(ValueLayout.JAVA_FLOAT, ids[i]) - logZ);
            mass += p;
            if (p > 0) {
                kl += p * Math.log(p / Math.max(q[i], TINY));
            }
        }
        double pOther = Math.max(0, 1 - mass);
        if (pOther > 0) {
            kl += pOther * Math.log(pOther / Math.max(qOther, TINY));
        }
        return Math.max(0, kl);
    }

    /** Stores the row's top-K tokens (min-heap selection, O(vocab)) and their probabilities. */
    private void remember(MemorySegment row, int vocab, double logZ, int o) {
        int k = Math.min(topK, vocab);
        int[] heap = new int[k];
        float[] val = new float[k];
        int size = 0;
        for (int t = 0; t < vocab; t++) {
            float x = row.getAtIndex(ValueLayout.JAVA_FLOAT, t);
            if (size < k) {
                heap[size] = t;
                val[size] = x;
                siftUp(heap, val, size++);
            } else if (x > val[0]) {
                heap[0] = t;
                val[0] = x;
                siftDown(heap, val, size);
            }
        }
        double[] probs = new double[k];
        double mass = 0;
        for (int i = 0; i < k; i++) {
            probs[i] = Math.exp(val[i] - logZ);
            mass += probs[i];
        }
        prevIds[o] = heap;
        prevProbs[o] = probs;
        prevOther[o] = Math.max(0, 1 - mass);
    }

    private static void siftUp(int[] ids, float[] v, int i) {
        while (i > 0) {
            int p = (i - 1) / 2;
            if (v[p] <= v[i]) {
                return;
            }
            swap(ids, v, p, i);
            i = p;
        }
    }

    private static void siftDown(int[] ids, float[] v, int size) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            int m = i;
            if (l < size && v[l] < v[m]) {
                m = l;
            }
            if (l + 1 < size && v[l + 1] < v[m]) {
                m = l + 1;
            }
            if (m == i) {
                return;
            }
            swap(ids, v, m, i);
            i = m;
        }
    }

    private static void swap(int[] ids, float[] v, int a, int b) {
        int t = ids[a];
        ids[a] = ids[b];
        ids[b] = t;
        float f = v[a];
        v[a] = v[b];
        v[b] = f;
    }

    @Override
    public String name() {
        return "klass";
    }
}
