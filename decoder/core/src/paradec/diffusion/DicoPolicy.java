package paradec.diffusion;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

import paradec.logits.RowStats;

/**
 * DiCo (divide and conquer, Luo et al. 2026) as described in docs/algorithms.md section 4.
 * Ignores the schedule: per block it repeats rounds of DIVIDE (find seeds, grow clusters, decode
 * only the seeds) and CONQUER (decode inside clusters in parallel), then FINALIZE.
 *
 * <p>Every {@link #select} call consumes exactly one forward pass. Phase changes that follow from
 * a step which commits nothing (a Divide step without seeds, a Conquer step with an empty set)
 * happen within the same call on the same logits: nothing was committed, so the next forward
 * pass would return the same logits and repeat the decision. In particular the rule "leave
 * Divide after two consecutive steps without a seed" is applied after the first such step, as
 * the second would see an unchanged sequence and find no seed either.
 *
 * <p>Other reading choices: clusters are per round (a new Divide starts with none); in Divide a
 * position masked at the start of Divide that an earlier Divide step already decoded (a seed)
 * counts as passing, so clusters grow across earlier seeds; the Divide mean-confidence exit and
 * the Conquer stop use the masked cluster tokens left after the step's commits; a cluster's
 * growth is measured on its length (hi - lo + 1), matched to the previous step's cluster of the
 * same rank when the count is unchanged.
 */
public final class DicoPolicy implements UnmaskingPolicy {

    /** The three phases; {@link #phase()} reports the one whose rule chose the last commit. */
    public enum Phase { DIVIDE, CONQUER, FINALIZE }

    private int seeds = 4;
    private double tauE = 0.3;
    private double tauLow = 0.6;
    private int tolerance = 2;
    private double rGate = 0.8;
    private int maxDivideSteps = 10;
    private double alpha = 0.5;
    private double beta = 0.05;
    private double sigmaFraction = 1.0 / 3.0;
    private double safeConfidence = 0.98;
    private double marginThreshold = 3.0;
    private double factor = 1.0;
    private double conquerFallback = 0.6;
    private double conquerStopMean = 0.6;
    private double divideGrowth = 0.10;

    // block state
    private int blockStart = -1;
    private int blockEnd = -1;
    private Phase phase = Phase.DIVIDE;
    private Phase lastPhase = Phase.DIVIDE;
    private int rounds;
    private int divideStepsThisPhase;
    private boolean divideFresh = true;
    private boolean[] maskedAtDivideStart;
    private List<int[]> clusters = new ArrayList<>();
    private List<int[]> previousClusters;
    private boolean pendingDivideExit;
    private boolean pendingRoundEnd;

    // counters
    private long divideSteps;
    private long conquerSteps;
    private long finalizeSteps;
    private long roundCount;
    private long seedCount;

    // ---- parameters (fluent setters, authors' defaults) ----

    public DicoPolicy seeds(int n) {
        this.seeds = positive(n, "seeds");
        return this;
    }

    public DicoPolicy tauE(double v) {
        this.tauE = unit(v, "tauE");
        return this;
    }

    public DicoPolicy tauLow(double v) {
        this.tauLow = unit(v, "tauLow");
        return this;
    }

    public DicoPolicy tolerance(int m) {
        if (m < 0) {
            throw new IllegalArgumentException("tolerance must be >= 0, got " + m);
        }
        this.tolerance = m;
        return this;
    }

    public DicoPolicy rGate(double v) {
        this.rGate = unit(v, "rGate");
        return this;
    }

    public DicoPolicy maxDivideSteps(int n) {
        this.maxDivideSteps = positive(n, "maxDivideSteps");
        return this;
    }

    public DicoPolicy alpha(double v) {
        this.alpha = nonNegative(v, "alpha");
        return this;
    }

    public DicoPolicy beta(double v) {
        this.beta = nonNegative(v, "beta");
        return this;
    }

    /** sigma = blockLength * fraction (default 1/3). */
    public DicoPolicy sigmaFraction(double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("sigmaFraction must be positive, got " + v);
        }
        this.sigmaFraction = v;
        return this;
    }

    public DicoPolicy safeConfidence(double v) {
        this.safeConfidence = unit(v, "safeConfidence");
        return this;
    }

    public DicoPolicy marginThreshold(double v) {
        this.marginThreshold = nonNegative(v, "marginThreshold");
        return this;
    }

    public DicoPolicy factor(double v) {
        this.factor = nonNegative(v, "factor");
        return this;
    }

    public DicoPolicy conquerFallback(double v) {
        this.conquerFallback = unit(v, "conquerFallback");
        return this;
    }

    public DicoPolicy conquerStopMean(double v) {
        this.conquerStopMean = unit(v, "conquerStopMean");
        return this;
    }

    public DicoPolicy divideGrowth(double v) {
        this.divideGrowth = nonNegative(v, "divideGrowth");
        return this;
    }

    private static int positive(int v, String what) {
        if (v < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, got " + v);
        }
        return v;
    }

    private static double unit(double v, String what) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(what + " must be in [0, 1], got " + v);
        }
        return v;
    }

    private static double nonNegative(double v, String what) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " must be finite and >= 0, got " + v);
        }
        return v;
    }

    /** Current phase (the one the next step starts in). */
    public Phase currentPhase() {
        return phase;
    }

    /** Current clusters as [lo, hi] (inclusive, absolute positions); a copy. */
    public List<int[]> clusters() {
        List<int[]> out = new ArrayList<>();
        for (int[] c : clusters) {
            out.add(c.clone());
        }
        return out;
    }

    @Override
    public String phase() {
        return lastPhase.name();
    }

    @Override
    public String name() {
        return "dico";
    }

    @Override
    public Map<String, Long> stats() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("divide_steps", divideSteps);
        m.put("conquer_steps", conquerSteps);
        m.put("finalize_steps", finalizeSteps);
        m.put("rounds", roundCount);
        m.put("seeds", seedCount);
        return m;
    }

    @Override
    public void startBlock(int blockIndex, int start, int end) {
        if (blockIndex == 0) {
            divideSteps = conquerSteps = finalizeSteps = roundCount = seedCount = 0;
        }
        blockStart = start;
        blockEnd = end;
        rounds = 0;
        pendingDivideExit = false;
        pendingRoundEnd = false;
        beginRound();
        if (Math.floor(rGate * (end - start)) < 1) {
            phase = Phase.FINALIZE; // a block too short for even one round
        }
    }

    /** Test hook: puts the policy in {@code p} with the given clusters for the block. */
    void force(Phase p, int blockIndex, int start, int end, List<int[]> cs) {
        startBlock(blockIndex, start, end);
        phase = p;
        clusters = merge(cs);
        divideFresh = p == Phase.DIVIDE;
    }

    private void beginRound() {
        phase = Phase.DIVIDE;
        divideStepsThisPhase = 0;
        divideFresh = true;
        clusters = new ArrayList<>();
        previousClusters = null;
    }

    @Override
    public int[] select(StepContext step) {
        if (step.blockStart() != blockStart || step.blockEnd() != blockEnd) {
            startBlock(step.blockIndex(), step.blockStart(), step.blockEnd());
        }
        MaskState state = step.state();
        // decisions left over from the previous step, now that its commits are visible
        if (pendingDivideExit) {
            pendingDivideExit = false;
            leaveDivide(state);
        }
        if (pendingRoundEnd) {
            pendingRoundEnd = false;
            endRound(state);
        }
        while (true) {
            int[] chosen = switch (phase) {
                case DIVIDE -> divide(step);
                case CONQUER -> conquer(step);
                case FINALIZE -> finish(step);
            };
            if (chosen != null) {
                return chosen;
            }
        }
    }

    // ---- DIVIDE ----

    private int[] divide(StepContext step) {
        MaskState state = step.state();
        int bs = blockStart;
        int b = blockEnd - blockStart;
        if (divideFresh) {
            maskedAtDivideStart = new boolean[b];
            for (int p = bs; p < blockEnd; p++) {
                maskedAtDivideStart[p - bs] = state.isMasked(p);
            }
            divideFresh = false;
        }
        int[] masked = step.maskedPositions();
        int j0 = masked[0];
        double lambda = trajectoryLambda(blockEnd - j0, state.unmaskedFraction(), alpha, beta);
        double[] weighted = new double[b];
        boolean[] eligible = new boolean[b];
        for (int p : masked) {
            weighted[p - bs] = step.confidence(p) * Math.exp(-lambda * (p - j0));
            eligible[p - bs] = true;
        }
        int[] seedOffsets = selectSeeds(weighted, eligible, seeds, tauE, sigmaFraction * b);
        divideStepsThisPhase++;
        divideSteps++;
        if (seedOffsets.length == 0) {
            // nothing to decode: the sequence is unchanged, so a second step would find no seed either
            leaveDivide(state);
            return null;
        }
        IntPredicate passes = o -> maskedAtDivideStart[o] && (!eligible[o] || weighted[o] >= tauE);
        List<int[]> grown = new ArrayList<>(clusters);
        for (int s : seedOffsets) {
            int[] c = grow(s, s, 0, b - 1, passes, tolerance);
            grown.add(new int[] {c[0] + bs, c[1] + bs});
        }
        clusters = merge(grown);
        seedCount += seedOffsets.length;
        int[] chosen = new int[seedOffsets.length];
        for (int i = 0; i < chosen.length; i++) {
            chosen[i] = seedOffsets[i] + bs;
        }
        Arrays.sort(chosen);
        boolean exit = divideStepsThisPhase >= maxDivideSteps
                || stable(previousClusters, clusters, divideGrowth)
                || meanConfidenceInClusters(step, clusters, chosen) >= tauLow;
        previousClusters = clusters();
        pendingDivideExit = exit;
        lastPhase = Phase.DIVIDE;
        return chosen;
    }

    private void leaveDivide(MaskState state) {
        clusters = trim(clusters, state);
        if (clusters.isEmpty()) {
            phase = Phase.FINALIZE;
        } else {
            phase = Phase.CONQUER;
        }
    }

    /** lambda = -ln(w_min) / (L - 1), w_min = min(1, beta + alpha r); 0 when L <= 1. */
    static double trajectoryLambda(int remainingLength, double unmaskedFraction, double alpha, double beta) {
        if (remainingLength <= 1) {
            return 0.0;
        }
        double wMin = Math.min(1.0, beta + alpha * unmaskedFraction);
        return -Math.log(wMin) / (remainingLength - 1);
    }

    /**
     * Soft non-maximum suppression over block offsets: up to {@code n} times take the eligible
     * offset with the highest (suppressed) score, stop if it is below {@code tauE}, then multiply
     * every score by 1 - exp(-(i - s)^2 / sigma^2). Ties go to the lower offset. Returns offsets in
     * pick order.
     */
    static int[] selectSeeds(double[] weighted, boolean[] eligible, int n, double tauE, double sigma) {
        double[] score = weighted.clone();
        int[] out = new int[n];
        int k = 0;
        boolean[] taken = new boolean[score.length];
        while (k < n) {
            int s = -1;
            for (int i = 0; i < score.length; i++) {
                if (eligible[i] && !taken[i] && (s < 0 || score[i] > score[s])) {
                    s = i;
                }
            }
            if (s < 0 || score[s] < tauE) {
                break;
            }
            out[k++] = s;
            taken[s] = true;
            for (int i = 0; i < score.length; i++) {
                double d = i - s;
                score[i] *= 1.0 - Math.exp(-(d * d) / (sigma * sigma));
            }
        }
        return Arrays.copyOf(out, k);
    }

    /**
     * Grows [lo, hi] outwards within [min, max] onto positions that pass, bridging runs of up to
     * {@code tolerance} failing positions; the edges only ever land on passing positions.
     */
    static int[] grow(int lo, int hi, int min, int max, IntPredicate passes, int tolerance) {
        int right = hi;
        int gap = 0;
        for (int j = hi + 1; j <= max; j++) {
            if (passes.test(j)) {
                right = j;
                gap = 0;
            } else if (++gap > tolerance) {
                break;
            }
        }
        int left = lo;
        gap = 0;
        for (int j = lo - 1; j >= min; j--) {
            if (passes.test(j)) {
                left = j;
                gap = 0;
            } else if (++gap > tolerance) {
                break;
            }
        }
        return new int[] {left, right};
    }

    /** Sorts and merges overlapping or adjacent [lo, hi] intervals. */
    static List<int[]> merge(List<int[]> intervals) {
        List<int[]> sorted = new ArrayList<>();
        for (int[] c : intervals) {
            sorted.add(c.clone());
        }
        sorted.sort(Comparator.comparingInt((int[] c) -> c[0]).thenComparingInt(c -> c[1]));
        List<int[]> out = new ArrayList<>();
        for (int[] c : sorted) {
            int[] last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && c[0] <= last[1] + 1) {
                last[1] = Math.max(last[1], c[1]);
            } else {
                out.add(c);
            }
        }
        return out;
    }

    /** Clusters cut to their outermost masked positions; fully decoded ones dropped. */
    static List<int[]> trim(List<int[]> intervals, MaskState state) {
        List<int[]> out = new ArrayList<>();
        for (int[] c : intervals) {
            int lo = c[0];
            int hi = c[1];
            while (lo <= hi && !state.isMasked(lo)) {
                lo++;
            }
            while (hi >= lo && !state.isMasked(hi)) {
                hi--;
            }
            if (lo <= hi) {
                out.add(new int[] {lo, hi});
            }
        }
        return merge(out);
    }

    /** Same cluster count as the previous step and no cluster grew by the given fraction or more. */
    static boolean stable(List<int[]> before, List<int[]> now, double growth) {
        if (before == null || before.size() != now.size()) {
            return false;
        }
        for (int i = 0; i < now.size(); i++) {
            int was = before.get(i)[1] - before.get(i)[0] + 1;
            int is = now.get(i)[1] - now.get(i)[0] + 1;
            if (is - was >= growth * was) {
                return false;
            }
        }
        return true;
    }

    /** Mean raw c over masked positions inside clusters, ignoring {@code committing}; NaN if none. */
    private static double meanConfidenceInClusters(StepContext step, List<int[]> cs, int[] committing) {
        double sum = 0;
        int n = 0;
        for (int[] c : cs) {
            for (int p = c[0]; p <= c[1]; p++) {
                if (step.state().isMasked(p) && Arrays.binarySearch(committing, p) < 0) {
                    sum += step.confidence(p);
                    n++;
                }
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    // ---- CONQUER ----

    private int[] conquer(StepContext step) {
        conquerSteps++;
        int[] masked = step.maskedPositions();
        int bs = blockStart;
        boolean[] inT = new boolean[blockEnd - bs];
        int count = 0;
        for (int p : masked) {
            if (step.confidence(p) > safeConfidence) {
                inT[p - bs] = true;
                count++;
            }
        }
        for (int[] c : clusters) {
            int[] members = step.state().maskedPositions(c[0], c[1] + 1);
            int[] sorted = Ranking.byDescending(members, step::confidence);
            int k = 0;
            // (k+1)(1 - c_(k)) grows with k, so the qualifying k form a prefix
            while (k < sorted.length && (k + 2) * (1.0 - step.confidence(sorted[k])) <= factor) {
                k++;
            }
            for (int i = 0; i < k; i++) {
                if (!inT[sorted[i] - bs]) {
                    inT[sorted[i] - bs] = true;
                    count++;
                }
            }
        }
        if (count == 0) {
            int top = Ranking.topK(masked, 1, step::confidence)[0];
            if (step.confidence(top) >= conquerFallback) {
                inT[top - bs] = true;
                count = 1;
            }
        }
        if (count == 0) {
            // nothing committed: the round ends on these same logits
            conquerSteps--;
            endRound(step.state());
            return null;
        }
        // grow every cluster over confident masked neighbours, never into the next cluster
        List<int[]> grown = new ArrayList<>();
        for (int i = 0; i < clusters.size(); i++) {
            int[] c = clusters.get(i);
            int min = i > 0 ? clusters.get(i - 1)[1] + 1 : bs;
            int max = i + 1 < clusters.size() ? clusters.get(i + 1)[0] - 1 : blockEnd - 1;
            grown.add(grow(c[0], c[1], min, max,
                    p -> step.state().isMasked(p) && step.confidence(p) > tauLow, tolerance));
        }
        // trim and drop as if T were already decoded
        List<int[]> next = new ArrayList<>();
        double sum = 0;
        int n = 0;
        for (int[] c : grown) {
            int lo = c[0];
            int hi = c[1];
            while (lo <= hi && !(step.state().isMasked(lo) && !inT[lo - bs])) {
                lo++;
            }
            while (hi >= lo && !(step.state().isMasked(hi) && !inT[hi - bs])) {
                hi--;
            }
            if (lo <= hi) {
                next.add(new int[] {lo, hi});
                for (int p = lo; p <= hi; p++) {
                    if (step.state().isMasked(p) && !inT[p - bs]) {
                        sum += step.confidence(p);
                        n++;
                    }
                }
            }
        }
        clusters = merge(next);
        pendingRoundEnd = clusters.isEmpty() || sum / n < conquerStopMean;
        lastPhase = Phase.CONQUER;
        int[] out = new int[count];
        int k = 0;
        for (int p = bs; p < blockEnd; p++) {
            if (inT[p - bs]) {
                out[k++] = p;
            }
        }
        return out;
    }

    private void endRound(MaskState state) {
        rounds++;
        roundCount++;
        int b = blockEnd - blockStart;
        double decoded = (double) (b - state.maskedCount(blockStart, blockEnd)) / b;
        if (decoded > rGate || rounds >= Math.floor(rGate * b)) {
            phase = Phase.FINALIZE;
        } else {
            beginRound();
        }
    }

    // ---- FINALIZE ----

    private int[] finish(StepContext step) {
        finalizeSteps++;
        lastPhase = Phase.FINALIZE;
        int[] masked = step.maskedPositions();
        int[] out = new int[masked.length];
        int n = 0;
        for (int p : masked) {
            RowStats st = step.stats(p);
            if (st.margin() > marginThreshold || st.confidence() > safeConfidence) {
                out[n++] = p;
            }
        }
        if (n == 0) {
            return Ranking.topK(masked, 1, step::confidence);
        }
        return Arrays.copyOf(out, n);
    }
}
