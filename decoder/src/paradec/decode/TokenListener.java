package paradec.decode;

/** Receives tokens as soon as a decoder has accepted them, in order. */
@FunctionalInterface
public interface TokenListener {
    void onToken(int token);

    TokenListener NONE = token -> {};
}
