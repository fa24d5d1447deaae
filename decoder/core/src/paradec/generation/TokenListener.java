package paradec.generation;

/**
 * Receives each generated token as soon as it is final, in order: for the AR family when
 * verification accepts it, for diffusion when every position before it is committed too.
 */
@FunctionalInterface
public interface TokenListener {
    /**
     * @return true to go on, false to stop the generation ({@link StopReason#CANCELLED}); the
     *         token is kept either way
     */
    boolean onToken(int token);

    /** Listens to nothing and never cancels. */
    TokenListener NONE = token -> true;
}
