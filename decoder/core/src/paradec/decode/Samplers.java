package paradec.decode;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import paradec.generation.NonFiniteLogitsException;
import paradec.logits.LogitMath;
import paradec.logits.TopK;

/** The samplers paradec ships: greedy, and temperature with top-k and top-p. */
public final class Samplers {
    private Samplers() {}

    /** Argmax; ties go to the lowest token id. */
    public static Sampler greedy() {
        return new Sampler() {
            @Override
            public int sample(MemorySegment row, int vocabSize) {
                int token = LogitMath.argmax(row, vocabSize);
                // a NaN row has no argmax: the scalar rule then answers token 0, which would be taken as text
                if (Float.isNaN(row.getAtIndex(ValueLayout.JAVA_FLOAT, token))) throw new NonFiniteLogitsException("at the next token");
                return token;
            }

            @Override
            public boolean isGreedy() {
                return true;
            }
        };
    }

    /** From settings: greedy when the temperature is 0, otherwise a seeded temperature/top-k/top-p sampler. */
    public static Sampler of(SamplingSettings s) {
        return s.isGreedy() ? greedy() : new Stochastic(s);
    }

    /**
     * Temperature sampling restricted to the top-k tokens and then to the smallest set whose
     * probability reaches top-p. Seeded, so a run is reproducible.
     *
     * <p>Cost per token: without truncation, two passes over the row (max, then the weights);
     * with top-k, one {@link TopK} pass, O(V log k); with top-p alone, a max pass, a pass for the
     * normaliser and a filter pass that keeps only tokens that can be in the nucleus (see
     * {@link #nucleusCandidates}), then a primitive heapsort of those candidates. Every pass reads
     * one bulk copy of the row in an array: a JVM compiling with C1 alone (bin/paradec's one-shot
     * commands) compiles a segment's element reads several times slower (at 151,936 logits a token
     * took ~2-3 ms of Java on the segment, ~0.5 ms under C2). Scratch arrays are allocated once per
     * vocabulary size; nothing is boxed.
     */
    static final class Stochastic implements Sampler {
        private final SamplingSettings settings;
        private final SplittableRandom random;
        private int[] ids = new int[0];
        private double[] weights = new double[0];
        private float[] vals = new float[0];
        private int[] order = new int[0];
        private float[] sortVals = new float[0];
        private float[] logits = new float[0];
        /** Sum of exp((x - max) / t) over the whole row, set by {@link #nucleusCandidates}. */
        private double normaliser;

        Stochastic(SamplingSettings settings) {
            this.settings = settings;
            this.random = new SplittableRandom(settings.seed());
        }

        @Override
        public int sample(MemorySegment row, int vocabSize) {
            int k = settings.topK() > 0 ? Math.min(settings.topK(), vocabSize) : vocabSize;
            double t = settings.temperature();
            double p = settings.topP();
            if (ids.length < vocabSize) {
                ids = new int[vocabSize];
                weights = new double[vocabSize];
                vals = new float[vocabSize];
                order = new int[vocabSize];
                sortVals = new float[vocabSize];
                logits = new float[vocabSize];
            }
            float[] x = logits;
            MemorySegment.copy(row, ValueLayout.JAVA_FLOAT, 0, x, 0, vocabSize);
            int n;
            double sum = 0;
            if (k < vocabSize) {
                // ids[0..k) = the k largest logits, best first
                n = TopK.select(x, vocabSize, k, ids, vals);
                double max = vals[0];
                for (int i = 0; i < n; i++) {
                    double w = Math.exp((vals[i] - max) / t);
                    weights[i] = w;
                    sum += w;
                }
            } else if (p < 1.0) {
                // the argmax on the segment, with its own kernels; the passes on the copy
                n = nucleusCandidates(x, vocabSize, LogitMath.argmax(row, vocabSize), t, p);
                double max = x[ids[0]];
                for (int i = 0; i < n; i++) {
                    weights[i] = Math.exp((x[ids[i]] - max) / t);
                }
                sum = normaliser;
            } else {
                // no truncation: the plain softmax needs no ordering
                for (int i = 0; i < vocabSize; i++) ids[i] = i;
                n = vocabSize;
                double max = x[LogitMath.argmax(row, vocabSize)];
                for (int i = 0; i < n; i++) {
                    double w = Math.exp((x[i] - max) / t);
                    weights[i] = w;
                    sum += w;
                }
            }
            // top-p: keep the smallest prefix (ids are sorted by logit) whose mass reaches p
            if (p < 1.0) {
                double acc = 0;
                int keep = n;
                for (int i = 0; i < n; i++) {
                    acc += weights[i] / sum;
                    if (acc >= p) {
                        keep = i + 1;
                        break;
                    }
                }
                n = keep;
                sum = 0;
                for (int i = 0; i < n; i++) sum += weights[i];
            }
            double u = random.nextDouble() * sum;
            for (int i = 0; i < n; i++) {
                u -= weights[i];
                if (u <= 0) return ids[i];
            }
            return ids[n - 1];
        }

        /**
         * Fills ids[0..n) with the tokens that can be in the top-p nucleus, best first, and sets
         * {@link #normaliser}. A token of rank r >= 1 is in the nucleus only if the tokens before it
         * hold less than p, so it and the V - r tokens from it on hold more than 1 - p, and
         * none of them more than it: its probability exceeds (1 - p) / (V - 1). Tokens below that
         * cutoff (with a small slack against rounding) can be dropped before ordering; the argmax
         * is always kept. In logit terms the cutoff is x >= max + t ln(cutoff * Z), so the filter
         * pass needs no exp.
         */
        private int nucleusCandidates(float[] logits, int vocabSize, int top, double t, double p) {
            double max = logits[top];
            double z = 0;
            for (int i = 0; i < vocabSize; i++) {
                z += Math.exp((logits[i] - max) / t);
            }
            normaliser = z;
            // the cutoff is 0 for a one-token vocabulary: everything stays
            double cutoff = vocabSize == 1 ? 0.0 : (1.0 - p) / (vocabSize - 1) * (1.0 - 1e-6);
            double minLogit = max + t * Math.log(cutoff * z);
            int c = 0;
            for (int i = 0; i < vocabSize; i++) {
                float x = logits[i];
                if (x >= minLogit || i == top) {
                    order[c] = i;
                    vals[c++] = x;
                }
            }
            // order the candidates best first; they were gathered in token order, so ties keep
            // the lower token id first
            TopK.select(vals, c, c, ids, sortVals);
            for (int i = 0; i < c; i++) {
                ids[i] = order[ids[i]];
            }
            return c;
        }
    }
}
