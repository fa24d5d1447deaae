package paradec.decode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import paradec.generation.GenerationResult;
import paradec.generation.StopReason;
import paradec.generation.TokenListener;
import paradec.logits.LogitMath;
import paradec.logits.LogitsView;
import paradec.trace.ArStep;
import paradec.trace.TraceStart;

/**
 * Lookahead decoding: in one llama_decode per step, the settled next token, a Jacobi lookahead
 * branch of N-1 levels by W columns, and up to G candidate n-grams from a pool. The branch's
 * trajectories feed the pool; candidates are verified against the model's own choices, so greedy
 * output equals AR greedy output. Attention is shaped with sequence ids over a unified KV cache:
 * seq 0 is the accepted stream, 1..W the columns, W+1..W+G the candidates.
 *
 * <p>Unlike llama.cpp's example, verification is exact (greedy, or the sampler's own draws), the
 * pool is also seeded with the prompt's and the output's n-grams, and in auto mode the step is
 * sized from the machine's cost curve: the branch runs only where extra batch rows are nearly
 * free, and candidates are sent only while their observed hit rate pays for their rows.
 */
public final class LookaheadDecoder implements Decoder {
    private final LookaheadSettings settings;

    public LookaheadDecoder(LookaheadSettings settings) {
        this.settings = java.util.Objects.requireNonNull(settings, "settings");
    }

    @Override
    public String name() {
        return "lookahead";
    }

    public LookaheadSettings settings() {
        return settings;
    }

    @Override
    public ContextNeeds needs() {
        return new ContextNeeds(settings.sequencesNeeded(), true, Math.max(ArDecoder.PROMPT_BATCH, settings.maxBatch()),
                settings.maxBatch());
    }

    @Override
    public GenerationResult generate(CausalModel model, int[] prompt, GenerationSettings gen, TokenListener listener) {
        Prompts.check(model, prompt, needs());
        int n = settings.ngram();
        int span = n - 1;
        boolean auto = settings.window() == LookaheadSettings.AUTO;
        CostCurve cost = auto ? model.costCurve() : null;
        int w = auto ? autoWindow(cost, n, settings.guesses(), settings.maxWindow()) : settings.window();
        int maxG = settings.guesses();
        int sequences = 1 + w + maxG;
        int maxBatch = 1 + (w + maxG) * span;
        if (maxBatch > model.maxBatch()) {
            throw new IllegalArgumentException("a lookahead step needs a batch of " + maxBatch + " tokens, the model takes " + model.maxBatch());
        }
        RunMeter meter = new RunMeter(model);
        Sampler sampler = Samplers.of(gen.sampling());
        Output out = new Output(model, gen.maxNewTokens(), listener);
        int vocab = model.vocabSize();
        if (gen.trace() != null) gen.trace().onEvent(TraceStart.ar(name(), prompt));
        NgramPool pool = new NgramPool(span, Math.max(1, maxG));
        Planner planner = auto ? new Planner(cost, span, maxG) : null;

        int[] history = Arrays.copyOf(prompt, prompt.length + gen.maxNewTokens() + 1);
        int historyLength = prompt.length;
        pool.addAll(prompt, 0, prompt.length);

        // lookahead branch: levels[l][c], l = 0 oldest .. span-1 newest; seeded from prompt tokens
        SplittableRandom random = new SplittableRandom(prompt.length * 31L + prompt[0]);
        int[][] levels = new int[span][w];
        for (int[] level : levels) for (int c = 0; c < w; c++) level[c] = prompt[random.nextInt(prompt.length)];
        int stepsSinceStart = 0;

        int[] allSeqs = new int[sequences];
        for (int s = 0; s < sequences; s++) allSeqs[s] = s;
        int[][] levelZeroSeqs = new int[w][];
        for (int c = 0; c < w; c++) {
            levelZeroSeqs[c] = new int[w - c];
            for (int j = c; j < w; j++) levelZeroSeqs[c][j - c] = 1 + j;
        }
        long acceptedTotal = 0;

        TokenBatch batch = new TokenBatch(Math.max(maxBatch, Math.min(model.maxBatch(), prompt.length)), sequences);
        {
            LogitsView logits = Prompts.evaluate(model, batch, prompt);
            for (int s = 1; s < sequences; s++) model.copySequence(0, s, -1, -1);
            int position = prompt.length;
            int next = sampler.sample(logits.row(0), vocab);
            if (!out.accept(next)) return meter.result(name(), prompt, out, 0, w);
            history[historyLength++] = next;
            int iteration = 0;
            int[] rowOfCandidateToken = new int[maxG * span];
            int[] branchRows = new int[Math.max(1, w)];
            while (true) {
                if (position >= model.maxPositions()) {
                    out.stop(StopReason.CONTEXT_FULL);
                    break;
                }
                // every batch row needs its own KV cell: the settled stream holds `position` cells of the
                // unified cache, so the step may use at most contextLength - position rows
                int freeCells = model.kvCells() - position;
                boolean branch = w > 0 && position + span + w < model.maxPositions()
                        && 1 + w * span <= freeCells;
                List<int[]> candidates = pool.candidates(next, maxG);
                if (position + span >= model.maxPositions()) candidates = List.of();
                int cellsForCandidates = freeCells - 1 - (branch ? w * span : 0);
                if (candidates.size() * span > cellsForCandidates) candidates = candidates.subList(0, Math.max(0, cellsForCandidates / span));
                int g = planner == null ? candidates.size() : planner.candidatesToSend(candidates.size());
                candidates = candidates.subList(0, g);

                batch.clear();
                batch.add(next, position, true, allSeqs);
                if (branch) {
                    for (int l = 0; l < span; l++) {
                        for (int c = 0; c < w; c++) {
                            boolean last = l == span - 1;
                            int row = l == 0 ? batch.add(levels[l][c], position + 1 + c + l, last, levelZeroSeqs[c])
                                    : batch.add(levels[l][c], position + 1 + c + l, last, 1 + c);
                            if (last) branchRows[c] = row;
                        }
                    }
                }
                for (int k = 0; k < g; k++) {
                    int[] cand = candidates.get(k);
                    for (int j = 0; j < span; j++) {
                        rowOfCandidateToken[k * span + j] = batch.add(cand[j], position + 1 + j, true, 1 + w + k);
                    }
                }
                LogitsView step = model.decode(batch);

                // verification: walk the candidates that agree with the choices made so far
                int[] emitted = new int[span + 1];
                int choice = sampler.sample(step.row(0), vocab);
                emitted[0] = choice;
                int accepted = 0;
                int best = -1;
                boolean[] alive = new boolean[g];
                Arrays.fill(alive, true);
                for (int j = 0; j < span; j++) {
                    int survivor = -1;
                    for (int k = 0; k < g; k++) {
                        if (alive[k] && candidates.get(k)[j] == choice) {
                            if (survivor < 0) survivor = k;
                        } else {
                            alive[k] = false;
                        }
                    }
                    if (survivor < 0) break;
                    best = survivor;
                    accepted++;
                    // every survivor shares the accepted prefix, so any survivor's row is the next distribution
                    choice = sampler.sample(step.row(rowOfCandidateToken[survivor * span + j]), vocab);
                    emitted[accepted] = choice;
                }
                emitted = Arrays.copyOf(emitted, accepted + 1);
                acceptedTotal += accepted;

                // the branch moves one level: the newest level's predictions become the top, n-grams go to the pool
                if (branch) {
                    int[] predictions = new int[w];
                    for (int c = 0; c < w; c++) predictions[c] = LogitMath.argmax(step.row(branchRows[c]), vocab);
                    if (stepsSinceStart >= span - 1) {
                        int[] gram = new int[n];
                        for (int c = 0; c < w; c++) {
                            for (int l = 0; l < span; l++) gram[l] = levels[l][c];
                            gram[span] = predictions[c];
                            pool.add(gram[0], gram, 1);
                        }
                    }
                    for (int l = 0; l + 1 < span; l++) levels[l] = levels[l + 1];
                    levels[span - 1] = predictions;
                    stepsSinceStart++;
                }
                if (planner != null) planner.observe(g, accepted);

                if (gen.trace() != null) {
                    int[] windowTokens = new int[1 + (best >= 0 ? span : 0)];
                    windowTokens[0] = next;
                    if (best >= 0) System.arraycopy(candidates.get(best), 0, windowTokens, 1, span);
                    int[] preds = new int[windowTokens.length];
                    System.arraycopy(emitted, 0, preds, 0, Math.min(preds.length, emitted.length));
                    gen.trace().onEvent(new ArStep(name(), iteration, position, windowTokens, preds, accepted, emitted));
                }
                iteration++;

                // KV: the accepted candidate's cells join seq 0; everything speculative is dropped
                if (accepted > 0) model.copySequence(1 + w + best, 0, position + 1, position + 1 + accepted);
                // only sequences that held speculative tokens need clearing: each call walks the KV cells
                for (int s = 1; s < sequences; s++) {
                    boolean speculative = (branch && s <= w) || (s > w && s <= w + g);
                    if (speculative) model.removeTokens(s, position + 1, -1);
                    if (accepted > 0) model.copySequence(0, s, position + 1, position + 1 + accepted);
                }
                position += 1 + accepted;

                int before = historyLength;
                historyLength = out.acceptAll(emitted, history, historyLength);
                if (historyLength < 0) break;
                // the output's own n-grams are candidates too (repetition is common in code)
                pool.addAll(history, Math.max(0, before - span), historyLength);
                next = emitted[accepted];
            }
        }
        return meter.result(name(), prompt, out, acceptedTotal, w);
    }

    /**
     * W for auto mode: the widest branch whose full step costs at most 25% more than one token,
     * i.e. only where the hardware makes extra rows nearly free (a GPU); 0 on a CPU.
     */
    static int autoWindow(CostCurve cost, int n, int g, int maxW) {
        int best = 0;
        for (int w = 1; w <= maxW; w++) {
            int batch = 1 + (w + g) * (n - 1);
            if (batch > CostCurve.MAX_K) break;
            if (cost.relative(batch) <= 1.25) best = w;
        }
        return best;
    }

    /**
     * Sizes auto-mode steps: sends k candidates only when the expected tokens per second of the
     * step, (1 + E[accepted | k]) / cost(rows), beats plain AR's 1 / cost(1). The per-candidate
     * hit rate and the accepted length after a hit are running estimates with a cautious prior;
     * while nothing pays, one candidate is still tried every {@link #PROBE_EVERY} steps.
     */
    static final class Planner {
        static final int PROBE_EVERY = 32;
        static final double DECAY = 0.97;
        private final CostCurve cost;
        private final int span;
        private final int maxG;
        private double hits = 0.5;
        private double sent = 2.5;
        private double acceptedAfterHit = 1.5;
        private double hitSteps = 1;
        private int idle;

        Planner(CostCurve cost, int span, int maxG) {
            this.cost = cost;
            this.span = span;
            this.maxG = maxG;
        }

        int candidatesToSend(int available) {
            int limit = Math.min(available, maxG);
            if (limit == 0) return 0;
            double q = hits / sent;
            double m = acceptedAfterHit / hitSteps;
            int best = 0;
            double bestRate = 1.0 / cost.cost(1);
            for (int k = 1; k <= limit; k++) {
                int rows = 1 + k * span;
                if (rows > CostCurve.MAX_K) break;
                double expected = 1 + (1 - Math.pow(1 - q, k)) * m;
                double rate = expected / cost.cost(rows);
                if (rate > bestRate) {
                    best = k;
                    bestRate = rate;
                }
            }
            if (best == 0 && ++idle >= PROBE_EVERY) {
                idle = 0;
                return 1;
            }
            return best;
        }

        void observe(int candidates, int accepted) {
            if (candidates == 0) return;
            // a step of k candidates is k tries with at most one hit
            hits = hits * DECAY + (accepted > 0 ? 1 : 0);
            sent = sent * DECAY + candidates;
            if (accepted > 0) {
                acceptedAfterHit = acceptedAfterHit * DECAY + accepted;
                hitSteps = hitSteps * DECAY + 1;
            }
        }
    }

}
