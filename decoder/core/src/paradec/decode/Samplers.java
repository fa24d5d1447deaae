package paradec.decode;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import paradec.logits.LogitMath;

/** The samplers paradec ships: greedy, and temperature with top-k and top-p. */
public final class Samplers {
    private Samplers() {}

    /** Argmax; ties go to the lowest token id. */
    public static Sampler greedy() {
        return new Sampler() {
            @Override
            public int sample(MemorySegment row, int vocabSize) {
                return LogitMath.argmax(row, vocabSize);
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
     */
    static final class Stochastic implements Sampler {
        private final SamplingSettings settings;
        private final SplittableRandom random;
        private int[] ids = new int[0];
        private double[] weights = new double[0];

        Stochastic(SamplingSettings settings) {
            this.settings = settings;
            this.random = new SplittableRandom(settings.seed());
        }

        @Override
        public int sample(MemorySegment row, int vocabSize) {
            int k = settings.topK() > 0 ? Math.min(settings.topK(), vocabSize) : vocabSize;
            if (ids.length < vocabSize) {
                ids = new int[vocabSize];
                weights = new double[vocabSize];
            }
            int n;
            double max;
            if (k == vocabSize && settings.topP() >= 1.0) {
                // no truncation: the plain softmax needs no ordering
                for (int i = 0; i < vocabSize; i++) ids[i] = i;
                n = vocabSize;
                max = row.getAtIndex(ValueLayout.JAVA_FLOAT, LogitMath.argmax(row, vocabSize));
            } else {
                n = topK(row, vocabSize, k);
                max = row.getAtIndex(ValueLayout.JAVA_FLOAT, ids[0]);
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                double w = Math.exp((row.getAtIndex(ValueLayout.JAVA_FLOAT, ids[i]) - max) / settings.temperature());
                weights[i] = w;
                sum += w;
            }
            // top-p: keep the smallest prefix (ids are sorted by logit) whose mass reaches p
            if (settings.topP() < 1.0) {
                double acc = 0;
                int keep = n;
                for (int i = 0; i < n; i++) {
                    acc += weights[i] / sum;
                    if (acc >= settings.topP()) {
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

        // ids[0..k) = the k largest logits, sorted descending; k is small in practice, so a
        // selection by partial insertion over the whole row is cheaper than sorting it.
        private int topK(MemorySegment row, int vocabSize, int k) {
            if (k == vocabSize) {
                Integer[] boxed = new Integer[vocabSize];
                for (int i = 0; i < vocabSize; i++) boxed[i] = i;
                Arrays.sort(boxed, (a, b) -> Float.compare(row.getAtIndex(ValueLayout.JAVA_FLOAT, b), row.getAtIndex(ValueLayout.JAVA_FLOAT, a)));
                for (int i = 0; i < vocabSize; i++) ids[i] = boxed[i];
                return vocabSize;
            }
            int n = 0;
            for (int t = 0; t < vocabSize; t++) {
                float v = row.getAtIndex(ValueLayout.JAVA_FLOAT, t);
                if (n == k && v <= row.getAtIndex(ValueLayout.JAVA_FLOAT, ids[k - 1])) continue;
                int pos = n < k ? n++ : k - 1;
                while (pos > 0 && row.getAtIndex(ValueLayout.JAVA_FLOAT, ids[pos - 1]) < v) {
                    ids[pos] = ids[pos - 1];
                    pos--;
                }
                ids[pos] = t;
            }
            return n;
        }
    }
}
