package paradec.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Shared helpers: where llama.cpp's sources are, and a little-endian byte builder for hand-made files. */
final class TestFiles {
    private TestFiles() {}

    static Path llamaSrc() {
        String p = System.getProperty("paradec.llama.src");
        return Path.of(p != null && !p.isBlank() ? p : "build/llama-src");
    }

    static List<Path> vocabFiles() throws IOException {
        Path dir = llamaSrc().resolve("models");
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("ggml-vocab-") && n.endsWith(".gguf");
            }).sorted().toList();
        }
    }

    static Path vocab(String name) {
        return llamaSrc().resolve("models").resolve("ggml-vocab-" + name + ".gguf");
    }

    /** Little-endian byte builder. */
    static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes raw(byte... b) {
            out.writeBytes(b);
            return this;
        }

        Bytes u8(int v) {
            out.write(v);
            return this;
        }

        Bytes u32(long v) {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
            return this;
        }

        Bytes u64(long v) {
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
            return this;
        }

        Bytes str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            return raw(b);
        }

        Bytes header(long version, long nTensors, long nKv) {
            raw(new byte[] {'G', 'G', 'U', 'F'});
            u32(version);
            u64(nTensors);
            return u64(nKv);
        }

        Bytes padTo(int alignment) {
            while (out.size() % alignment != 0) {
                out.write(0);
            }
            return this;
        }

        int size() {
            return out.size();
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        Path write(Path p) throws IOException {
            Files.write(p, out.toByteArray());
            return p;
        }
    }
}
