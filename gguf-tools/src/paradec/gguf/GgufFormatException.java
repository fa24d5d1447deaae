package paradec.gguf;

import java.io.IOException;

/**
 * A GGUF file is malformed, truncated, or uses a feature this reader does not support.
 * The message names the problem and, where it is known, the byte offset in the file.
 */
public final class GgufFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long offset;

    /** @param offset byte offset in the file where the problem was found, or -1 when it has none */
    public GgufFormatException(String problem, long offset) {
        super(offset >= 0 ? problem + " (at byte offset " + offset + ")" : problem);
        this.offset = offset;
    }

    /** Byte offset in the file where the problem was found, or -1. */
    public long offset() {
        return offset;
    }
}
