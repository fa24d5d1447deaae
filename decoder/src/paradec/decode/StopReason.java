package paradec.decode;

/** Why a generation ended. */
public enum StopReason {
    /** The model produced an end-of-generation token (not included in the output). */
    END_OF_GENERATION,
    /** The requested number of new tokens was reached. */
    MAX_TOKENS,
    /** The context has no room for another token. */
    CONTEXT_FULL;

    public String jsonName() {
        return switch (this) {
            case END_OF_GENERATION -> "eog";
            case MAX_TOKENS -> "max_tokens";
            case CONTEXT_FULL -> "context_full";
        };
    }
}
