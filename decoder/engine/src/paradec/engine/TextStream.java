package paradec.engine;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import paradec.llama.Vocab;

/**
 * Turns a stream of tokens into a stream of text without breaking characters: a token may end in
 * the middle of a multi-byte UTF-8 character (emoji, CJK), so bytes wait until the character is whole.
 */
public final class TextStream implements TokenListener {
    private final Vocab vocab;
    private final Consumer<String> sink;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    public TextStream(Vocab vocab, Consumer<String> sink) {
        this.vocab = vocab;
        this.sink = sink;
    }

    @Override
    public void onToken(int token) {
        pending.writeBytes(vocab.pieceBytes(token, false));
        byte[] bytes = pending.toByteArray();
        int complete = completePrefix(bytes);
        if (complete == 0) return;
        sink.accept(new String(bytes, 0, complete, StandardCharsets.UTF_8));
        pending.reset();
        pending.write(bytes, complete, bytes.length - complete);
    }

    /** Emits whatever is left (an unfinished character becomes U+FFFD). */
    public void flush() {
        if (pending.size() > 0) sink.accept(pending.toString(StandardCharsets.UTF_8));
        pending.reset();
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
