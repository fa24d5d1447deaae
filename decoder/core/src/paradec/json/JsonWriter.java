package paradec.json;

import java.util.Locale;

/** A small streaming JSON writer: enough for results, benchmark rows and trace lines. */
public final class JsonWriter {
    private final StringBuilder out = new StringBuilder();
    private boolean needComma;

    public JsonWriter beginObject() {
        comma();
        out.append('{');
        needComma = false;
        return this;
    }

    public JsonWriter endObject() {
        out.append('}');
        needComma = true;
        return this;
    }

    public JsonWriter beginArray(String name) {
        name(name);
        out.append('[');
        needComma = false;
        return this;
    }

    public JsonWriter beginArray() {
        comma();
        out.append('[');
        needComma = false;
        return this;
    }

    public JsonWriter endArray() {
        out.append(']');
        needComma = true;
        return this;
    }

    public JsonWriter name(String name) {
        comma();
        string(name);
        out.append(':');
        needComma = false;
        return this;
    }

    public JsonWriter field(String name, String value) {
        name(name);
        if (value == null) out.append("null");
        else string(value);
        needComma = true;
        return this;
    }

    public JsonWriter field(String name, long value) {
        name(name);
        out.append(value);
        needComma = true;
        return this;
    }

    public JsonWriter field(String name, double value) {
        name(name);
        number(value);
        needComma = true;
        return this;
    }

    public JsonWriter field(String name, boolean value) {
        name(name);
        out.append(value);
        needComma = true;
        return this;
    }

    public JsonWriter field(String name, int[] values) {
        beginArray(name);
        for (int i = 0; i < values.length; i++) {
            if (i > 0) out.append(',');
            out.append(values[i]);
        }
        return endArray();
    }

    public JsonWriter field(String name, double[] values) {
        beginArray(name);
        for (int i = 0; i < values.length; i++) {
            if (i > 0) out.append(',');
            number(values[i]);
        }
        return endArray();
    }

    public JsonWriter value(String v) {
        comma();
        string(v);
        needComma = true;
        return this;
    }

    public JsonWriter value(double v) {
        comma();
        number(v);
        needComma = true;
        return this;
    }

    private void number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) out.append("null");
        else if (v == Math.rint(v) && Math.abs(v) < 1e15) out.append((long) v);
        else out.append(v); // shortest representation that reads back to the same double
    }

    private void comma() {
        if (needComma) out.append(',');
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
