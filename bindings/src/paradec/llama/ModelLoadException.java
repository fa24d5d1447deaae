package paradec.llama;

import java.io.IOException;

/** A model file could not be loaded: llama.cpp refused it, or the load was cancelled. */
public class ModelLoadException extends IOException {
    private static final long serialVersionUID = 1L;

    public ModelLoadException(String message) {
        super(message);
    }
}
