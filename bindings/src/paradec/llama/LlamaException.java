package paradec.llama;

/** A native llama.cpp call failed (it returned an error code or NULL). */
public class LlamaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LlamaException(String message) {
        super(message);
    }
}
