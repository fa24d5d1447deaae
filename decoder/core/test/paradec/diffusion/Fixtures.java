package paradec.diffusion;

import java.util.Arrays;
import java.util.SplittableRandom;

import paradec.logits.Logits;
import paradec.logits.LogitsView;

/** Hand-made logits and contexts for policy tests. Prompt = one token, generation = positions 1.. */
final class Fixtures {

    static final int VOCAB = 8;
    static final int MASK = 7;

    private Fixtures() {
    }

    /** Row whose argmax {@code tok} has probability {@code c} (mask token included in Z, with logit 0). */
    static float[] conf(int tok, double c) {
        float[] r = new float[VOCAB];
        r[tok] = (float) Math.log(c * (VOCAB - 1) / (1 - c));
        return r;
    }

    /** Row with the given probabilities for tokens 0..; the rest (mask included) get probability 0. */
    static float[] probs(double... p) {
        float[] r = new float[VOCAB];
        Arrays.fill(r, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < p.length; i++) {
            r[i] = (float) Math.log(p[i]);
        }
        return r;
    }

    /** Logits for prompt row + the given generation rows. */
    static LogitsView view(float[]... genRows) {
        float[][] all = new float[genRows.length + 1][];
        all[0] = new float[VOCAB];
        System.arraycopy(genRows, 0, all, 1, genRows.length);
        return Logits.ofRows(all);
    }

    /** Logits where generation position i has argmax token (i % 5) with confidence cs[i]. */
    static LogitsView confs(double... cs) {
        float[][] rows = new float[cs.length][];
        for (int i = 0; i < cs.length; i++) {
            rows[i] = conf(i % 5, cs[i]);
        }
        return view(rows);
    }

    static MaskState state(int genLength) {
        return new MaskState(new int[] {1}, genLength, MASK);
    }

    /** Context over the whole generation as one block. */
    static StepContext ctx(MaskState s, LogitsView v, int k) {
        return new StepContext(v, s, 0, 1, 1 + s.genLength(), 0, 1, k, new SplittableRandom(1));
    }

    static StepContext ctx(MaskState s, LogitsView v, int start, int end, int k, long seed) {
        return new StepContext(v, s, 0, start, end, 0, 1, k, new SplittableRandom(seed));
    }
}
