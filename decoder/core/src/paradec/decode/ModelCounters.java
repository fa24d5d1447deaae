package paradec.decode;

/**
 * Cumulative counters of a model: forward calls, and nanoseconds inside the native forward pass and
 * the KV memory operations. A generation reports the difference between two snapshots.
 */
public record ModelCounters(long forwardCalls, long forwardNanos, long memoryNanos) {
    public static final ModelCounters ZERO = new ModelCounters(0, 0, 0);

    public ModelCounters minus(ModelCounters earlier) {
        return new ModelCounters(forwardCalls - earlier.forwardCalls, forwardNanos - earlier.forwardNanos,
                memoryNanos - earlier.memoryNanos);
    }
}
