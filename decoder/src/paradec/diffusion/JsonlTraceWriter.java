package paradec.diffusion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Objects;

/**
 * Writes a diffusion trace as JSON Lines: a header object, then one object per step with fields
 * kind "diffusion", step, block, positions (relative to the generation start), confidences,
 * tokens, phase. Non-finite numbers are written as null. Flushes after every line so a trace
 * survives a crash. I/O errors surface as {@link UncheckedIOException}.
 */
public final class JsonlTraceWriter implements StepListener {

    private final Writer out;

    public JsonlTraceWriter(Writer out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    /** Writes {@code {"kind":"diffusion-header",...}}; call once before the first step. */
    public void header(int promptLength, int genLength, int blockLength, String policy) {
        line("{\"kind\":\"diffusion-header\",\"prompt_length\":" + promptLength + ",\"gen_length\":" + genLength
                + ",\"block_length\":" + blockLength + ",\"policy\":" + quote(policy) + "}");
    }

    @Override
    public void onStep(StepRecord r) {
        line(toJson(r));
    }

    /** The JSON object for one step, without newline. */
    public static String toJson(StepRecord r) {
        StringBuilder sb = new StringBuilder(64 + 24 * r.committedPositions().length);
        sb.append("{\"kind\":\"diffusion\",\"step\":").append(r.step())
                .append(",\"block\":").append(r.blockIndex())
                .append(",\"positions\":");
        ints(sb, r.committedPositions());
        sb.append(",\"confidences\":[");
        double[] c = r.confidences();
        for (int i = 0; i < c.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(Double.isFinite(c[i]) ? Double.toString(c[i]) : "null");
        }
        sb.append("],\"tokens\":");
        ints(sb, r.tokens());
        sb.append(",\"phase\":").append(quote(r.phase())).append('}');
        return sb.toString();
    }

    private static void ints(StringBuilder sb, int[] a) {
        sb.append('[');
        for (int i = 0; i < a.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(a[i]);
        }
        sb.append(']');
    }

    /** JSON string literal with the escapes RFC 8259 requires. */
    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private void line(String json) {
        try {
            out.write(json);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing diffusion trace", e);
        }
    }
}
