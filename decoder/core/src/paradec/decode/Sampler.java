package paradec.decode;

import java.lang.foreign.MemorySegment;

/** Picks the next token from one row of logits. */
@FunctionalInterface
public interface Sampler {
    int sample(MemorySegment logitsRow, int vocabSize);

    /** True when the sampler always picks the argmax, so verification can compare against it. */
    default boolean isGreedy() {
        return false;
    }
}
