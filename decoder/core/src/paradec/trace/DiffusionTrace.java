package paradec.trace;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A diffusion trace: the header plus one record per denoising step.
 *
 * @param promptLength prompt tokens before the generation
 * @param genLength    generated positions (the grid's columns)
 * @param blockLength  positions per block (semi-autoregressive blocks)
 * @param policy       the unmasking policy's name
 * @param steps        the steps in order; positions are relative to the generation start
 * @param result       the result line {@code generate --trace} ends with, or null (a trace from the library)
 */
public record DiffusionTrace(int promptLength, int genLength, int blockLength, String policy, List<DiffusionStep> steps,
                             TraceResult result) implements Trace {
    public DiffusionTrace {
        steps = List.copyOf(steps);
    }

    /** A trace without a result line. */
    public DiffusionTrace(int promptLength, int genLength, int blockLength, String policy, List<DiffusionStep> steps) {
        this(promptLength, genLength, blockLength, policy, steps, null);
    }

    /** Positions committed over all steps. */
    public int committed() {
        int n = 0;
        for (DiffusionStep s : steps) n += s.committedPositions().length;
        return n;
    }

    /**
     * The step number (as written in the trace) at which each position was committed, or -1 for a
     * position never committed (e.g. padding after an early end-of-generation).
     */
    public int[] commitStep() {
        int[] at = new int[genLength];
        Arrays.fill(at, -1);
        for (DiffusionStep s : steps) {
            for (int p : s.committedPositions()) at[p] = s.step();
        }
        return at;
    }

    /** Steps and tokens: with a result line, the generation's own numbers (those of {@code --json}) first. */
    @Override
    public String summary() {
        int steps = this.steps.size();
        int tokens = committed();
        if (result != null) {
            return String.format(Locale.ROOT, "%s: %d forward calls, %d tokens, %.2f tokens/call, stopped by %s; %d steps drawn, "
                    + "%d of %d positions committed", policy, result.forwardCalls(), result.generatedTokens(), result.tokensPerCall(),
                    result.stopReason(), steps, tokens, genLength);
        }
        return String.format(Locale.ROOT, "%s: %d steps, %d of %d positions committed, %.2f tokens/step", policy, steps,
                tokens, genLength, steps == 0 ? 0.0 : (double) tokens / steps);
    }
}
