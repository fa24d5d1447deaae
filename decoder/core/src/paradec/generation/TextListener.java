package paradec.generation;

/** Receives generated text as it becomes final, in pieces that never split a character. */
@FunctionalInterface
public interface TextListener {
    /** @return true to go on, false to stop the generation ({@link StopReason#CANCELLED}) */
    boolean onText(String piece);
}
