package paradec.llama;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;
import paradec.llama.internal.LlamaLib;

/**
 * The tokenizer of a {@link Model}. Valid while its model is open. All lengths handed to llama.cpp
 * are UTF-8 byte lengths, never Java char counts.
 */
public final class Vocab {
    /** llama.cpp's "no token" value. */
    public static final int NO_TOKEN = -1;

    private final Model model;
    private final MemorySegment handle;
    private final int size;
    private final int bos;
    private final int eos;
    private final int eot;
    private final int mask;
    // end-of-generation flags and token pieces, read from llama.cpp once per token, when first asked for (reading
    // every token's flag up front cost a one-shot run 30-150 ms of downcalls at 32k-151k tokens); a race only
    // asks llama.cpp twice for the same answer
    private final byte[] endOfGeneration;
    private static final byte UNKNOWN = 0, NOT_EOG = 1, EOG = 2;
    private final AtomicReferenceArray<byte[]> pieces;

    Vocab(Model model, MemorySegment handle) {
        this.model = model;
        this.handle = handle;
        this.size = LlamaLib.llama_vocab_n_tokens(handle);
        this.bos = LlamaLib.llama_vocab_bos(handle);
        this.eos = LlamaLib.llama_vocab_eos(handle);
        this.eot = LlamaLib.llama_vocab_eot(handle);
        this.mask = LlamaLib.llama_vocab_mask(handle);
        this.endOfGeneration = new byte[size];
        this.pieces = new AtomicReferenceArray<>(size);
    }

    private MemorySegment handle() {
        model.checkOpen();
        return handle;
    }

    public int size() {
        return size;
    }

    public int bos() {
        model.checkOpen();
        return bos;
    }

    public int eos() {
        model.checkOpen();
        return eos;
    }

    public int eot() {
        model.checkOpen();
        return eot;
    }

    /** The diffusion mask token, or {@link #NO_TOKEN}. */
    public int mask() {
        model.checkOpen();
        return mask;
    }

    /** True for end-of-generation tokens (EOS, EOT, ...). */
    public boolean isEndOfGeneration(int token) {
        checkToken(token);
        byte known = endOfGeneration[token];
        if (known == UNKNOWN) {
            try {
                known = LlamaLib.llama_vocab_is_eog(handle(), token) ? EOG : NOT_EOG;
            } catch (AssertionError e) {
                throw Model.closedDuringCall(e);
            }
            endOfGeneration[token] = known;
        } else {
            model.checkOpen();
        }
        return known == EOG;
    }

    /** @throws IllegalArgumentException if the id is outside [0, size) */
    public void checkToken(int token) {
        if (token < 0 || token >= size) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + size + ")");
        }
    }

    /** The raw text of a token as stored in the vocabulary. */
    public String text(int token) {
        checkToken(token);
        try {
            return Strings.fromC(LlamaLib.llama_vocab_get_text(handle(), token));
        } catch (AssertionError e) {
            throw Model.closedDuringCall(e);
        }
    }

    /**
     * Tokenizes text (handed to llama.cpp as UTF-8).
     *
     * <p>Text that is not Unicode is refused rather than altered: a string with an unpaired UTF-16
     * surrogate has no UTF-8 form (Java would write '?' for it), so it gives an
     * {@link IllegalArgumentException}. Bytes that were not UTF-8 never reach here as such: the JVM
     * decodes command-line arguments with U+FFFD for each malformed byte, and the CLI refuses files
     * that are not UTF-8. A NUL is an ordinary character (llama.cpp is given the length).
     *
     * @param addSpecial   add BOS/EOS as the model is configured to
     * @param parseSpecial recognise control tokens written in the text
     * @throws IllegalArgumentException for an unpaired surrogate, or a character an SPM vocabulary without
     *                                  byte tokens cannot represent (llama.cpp would throw a C++ exception)
     */
    public int[] tokenize(String text, boolean addSpecial, boolean parseSpecial) {
        checkUnicode(text);
        spmCoverage().check(text, parseSpecial);
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment src = tmp.allocate(Math.max(1, utf8.length));
            MemorySegment.copy(utf8, 0, src, ValueLayout.JAVA_BYTE, 0, utf8.length);
            int capacity = utf8.length + 8;
            MemorySegment out = tmp.allocate(ValueLayout.JAVA_INT, capacity);
            int n = LlamaLib.llama_tokenize(handle(), src, utf8.length, out, capacity, addSpecial, parseSpecial);
            if (n == Integer.MIN_VALUE) throw new IllegalArgumentException("text too long to tokenize");
            if (n < 0) {
                capacity = -n;
                out = tmp.allocate(ValueLayout.JAVA_INT, capacity);
                n = LlamaLib.llama_tokenize(handle(), src, utf8.length, out, capacity, addSpecial, parseSpecial);
                if (n < 0) throw new LlamaException("llama_tokenize failed (" + n + ")");
            }
            return out.asSlice(0, (long) n * Integer.BYTES).toArray(ValueLayout.JAVA_INT);
        } catch (AssertionError e) {
            throw Model.closedDuringCall(e);
        }
    }

    // ---- what an SPM vocabulary without byte tokens can tokenize ----------------------------

    private volatile SpmCoverage coverage;

    private SpmCoverage spmCoverage() {
        SpmCoverage c = coverage;
        if (c == null) {
            try {
                coverage = c = SpmCoverage.of(this, LlamaLib.llama_vocab_type(handle()) == LlamaLib.LLAMA_VOCAB_TYPE_SPM());
            } catch (AssertionError e) {
                throw Model.closedDuringCall(e);
            }
        }
        return c;
    }

    /**
     * llama.cpp's SPM tokenizer falls back to byte tokens for a character that is not a token, and
     * looks them up with std::map::at: in a vocabulary without them (the lab's task models have 24
     * pieces) any other character throws std::out_of_range through the C API, which terminates the
     * process. This finds such characters first.
     */
    private record SpmCoverage(Set<Integer> characters, boolean[] byteToken, List<String> alwaysParsed, List<String> parsedIfSpecial) {
        static final SpmCoverage ANY_TEXT = new SpmCoverage(null, null, List.of(), List.of());

        static SpmCoverage of(Vocab v, boolean spm) {
            if (!spm) return ANY_TEXT;
            // the usual case, 256 byte tokens, is told from the attributes alone, without reading every token's text
            // (they sit at the start of the usual SPM vocabulary: the count ends there, not after 32k native calls)
            int byteTokens = 0;
            for (int t = 0; t < v.size; t++) {
                if ((LlamaLib.llama_vocab_get_attr(v.handle(), t) & LlamaLib.LLAMA_TOKEN_ATTR_BYTE()) != 0 && ++byteTokens >= 256) {
                    return ANY_TEXT;
                }
            }
            Map<String, Integer> ids = new HashMap<>();
            Set<Integer> characters = new HashSet<>();
            List<String> always = new ArrayList<>();
            List<String> special = new ArrayList<>();
            for (int t = 0; t < v.size; t++) {
                String text = v.text(t);
                ids.putIfAbsent(text, t);
                if (text.codePointCount(0, text.length()) == 1) characters.add(text.codePointAt(0));
                int attr = LlamaLib.llama_vocab_get_attr(v.handle(), t);
                if (!text.isEmpty() && (attr & LlamaLib.LLAMA_TOKEN_ATTR_USER_DEFINED()) != 0) always.add(text);
                if (!text.isEmpty() && (attr & (LlamaLib.LLAMA_TOKEN_ATTR_CONTROL() | LlamaLib.LLAMA_TOKEN_ATTR_UNKNOWN())) != 0) special.add(text);
            }
            boolean[] byteToken = new boolean[256];
            boolean all = true;
            for (int b = 0; b < 256; b++) {
                byteToken[b] = ids.containsKey(String.format("<0x%02X>", b)) || (b < 0x80 && ids.containsKey(String.valueOf((char) b)));
                all &= byteToken[b];
            }
            if (all) return ANY_TEXT;
            // longest first, as llama.cpp partitions special tokens
            always.sort(Comparator.comparingInt(String::length).reversed());
            special.sort(Comparator.comparingInt(String::length).reversed());
            return new SpmCoverage(characters, byteToken, always, special);
        }

        void check(String text, boolean parseSpecial) {
            if (characters == null) return;
            String plain = text;
            for (String s : alwaysParsed) plain = plain.replace(s, "");
            if (parseSpecial) for (String s : parsedIfSpecial) plain = plain.replace(s, "");
            for (int i = 0; i < plain.length(); ) {
                int cp = plain.codePointAt(i);
                i += Character.charCount(cp);
                int asToken = cp == ' ' ? 0x2581 : cp; // SPM writes spaces as U+2581
                if (characters.contains(asToken)) continue;
                for (byte b : new String(Character.toChars(asToken)).getBytes(StandardCharsets.UTF_8)) {
                    if (!byteToken[b & 0xff]) {
                        throw new IllegalArgumentException(String.format(
                                "character U+%04X%s cannot be tokenized: this model's SPM vocabulary has neither it nor byte tokens for it",
                                cp, shown(cp)));
                    }
                }
            }
        }
    }

    private static void checkUnicode(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(String.format("the text holds an unpaired UTF-16 surrogate U+%04X at index %d: "
                        + "it is not Unicode text and has no UTF-8 form", (int) c, i));
            }
        }
    }

    /** The character in quotes after its code point, unless it is invisible or would break the message's line. */
    private static String shown(int cp) {
        int type = Character.getType(cp);
        boolean invisible = Character.isISOControl(cp) || type == Character.FORMAT || type == Character.SURROGATE
                || type == Character.UNASSIGNED || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                || type == Character.PRIVATE_USE || Character.isWhitespace(cp);
        return invisible ? "" : " '" + new String(Character.toChars(cp)) + "'";
    }

    /** The UTF-8 bytes of one token; a token may hold part of a multi-byte character. */
    public byte[] pieceBytes(int token, boolean renderSpecial) {
        checkToken(token);
        model.checkOpen();
        if (renderSpecial) return nativePiece(token, true);
        byte[] piece = pieces.get(token);
        if (piece == null) {
            piece = nativePiece(token, false);
            pieces.set(token, piece);
        }
        return piece.clone();
    }

    private byte[] nativePiece(int token, boolean renderSpecial) {
        try (Arena tmp = Arena.ofConfined()) {
            int capacity = 64;
            while (true) {
                MemorySegment buf = tmp.allocate(capacity);
                int n = LlamaLib.llama_token_to_piece(handle(), token, buf, capacity, 0, renderSpecial);
                if (n >= 0) return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                capacity = -n;
            }
        } catch (AssertionError e) {
            throw Model.closedDuringCall(e);
        }
    }

    /** Text of a single token; invalid UTF-8 (a split character) shows as U+FFFD. */
    public String piece(int token) {
        return new String(pieceBytes(token, false), StandardCharsets.UTF_8);
    }

    /** Joins the bytes of the tokens and decodes them once, so characters split across tokens survive. */
    public String detokenize(int[] tokens, boolean renderSpecial) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int t : tokens) bytes.writeBytes(pieceBytes(t, renderSpecial));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** llama.cpp's own detokenizer (handles leading-space and special-token removal rules). */
    public String detokenizeNative(int[] tokens, boolean removeSpecial, boolean unparseSpecial) {
        for (int t : tokens) checkToken(t);
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment ids = tmp.allocateFrom(ValueLayout.JAVA_INT, tokens);
            int capacity = Math.max(16, tokens.length * 8);
            while (true) {
                MemorySegment buf = tmp.allocate(capacity);
                int n = LlamaLib.llama_detokenize(handle(), ids, tokens.length, buf, capacity, removeSpecial, unparseSpecial);
                if (n >= 0) return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
                capacity = -n;
            }
        } catch (AssertionError e) {
            throw Model.closedDuringCall(e);
        }
    }
}
