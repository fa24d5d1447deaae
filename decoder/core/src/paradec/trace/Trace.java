package paradec.trace;

/** A decoding trace as read by {@link TraceFile}: either the autoregressive family or diffusion. */
public sealed interface Trace permits ArTrace, DiffusionTrace {
    /** One-line summary for captions and the HTML page, e.g. "jacobi: 24 calls, 64 tokens, 2.67 tokens/call". */
    String summary();
}
