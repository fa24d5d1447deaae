package paradec.llama;

/** A native llama.cpp call failed (it returned an error code or NULL). */
public class LlamaException extends RuntimeException {
    public LlamaException(String message) {
        super(message);
    }
}
