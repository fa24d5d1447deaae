package paradec.engine;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import paradec.llama.Vocab;

/**
 * Turns a stream of tokens into a stream of text without breaking characters: a token may end in
 * the middle of a multi-byte UTF-8 character (emoji, CJK), so bytes wait until the character is whole.
 */
public final class TextStream {
    private final Vocab vocab;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    public TextStream(Vocab vocab) {
        this.vocab = vocab;
    }

    /** The text that the token completes ("" while a character is unfinished). */
    public String push(int token) {
        pending.writeBytes(vocab.pieceBytes(token, false));
        byte[] bytes = pending.toByteArray();
        int complete = completePrefix(bytes);
        if (complete == 0) return "";
        String text = new String(bytes, 0, complete, StandardCharsets.UTF_8);
        pending.reset();
        pending.write(bytes, complete, bytes.length - complete);
        return text;
    }

    /** Whatever is left (an unfinished character becomes U+FFFD). */
    public String flush() {
        String rest = pending.size() > 0 ? pending.toString(StandardCharsets.UTF_8) : "";
        pending.reset();
        return rest;
    }

    /** Length of the longest prefix that does not end inside a multi-byte character. */
    static int completePrefix(byte[] b) {
        int n = b.length;
        // look back at most 3 bytes for the lead byte of the last character
        for (int back = 1; back <= Math.min(4, n); back++) {
            int c = b[n - back] & 0xff;
            if ((c & 0xC0) == 0x80) continue; // continuation byte
            int need = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
            return back >= need ? n : n - back;
        }
        return n; // only continuation bytes: invalid anyway, let the decoder replace them
    }
}
