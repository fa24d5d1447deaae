package paradec.generation;

/** Why a generation ended. */
public enum StopReason {
    /** The model produced an end-of-generation token (not included in the output). */
    END_OF_GENERATION,
    /** The requested number of new tokens was reached. */
    MAX_TOKENS,
    /** The context has no room for another token. */
    CONTEXT_FULL,
    /** A stop string appeared in the text (the text ends before it). */
    STOP_STRING,
    /** The listener asked to stop. */
    CANCELLED;

    /** The name used in JSON output and traces. */
    public String jsonName() {
        return switch (this) {
            case END_OF_GENERATION -> "eog";
            case MAX_TOKENS -> "max_tokens";
            case CONTEXT_FULL -> "context_full";
            case STOP_STRING -> "stop_string";
            case CANCELLED -> "cancelled";
        };
    }
}
