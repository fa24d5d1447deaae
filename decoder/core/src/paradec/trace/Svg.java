package paradec.trace;

import java.util.Locale;

/**
 * Hand-written SVG: just the elements the renderer needs, with every text and attribute value escaped.
 * Coordinates are doubles printed with at most two decimals, which keeps files small and exact enough.
 */
final class Svg {
    private final StringBuilder out = new StringBuilder(1 << 16);

    Svg open(double width, double height, String title) {
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(num(width)).append("\" height=\"")
                .append(num(height)).append("\" viewBox=\"0 0 ").append(num(width)).append(' ').append(num(height))
                .append("\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n");
        out.append("<title>").append(escape(title)).append("</title>\n");
        rect(0, 0, width, height, "#ffffff", "background", null, null);
        return this;
    }

    String close() {
        out.append("</svg>\n");
        return out.toString();
    }

    /**
     * A rectangle; {@code cls}, {@code extra} (raw, already-escaped attributes such as {@code stroke}) and
     * {@code tooltip} may be null.
     */
    Svg rect(double x, double y, double w, double h, String fill, String cls, String extra, String tooltip) {
        out.append("<rect");
        if (cls != null) attr("class", cls);
        out.append(" x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" width=\"").append(num(w))
                .append("\" height=\"").append(num(h)).append("\" fill=\"").append(escape(fill)).append('"');
        if (extra != null) out.append(' ').append(extra);
        if (tooltip == null) {
            out.append("/>\n");
        } else {
            out.append("><title>").append(escape(tooltip)).append("</title></rect>\n");
        }
        return this;
    }

    /** Text; {@code anchor} is start, middle or end; y is the baseline. */
    Svg text(double x, double y, double size, String anchor, String fill, String text) {
        return text(x, y, size, anchor, fill, null, text);
    }

    Svg text(double x, double y, double size, String anchor, String fill, String weight, String text) {
        out.append("<text x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" font-size=\"")
                .append(num(size)).append("\" text-anchor=\"").append(anchor).append("\" fill=\"").append(escape(fill))
                .append('"');
        if (weight != null) attr("font-weight", weight);
        out.append('>').append(escape(text)).append("</text>\n");
        return this;
    }

    Svg line(double x1, double y1, double x2, double y2, String stroke, double width, String dash) {
        out.append("<line x1=\"").append(num(x1)).append("\" y1=\"").append(num(y1)).append("\" x2=\"").append(num(x2))
                .append("\" y2=\"").append(num(y2)).append("\" stroke=\"").append(escape(stroke))
                .append("\" stroke-width=\"").append(num(width)).append('"');
        if (dash != null) attr("stroke-dasharray", dash);
        out.append("/>\n");
        return this;
    }

    /** A horizontal linear gradient through {@code colours}, evenly spaced; refer to it as url(#id). */
    Svg gradient(String id, String[] colours) {
        out.append("<defs><linearGradient id=\"").append(escape(id)).append("\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"0\">");
        for (int i = 0; i < colours.length; i++) {
            double off = colours.length == 1 ? 0 : (double) i / (colours.length - 1);
            out.append("<stop offset=\"").append(num(off)).append("\" stop-color=\"").append(escape(colours[i])).append("\"/>");
        }
        out.append("</linearGradient></defs>\n");
        return this;
    }

    private void attr(String name, String value) {
        out.append(' ').append(name).append("=\"").append(escape(value)).append('"');
    }

    static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) return Long.toString((long) v);
        String s = String.format(Locale.ROOT, "%.2f", v);
        s = s.replaceFirst("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /**
     * Escapes text for XML content and double-quoted attributes (also fine for HTML). Characters XML 1.0
     * forbids (most C0 controls, lone surrogates, U+FFFE/U+FFFF), which can appear in token text, become
     * U+FFFD so the document stays well-formed.
     */
    static String escape(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                default -> allowed(s, i) ? null : "\uFFFD";
            };
            if (rep == null && sb == null) continue;
            if (sb == null) sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            if (rep != null) {
                sb.append(rep);
            } else {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    private static boolean allowed(String s, int i) {
        char c = s.charAt(i);
        if (c < 0x20) return c == '\t' || c == '\n' || c == '\r';
        if (c == 0xFFFE || c == 0xFFFF) return false;
        if (Character.isHighSurrogate(c)) return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        if (Character.isLowSurrogate(c)) return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
        return true;
    }
}
