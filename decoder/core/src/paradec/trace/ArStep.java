package paradec.trace;

import java.util.Arrays;
import java.util.Objects;

/**
 * One forward call of an autoregressive-family decoder.
 *
 * @param position    KV position of the first window token (tokens before it are settled)
 * @param window      the tokens evaluated: the settled next token followed by the guesses
 * @param predictions the model's choice after each window token (same length as window)
 * @param accepted    how many guesses verification accepted (0 = plain AR progress)
 * @param emitted     the tokens this call added to the output
 */
public record ArStep(String decoder, int iteration, int position, int[] window, int[] predictions, int accepted,
                     int[] emitted) implements TraceEvent {
    public ArStep {
        Objects.requireNonNull(decoder, "decoder");
        window = window.clone();
        predictions = predictions.clone();
        emitted = emitted.clone();
    }

    @Override
    public int[] window() {
        return window.clone();
    }

    @Override
    public int[] predictions() {
        return predictions.clone();
    }

    @Override
    public int[] emitted() {
        return emitted.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ArStep s && decoder.equals(s.decoder) && iteration == s.iteration && position == s.position
                && Arrays.equals(window, s.window) && Arrays.equals(predictions, s.predictions) && accepted == s.accepted
                && Arrays.equals(emitted, s.emitted);
    }

    @Override
    public int hashCode() {
        return Objects.hash(decoder, iteration, position, Arrays.hashCode(window), Arrays.hashCode(predictions), accepted,
                Arrays.hashCode(emitted));
    }

    @Override
    public String toString() {
        return "ArStep[" + decoder + " #" + iteration + " @" + position + " window=" + Arrays.toString(window)
                + " predictions=" + Arrays.toString(predictions) + " accepted=" + accepted + " emitted="
                + Arrays.toString(emitted) + "]";
    }
}
