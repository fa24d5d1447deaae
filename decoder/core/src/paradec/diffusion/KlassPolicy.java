package paradec.diffusion;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import paradec.logits.RowStats;
import paradec.logits.TopK;

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
    private int blockLength = -1;
    // per position of the block: the previous step's top-K ids and probabilities, allocated per
    // block (K = min(topK, vocab)) and overwritten in place at every step
    private int[][] prevIds;
    private double[][] prevProbs;
    private double[] prevOther;
    private boolean[] hasPrev;
    private int[] streak;
    private double[] lastKl;
    private float[] scratch;

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
        this.blockLength = b;
        if (prevIds != null && prevIds.length != b) {
            prevIds = null; // (re)sized at the first step, when the vocabulary is known
        }
        prevOther = new double[b];
        hasPrev = new boolean[b];
        streak = new int[b];
        lastKl = new double[b];
        Arrays.fill(lastKl, Double.NaN);
    }

    private void allocate(int k) {
        prevIds = new int[blockLength][k];
        prevProbs = new double[blockLength][k];
        if (scratch == null || scratch.length != k) {
            scratch = new float[k];
        }
    }

    @Override
    public int[] select(StepContext step) {
        if (hasPrev == null || blockStart != step.blockStart() || blockLength != step.blockLength()) {
            startBlock(step.blockIndex(), step.blockStart(), step.blockEnd());
        }
        int[] masked = step.maskedPositions();
        int[] out = new int[masked.length];
        int n = 0;
        int vocab = step.logits().vocabSize();
        int k = Math.min(topK, vocab);
        if (prevIds == null || prevIds[0].length != k) {
            allocate(k);
            Arrays.fill(hasPrev, false);
        }
        for (int pos : masked) {
            int o = pos - blockStart;
            RowStats st = step.stats(pos);
            MemorySegment row = step.logits().row(pos);
            // log Z from the cached statistics: c = exp(x_top1 - log Z)
            double logZ = row.getAtIndex(ValueLayout.JAVA_FLOAT, st.top1()) - Math.log(st.confidence());
            if (hasPrev[o]) {
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

    /** Stores the row's top-K tokens ({@link TopK}, O(vocab log K)) and their probabilities, in place. */
    private void remember(MemorySegment row, int vocab, double logZ, int o) {
        int[] ids = prevIds[o];
        double[] probs = prevProbs[o];
        int k = TopK.select(row, vocab, ids.length, ids, scratch);
        double mass = 0;
        for (int i = 0; i < k; i++) {
            probs[i] = Math.exp(scratch[i] - logZ);
            mass += probs[i];
        }
        prevOther[o] = Math.max(0, 1 - mass);
        hasPrev[o] = true;
    }

    @Override
    public boolean readsEntropy() {
        return false;
    }

    @Override
    public String name() {
        return "klass";
    }
}
