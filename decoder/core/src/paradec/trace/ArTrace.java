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
 * @param result  the result line {@code generate --trace} ends with, or null (a trace from the library)
 */
public record ArTrace(String decoder, int[] prompt, List<ArStep> steps, TraceResult result) implements Trace {
    public ArTrace {
        prompt = prompt.clone();
        steps = List.copyOf(steps);
    }

    /** A trace without a result line. */
    public ArTrace(String decoder, int[] prompt, List<ArStep> steps) {
        this(decoder, prompt, steps, null);
    }

    /** A copy of the prompt's tokens. */
    @Override
    public int[] prompt() {
        return prompt.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ArTrace t && decoder.equals(t.decoder) && Arrays.equals(prompt, t.prompt) && steps.equals(t.steps)
                && Objects.equals(result, t.result);
    }

    @Override
    public int hashCode() {
        return Objects.hash(decoder, Arrays.hashCode(prompt), steps, result);
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

    /**
     * Calls, tokens and tokens per call: with a result line, the generation's own numbers (those of
     * {@code --json}) and how many calls are drawn; without one, what the steps show.
     */
    @Override
    public String summary() {
        if (result != null) {
            String drawn = steps.size() == result.forwardCalls() ? ""
                    : " (" + steps.size() + " drawn; the prompt's " + (result.forwardCalls() - steps.size() == 1 ? "call gave" : "calls gave")
                            + " the first token)";
            return String.format(Locale.ROOT, "%s: %d forward calls%s, %d tokens, %.2f tokens/call, stopped by %s", decoder,
                    result.forwardCalls(), drawn, result.generatedTokens(), result.tokensPerCall(), result.stopReason());
        }
        int calls = steps.size();
        int tokens = tokens();
        return String.format(Locale.ROOT, "%s: %d calls, %d tokens, %.2f tokens/call", decoder, calls, tokens,
                calls == 0 ? 0.0 : (double) tokens / calls);
    }
}
