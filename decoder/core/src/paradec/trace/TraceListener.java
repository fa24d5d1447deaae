package paradec.trace;

/** Receives a generation's trace events as they happen (for --trace, pictures and CLLM training data). */
@FunctionalInterface
public interface TraceListener {
    void onEvent(TraceEvent event);
}
