package paradec.decode;

import java.util.Arrays;
import java.util.Objects;

/**
 * Settings of the Jacobi decoder.
 *
 * @param window    tokens evaluated per call (the settled next token plus window-1 guesses);
 *                  {@link #AUTO} sizes it from the measured cost curve and the observed acceptance
 * @param init      how fresh guess positions are filled
 * @param ngram     longest n-gram key of the lookup initialiser
 * @param reference text being edited (--init-from): guesses follow it; may be null
 * @param seed      seed of the random initialiser
 *
 * <p>The reference array is copied in and out, and equality, hash code and string form use its
 * contents (a record would otherwise compare it by identity).
 */
public record JacobiSettings(int window, GuessInit init, int ngram, int[] reference, long seed) {
    public static final int AUTO = 0;
    public static final int MAX_WINDOW = CostCurve.MAX_K;

    public JacobiSettings {
        if (window < 0 || window > MAX_WINDOW) {
            throw new IllegalArgumentException("window must be 'auto' or in [1, " + MAX_WINDOW + "], got " + window);
        }
        if (ngram < 1 || ngram > 16) throw new IllegalArgumentException("ngram must be in [1, 16], got " + ngram);
        if (init == null) init = GuessInit.LOOKUP;
        reference = reference == null ? null : reference.clone();
    }

    public static JacobiSettings defaults() {
        return new JacobiSettings(AUTO, GuessInit.LOOKUP, 3, null, 0);
    }

    public static JacobiSettings fixed(int window, GuessInit init) {
        return new JacobiSettings(window, init, 3, null, 0);
    }

    public JacobiSettings withReference(int[] tokens) {
        return new JacobiSettings(window, init, ngram, tokens, seed);
    }

    public JacobiSettings withWindow(int w) {
        return new JacobiSettings(w, init, ngram, reference, seed);
    }

    /** A copy of the reference tokens, or null. */
    @Override
    public int[] reference() {
        return reference == null ? null : reference.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JacobiSettings s && window == s.window && init == s.init && ngram == s.ngram
                && seed == s.seed && Arrays.equals(reference, s.reference);
    }

    @Override
    public int hashCode() {
        return Objects.hash(window, init, ngram, Arrays.hashCode(reference), seed);
    }

    @Override
    public String toString() {
        return "JacobiSettings[window=" + window + ", init=" + init + ", ngram=" + ngram
                + ", reference=" + Arrays.toString(reference) + ", seed=" + seed + "]";
    }
}
