package paradec.trace;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Locale;

/**
 * An autoregressive-family trace (ar, jacobi, lookahead): the header plus one step per forward call.
 *
 * @param decoder the decoder name from the header
 * @param prompt  the prompt token ids
 * @param steps   the forward calls in order
 */
public record ArTrace(String decoder, int[] prompt, List<ArStep> steps) implements Trace {
    public ArTrace {
        prompt = prompt.clone();
        steps = List.copyOf(steps);
    }

    /** A copy of the prompt's tokens. */
    @Override
    public int[] prompt() {
        return prompt.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ArTrace t && decoder.equals(t.decoder) && Arrays.equals(prompt, t.prompt) && steps.equals(t.steps);
    }

    @Override
    public int hashCode() {
        return Objects.hash(decoder, Arrays.hashCode(prompt), steps);
    }

    @Override
    public String toString() {
        return "ArTrace[" + decoder + ", prompt=" + Arrays.toString(prompt) + ", " + steps.size() + " steps]";
    }

    /** Tokens added to the output over all calls. */
    public int tokens() {
        int n = 0;
        for (ArStep s : steps) n += s.emitted().length;
        return n;
    }

    @Override
    public String summary() {
        int calls = steps.size();
        int tokens = tokens();
        return String.format(Locale.ROOT, "%s: %d calls, %d tokens, %.2f tokens/call", decoder, calls, tokens,
                calls == 0 ? 0.0 : (double) tokens / calls);
    }
}
