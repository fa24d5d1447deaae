package paradec.gguf;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/** Human-readable dump of a GGUF file's header, metadata and tensor table. */
public final class GgufInspector {

    /** Array elements shown before the rest is summarised. */
    static final int ARRAY_PREVIEW = 8;
    /** Longest string shown in full. */
    static final int STRING_PREVIEW = 120;

    private GgufInspector() {}

    /**
     * Opens, validates and prints {@code path}.
     *
     * @throws GgufFormatException if the file is not valid GGUF
     * @throws IOException if it cannot be read
     */
    public static void inspect(Path path, PrintStream out) throws IOException {
        try (GgufFile f = GgufFile.open(path)) {
            inspect(f, out);
        }
    }

    /** Prints an open file. */
    public static void inspect(GgufFile f, PrintStream out) {
        out.printf("file: %s (%d bytes)%n", f.path(), f.fileSize());
        out.printf("GGUF version %d, alignment %d, data at offset %d%n", f.version(), f.alignment(), f.dataOffset());
        out.printf("metadata: %d entries%n", f.entries().size());
        for (Map.Entry<String, GgufValue> e : f.entries().entrySet()) {
            out.printf("  %-45s %s%n", e.getKey(), describe(e.getValue()));
        }
        out.printf("tensors: %d%n", f.tensors().size());
        if (!f.tensors().isEmpty()) {
            int width = 4;
            for (TensorInfo t : f.tensors()) {
                width = Math.max(width, t.name().length());
            }
            out.printf("  %-" + width + "s  %-7s  %-22s  %12s%n", "name", "type", "shape", "bytes");
            long bytes = 0;
            for (TensorInfo t : f.tensors()) {
                out.printf("  %-" + width + "s  %-7s  %-22s  %12d%n", t.name(), t.type(), t.shape(), t.byteSize());
                bytes += t.byteSize();
            }
            out.printf("total: %d parameters, %d bytes of tensor data%n", f.parameterCount(), bytes);
        } else {
            out.println("total: 0 parameters");
        }
    }

    /** Type and value, arrays shortened to their first elements and count. */
    static String describe(GgufValue v) {
        if (v.type() != GgufType.ARRAY) {
            return v.type() + " " + scalar(v.type(), v.value());
        }
        int n = v.length();
        StringBuilder sb = new StringBuilder("ARRAY<" + v.elementType() + ">[" + n + "] [");
        for (int i = 0; i < Math.min(n, ARRAY_PREVIEW); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            Object x = v.get(i);
            sb.append(x instanceof GgufValue inner ? describe(inner) : scalar(v.elementType(), x));
        }
        if (n > ARRAY_PREVIEW) {
            sb.append(", ... ").append(n - ARRAY_PREVIEW).append(" more");
        }
        return sb.append(']').toString();
    }

    private static String scalar(GgufType type, Object x) {
        if (type == GgufType.UINT64) {
            return Long.toUnsignedString((Long) x);
        }
        if (type == GgufType.STRING) {
            String s = (String) x;
            if (s.length() > STRING_PREVIEW) {
                s = s.substring(0, STRING_PREVIEW) + "...(" + s.length() + " chars)";
            }
            return quote(s);
        }
        return String.valueOf(x);
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
