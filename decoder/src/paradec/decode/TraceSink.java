package paradec.decode;

/** Receives one record per forward call of a parallel decoder (for --trace and CLLM training data). */
@FunctionalInterface
public interface TraceSink {
    void onStep(TraceStep step);
}
