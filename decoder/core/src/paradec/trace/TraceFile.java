package paradec.trace;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import paradec.json.JsonReader;

/**
 * Reads the JSON Lines traces that {@link TraceWriter} writes, for both families: header kind
 * "ar-header" with steps "ar-step", or "diffusion-header" with steps "diffusion". The header's kind
 * decides which. An optional last line of kind "result" ({@link TraceWriter#result}) carries what the
 * generation returned.
 *
 * <p>Blank lines are skipped. Every other line must be one JSON object whose fields have the types the
 * writers produce; the steps are also checked for consistency (an accepted count that fits the window,
 * diffusion positions inside the generation and committed once) so the renderer can trust them.
 */
public final class TraceFile {
    private TraceFile() {}

    /**
     * Reads a trace file (UTF-8).
     *
     * @throws IOException              if the file cannot be read ({@link java.nio.file.NoSuchFileException} if absent)
     *                                  or a line is not valid UTF-8 (the message names the line)
     * @throws IllegalArgumentException if a line is malformed; the message names the file and line number
     */
    public static Trace read(Path file) throws IOException {
        String source = file.toString();
        // bytes are split into lines before decoding, so a bad byte sequence is reported at its own line
        // (a Reader decodes whole buffers ahead and could only say "somewhere in the file")
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        Lines lines = new Lines(source);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            ByteArrayOutputStream line = new ByteArrayOutputStream(256);
            int lineNo = 0;
            for (int b = in.read(); ; b = in.read()) {
                if (b == '\n' || (b < 0 && line.size() > 0)) {
                    lineNo++;
                    String text;
                    try {
                        text = utf8.decode(ByteBuffer.wrap(line.toByteArray())).toString();
                    } catch (CharacterCodingException e) {
                        throw new IOException(source + ": line " + lineNo + ": not valid UTF-8", e);
                    }
                    if (text.endsWith("\r")) text = text.substring(0, text.length() - 1);
                    lines.accept(text, lineNo);
                    line.reset();
                } else if (b >= 0) {
                    line.write(b);
                }
                if (b < 0) break;
            }
        }
        return lines.finish();
    }

    /**
     * Reads a trace from {@code in}; {@code source} names it in error messages.
     *
     * @throws IOException              if reading fails
     * @throws IllegalArgumentException if the trace is empty or a line is malformed ("source: line N: ...")
     */
    public static Trace read(Reader in, String source) throws IOException {
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        Lines lines = new Lines(source);
        int lineNo = 0;
        for (String line; (line = r.readLine()) != null; ) lines.accept(line, ++lineNo);
        return lines.finish();
    }

    /** Feeds lines to the builder the header chose, prefixing errors with the source and line number. */
    private static final class Lines {
        private final String source;
        private Builder builder;
        private TraceResult result;

        Lines(String source) {
            this.source = source;
        }

        void accept(String line, int lineNo) {
            if (line.isBlank()) return;
            try {
                Map<String, Object> obj = JsonReader.parseObject(line);
                String kind = str(obj, "kind");
                if (builder == null) {
                    builder = switch (kind) {
                        case "ar-header" -> new ArBuilder(obj);
                        case "diffusion-header" -> new DiffusionBuilder(obj);
                        default -> throw new IllegalArgumentException(
                                "expected a header (kind \"ar-header\" or \"diffusion-header\"), got kind \"" + kind + "\"");
                    };
                } else if (result != null) {
                    throw new IllegalArgumentException("a line after the result line (kind \"" + kind + "\")");
                } else if (kind.equals("result")) {
                    result = new TraceResult(nonNegative(obj, "generated_tokens"), nonNegative(obj, "forward_calls"), str(obj, "stop_reason"),
                            obj.get("model") == null ? null : str(obj, "model"));
                } else {
                    builder.step(kind, obj);
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + ": line " + lineNo + ": " + e.getMessage(), e);
            }
        }

        Trace finish() {
            if (builder == null) throw new IllegalArgumentException(source + ": empty trace (no header line)");
            return builder.build(result);
        }
    }

    private sealed interface Builder permits ArBuilder, DiffusionBuilder {
        void step(String kind, Map<String, Object> obj);

        Trace build(TraceResult result);
    }

    private static final class ArBuilder implements Builder {
        private final String decoder;
        private final int[] prompt;
        private final List<ArStep> steps = new ArrayList<>();

        ArBuilder(Map<String, Object> h) {
            decoder = str(h, "decoder");
            prompt = ints(h, "prompt");
        }

        @Override
        public void step(String kind, Map<String, Object> o) {
            if (!kind.equals("ar-step")) throw new IllegalArgumentException("expected kind \"ar-step\" in an AR trace, got \"" + kind + "\"");
            int position = nonNegative(o, "position");
            int[] window = ints(o, "window");
            int[] predictions = ints(o, "predictions");
            int accepted = nonNegative(o, "accepted");
            int[] emitted = ints(o, "emitted");
            if (window.length > 0 && predictions.length != window.length) {
                throw new IllegalArgumentException("predictions has " + predictions.length + " entries for a window of " + window.length);
            }
            // window[0] is the settled token, so at most window.length - 1 guesses can be accepted
            if (accepted > Math.max(0, window.length - 1)) {
                throw new IllegalArgumentException("accepted " + accepted + " exceeds the " + Math.max(0, window.length - 1) + " guesses in the window");
            }
            if (emitted.length > accepted + 1) {
                throw new IllegalArgumentException("emitted " + emitted.length + " tokens but only " + accepted + " guesses were accepted");
            }
            steps.add(new ArStep(str(o, "decoder"), nonNegative(o, "iteration"), position, window, predictions, accepted, emitted));
        }

        @Override
        public Trace build(TraceResult result) {
            return new ArTrace(decoder, prompt, steps, result);
        }
    }

    private static final class DiffusionBuilder implements Builder {
        private final int promptLength;
        private final int genLength;
        private final int blockLength;
        private final String policy;
        private final List<DiffusionStep> steps = new ArrayList<>();
        private final int[] committedAt;

        DiffusionBuilder(Map<String, Object> h) {
            promptLength = nonNegative(h, "prompt_length");
            genLength = nonNegative(h, "gen_length");
            blockLength = nonNegative(h, "block_length");
            if (blockLength == 0) throw new IllegalArgumentException("block_length must be positive");
            policy = str(h, "policy");
            committedAt = new int[genLength];
            Arrays.fill(committedAt, -1);
        }

        @Override
        public void step(String kind, Map<String, Object> o) {
            if (!kind.equals("diffusion")) throw new IllegalArgumentException("expected kind \"diffusion\" in a diffusion trace, got \"" + kind + "\"");
            int step = nonNegative(o, "step");
            if (!steps.isEmpty() && step <= steps.getLast().step()) {
                throw new IllegalArgumentException("step " + step + " does not follow step " + steps.getLast().step());
            }
            int[] positions = ints(o, "positions");
            double[] confidences = doubles(o, "confidences");
            int[] tokens = ints(o, "tokens");
            if (confidences.length != positions.length || tokens.length != positions.length) {
                throw new IllegalArgumentException("positions, confidences and tokens differ in length ("
                        + positions.length + ", " + confidences.length + ", " + tokens.length + ")");
            }
            for (int p : positions) {
                if (p < 0 || p >= genLength) throw new IllegalArgumentException("position " + p + " outside the generation [0, " + genLength + ")");
                if (committedAt[p] >= 0) throw new IllegalArgumentException("position " + p + " was already committed at step " + committedAt[p]);
                committedAt[p] = step;
            }
            steps.add(new DiffusionStep(step, nonNegative(o, "block"), positions, confidences, tokens, str(o, "phase")));
        }

        @Override
        public Trace build(TraceResult result) {
            return new DiffusionTrace(promptLength, genLength, blockLength, policy, steps, result);
        }
    }

    private static Object field(Map<String, Object> o, String name) {
        if (!o.containsKey(name)) throw new IllegalArgumentException("missing field \"" + name + "\"");
        return o.get(name);
    }

    private static String str(Map<String, Object> o, String name) {
        Object v = field(o, name);
        if (v instanceof String s) return s;
        throw new IllegalArgumentException("field \"" + name + "\" should be a string, got " + JsonReader.typeName(v));
    }

    private static int nonNegative(Map<String, Object> o, String name) {
        int v = toInt(field(o, name), name);
        if (v < 0) throw new IllegalArgumentException("field \"" + name + "\" should not be negative, got " + v);
        return v;
    }

    private static int toInt(Object v, String what) {
        if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) return l.intValue();
        throw new IllegalArgumentException("\"" + what + "\" should be an int, got "
                + (v instanceof Number ? v.toString() : JsonReader.typeName(v)));
    }

    private static List<?> list(Map<String, Object> o, String name) {
        Object v = field(o, name);
        if (v instanceof List<?> l) return l;
        throw new IllegalArgumentException("field \"" + name + "\" should be an array, got " + JsonReader.typeName(v));
    }

    private static int[] ints(Map<String, Object> o, String name) {
        List<?> l = list(o, name);
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = toInt(l.get(i), name + "[" + i + "]");
        return a;
    }

    /** Numbers; null stands for a non-finite value (the writers emit null for NaN). */
    private static double[] doubles(Map<String, Object> o, String name) {
        List<?> l = list(o, name);
        double[] a = new double[l.size()];
        for (int i = 0; i < a.length; i++) {
            Object v = l.get(i);
            if (v == null) a[i] = Double.NaN;
            else if (v instanceof Number n) a[i] = n.doubleValue();
            else throw new IllegalArgumentException("\"" + name + "[" + i + "]\" should be a number, got " + JsonReader.typeName(v));
        }
        return a;
    }
}
