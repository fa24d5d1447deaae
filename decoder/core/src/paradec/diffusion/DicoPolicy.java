package paradec.diffusion;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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

    private final DicoParams params;
    /** State of the current generation: replaced by a fresh one at block 0. */
    private Run run;

    /** A policy with the authors' defaults. */
    public DicoPolicy() {
        this(DicoParams.defaults());
    }

    public DicoPolicy(DicoParams params) {
        this.params = Objects.requireNonNull(params, "params");
    }

    public DicoParams params() {
        return params;
    }

    /** Current phase (the one the next step starts in). */
    public Phase currentPhase() {
        return run == null ? Phase.DIVIDE : run.phase;
    }

    /** Current clusters as [lo, hi] (inclusive, absolute positions); a copy. */
    public List<int[]> clusters() {
        return run == null ? new ArrayList<>() : Intervals.copy(run.clusters);
    }

    @Override
    public String phase() {
        return (run == null ? Phase.DIVIDE : run.lastPhase).name();
    }

    @Override
    public boolean readsEntropy() {
        return false;
    }

    @Override
    public String name() {
        return "dico";
    }

    /** Counters of the current (or last) generation. */
    @Override
    public Map<String, Long> stats() {
        Run r = run == null ? new Run() : run;
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("divide_steps", r.divideSteps);
        m.put("conquer_steps", r.conquerSteps);
        m.put("finalize_steps", r.finalizeSteps);
        m.put("rounds", r.roundCount);
        m.put("seeds", r.seedCount);
        return m;
    }

    /** Block 0 starts a new generation: all state of the previous one is dropped. */
    @Override
    public void startBlock(int blockIndex, int start, int end) {
        if (blockIndex == 0 || run == null) {
            run = new Run();
        }
        run.startBlock(start, end);
    }

    @Override
    public int[] select(StepContext step) {
        if (run == null || step.blockStart() != run.blockStart || step.blockEnd() != run.blockEnd) {
            startBlock(step.blockIndex(), step.blockStart(), step.blockEnd());
        }
        return run.select(step);
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

    /** The per-generation state and the three phases. */
    private final class Run {
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

        void startBlock(int start, int end) {
            blockStart = start;
            blockEnd = end;
            rounds = 0;
            pendingDivideExit = false;
            pendingRoundEnd = false;
            beginRound();
            if (Math.floor(params.rGate() * (end - start)) < 1) {
                phase = Phase.FINALIZE; // a block too short for even one round
            }
        }

        private void beginRound() {
            phase = Phase.DIVIDE;
            divideStepsThisPhase = 0;
            divideFresh = true;
            clusters = new ArrayList<>();
            previousClusters = null;
        }

        int[] select(StepContext step) {
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
            double lambda = trajectoryLambda(blockEnd - j0, state.unmaskedFraction(), params.alpha(), params.beta());
            double[] weighted = new double[b];
            boolean[] eligible = new boolean[b];
            for (int p : masked) {
                weighted[p - bs] = step.confidence(p) * Math.exp(-lambda * (p - j0));
                eligible[p - bs] = true;
            }
            int[] seedOffsets = selectSeeds(weighted, eligible, params.seeds(), params.tauE(), params.sigmaFraction() * b);
            divideStepsThisPhase++;
            divideSteps++;
            if (seedOffsets.length == 0) {
                // nothing to decode: the sequence is unchanged, so a second step would find no seed either
                leaveDivide(state);
                return null;
            }
            IntPredicate passes = o -> maskedAtDivideStart[o] && (!eligible[o] || weighted[o] >= params.tauE());
            List<int[]> grown = new ArrayList<>(clusters);
            for (int s : seedOffsets) {
                int[] c = Intervals.grow(s, s, 0, b - 1, passes, params.tolerance());
                grown.add(new int[] {c[0] + bs, c[1] + bs});
            }
            clusters = Intervals.merge(grown);
            seedCount += seedOffsets.length;
            int[] chosen = new int[seedOffsets.length];
            for (int i = 0; i < chosen.length; i++) {
                chosen[i] = seedOffsets[i] + bs;
            }
            Arrays.sort(chosen);
            boolean exit = divideStepsThisPhase >= params.maxDivideSteps()
                    || Intervals.stable(previousClusters, clusters, params.divideGrowth())
                    || meanConfidenceInClusters(step, clusters, chosen) >= params.tauLow();
            previousClusters = Intervals.copy(clusters);
            pendingDivideExit = exit;
            lastPhase = Phase.DIVIDE;
            return chosen;
        }

        private void leaveDivide(MaskState state) {
            clusters = Intervals.trim(clusters, state::isMasked);
            if (clusters.isEmpty()) {
                phase = Phase.FINALIZE;
            } else {
                phase = Phase.CONQUER;
            }
        }

        // ---- CONQUER ----

        private int[] conquer(StepContext step) {
            conquerSteps++;
            int[] masked = step.maskedPositions();
            int bs = blockStart;
            boolean[] inT = new boolean[blockEnd - bs];
            int count = 0;
            for (int p : masked) {
                if (step.confidence(p) > params.safeConfidence()) {
                    inT[p - bs] = true;
                    count++;
                }
            }
            for (int[] c : clusters) {
                int[] members = step.state().maskedPositions(c[0], c[1] + 1);
                int[] sorted = Ranking.byDescending(members, step::confidence);
                int k = 0;
                // (k+1)(1 - c_(k)) grows with k, so the qualifying k form a prefix
                while (k < sorted.length && (k + 2) * (1.0 - step.confidence(sorted[k])) <= params.factor()) {
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
                if (step.confidence(top) >= params.conquerFallback()) {
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
                grown.add(Intervals.grow(c[0], c[1], min, max,
                        p -> step.state().isMasked(p) && step.confidence(p) > params.tauLow(), params.tolerance()));
            }
            // trim and drop as if T were already decoded
            IntPredicate live = p -> step.state().isMasked(p) && !inT[p - bs];
            clusters = Intervals.trim(grown, live);
            double sum = 0;
            int n = 0;
            for (int[] c : clusters) {
                for (int p = c[0]; p <= c[1]; p++) {
                    if (live.test(p)) {
                        sum += step.confidence(p);
                        n++;
                    }
                }
            }
            pendingRoundEnd = clusters.isEmpty() || sum / n < params.conquerStopMean();
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
            if (decoded > params.rGate() || rounds >= Math.floor(params.rGate() * b)) {
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
                if (st.margin() > params.marginThreshold() || st.confidence() > params.safeConfidence()) {
                    out[n++] = p;
                }
            }
            if (n == 0) {
                return Ranking.topK(masked, 1, step::confidence);
            }
            return Arrays.copyOf(out, n);
        }
    }
}
