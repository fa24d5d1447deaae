package paradec.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a GGUF version 3 file: metadata in insertion order, then tensor infos, then tensor data, each
 * tensor aligned to {@link GgufFile#DEFAULT_ALIGNMENT} (or to {@code general.alignment} when put).
 *
 * <p>Putting a key that is already present replaces its value and keeps its position. The builder methods
 * throw IllegalArgumentException for values that cannot be encoded (out of range, wrong shape, duplicate
 * tensor name). Not thread-safe.
 */
public final class GgufWriter {

    /** A value to write: either a typed value or the exact encoded bytes copied from another file. */
    private record Entry(GgufType type, GgufValue value, byte[] raw) {}

    private record PendingTensor(String name, GgmlType type, long[] dims, float[] floats, byte[] raw, long byteSize) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();

    public GgufWriter put(String key, GgufValue value) {
        checkKey(key);
        Objects.requireNonNull(value, "value");
        entries.put(key, new Entry(value.type(), value, null));
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValue.string(value));
    }

    public GgufWriter putU8(String key, int value) {
        return put(key, GgufValue.u8(value));
    }

    public GgufWriter putU32(String key, long value) {
        return put(key, GgufValue.u32(value));
    }

    public GgufWriter putI32(String key, int value) {
        return put(key, GgufValue.i32(value));
    }

    public GgufWriter putU64(String key, long value) {
        return put(key, GgufValue.u64(value));
    }

    public GgufWriter putI64(String key, long value) {
        return put(key, GgufValue.i64(value));
    }

    public GgufWriter putF32(String key, float value) {
        return put(key, GgufValue.f32(value));
    }

    public GgufWriter putF64(String key, double value) {
        return put(key, GgufValue.f64(value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValue.bool(value));
    }

    /**
     * An array; {@code values} is a List or a Java array, converted as in {@link GgufValue#array}.
     *
     * @throws IllegalArgumentException if an element does not fit the element type
     */
    public GgufWriter putArray(String key, GgufType elementType, Object values) {
        return put(key, GgufValue.array(elementType, values));
    }

    /**
     * Copies one entry from another file byte for byte, so its type and exact encoding are preserved.
     *
     * @throws java.util.NoSuchElementException if the key is absent from {@code source}
     * @throws IllegalStateException if {@code source} is closed
     */
    public GgufWriter copy(GgufFile source, String key) {
        checkKey(key);
        GgufValue v = source.find(key).orElseThrow(
                () -> new java.util.NoSuchElementException("no metadata key " + key + " in " + source.path()));
        entries.put(key, new Entry(v.type(), v, source.rawValue(key)));
        return this;
    }

    public boolean has(String key) {
        return entries.containsKey(key);
    }

    public GgufWriter remove(String key) {
        entries.remove(key);
        return this;
    }

    /**
     * Adds a tensor from floats, stored as F32, F16 or BF16.
     *
     * @param dims ggml order: dims[0] is the row length
     * @throws IllegalArgumentException for another type, a bad name or shape, or a data length that does not
     *     match the shape
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, float[] data) {
        if (type != GgmlType.F32 && type != GgmlType.F16 && type != GgmlType.BF16) {
            throw new IllegalArgumentException("float data can be written as F32, F16 or BF16, not " + type);
        }
        long elements = checkTensor(name, type, dims);
        if (data.length != elements) {
            throw new IllegalArgumentException("tensor " + name + " has " + elements + " elements but "
                    + data.length + " values were given");
        }
        tensors.add(new PendingTensor(name, type, dims.clone(), data, null, type.byteSize(elements)));
        tensorNames.add(name);
        return this;
    }

    /**
     * Adds a tensor of any type from its encoded bytes.
     *
     * @throws IllegalArgumentException for a bad name or shape, or a byte count that does not match
     */
    public GgufWriter addRawTensor(String name, GgmlType type, long[] dims, byte[] data) {
        long elements = checkTensor(name, type, dims);
        long bytes = type.byteSize(elements);
        if (data.length != bytes) {
            throw new IllegalArgumentException("tensor " + name + " needs " + bytes + " bytes, got " + data.length);
        }
        tensors.add(new PendingTensor(name, type, dims.clone(), null, data, bytes));
        tensorNames.add(name);
        return this;
    }

    private static void checkKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("metadata key must not be empty");
        }
    }

    private long checkTensor(String name, GgmlType type, long[] dims) {
        Objects.requireNonNull(type, "type");
        if (name == null || name.isEmpty()
                || name.getBytes(StandardCharsets.UTF_8).length > GgufFile.MAX_TENSOR_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name must be 1.." + GgufFile.MAX_TENSOR_NAME_BYTES
                    + " bytes: " + name);
        }
        if (tensorNames.contains(name)) {
            throw new IllegalArgumentException("duplicate tensor name " + name);
        }
        if (dims.length < 1 || dims.length > GgufFile.MAX_DIMS) {
            throw new IllegalArgumentException("tensor " + name + " needs 1.." + GgufFile.MAX_DIMS + " dims");
        }
        long elements = 1;
        for (long d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor " + name + " has a non-positive dimension " + d);
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (dims[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor " + name + " row length " + dims[0]
                    + " is not a multiple of the " + type + " block size " + type.blockSize());
        }
        return elements;
    }

    private int alignment() {
        Entry e = entries.get(GgufFile.KEY_ALIGNMENT);
        if (e == null) {
            return GgufFile.DEFAULT_ALIGNMENT;
        }
        if (e.type() != GgufType.UINT32) {
            throw new IllegalArgumentException(GgufFile.KEY_ALIGNMENT + " must be UINT32");
        }
        long a = (Long) e.value().value();
        if (a == 0 || (a & (a - 1)) != 0 || a > (1 << 30)) {
            throw new IllegalArgumentException(GgufFile.KEY_ALIGNMENT + " must be a power of two, got " + a);
        }
        return (int) a;
    }

    /**
     * Writes the file. It is written next to {@code out} under a temporary name and then moved into place,
     * so a reader never sees a half-written model.
     *
     * @return {@code out}
     * @throws IOException if writing fails
     * @throws IllegalArgumentException if {@code general.alignment} was put with a bad value
     */
    public Path write(Path out) throws IOException {
        int alignment = alignment();
        Path abs = out.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp" + ProcessHandle.current().pid());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            Out o = new Out(ch);
            o.bytes(new byte[] {'G', 'G', 'U', 'F'});
            o.u32(3);
            o.u64(tensors.size());
            o.u64(entries.size());
            for (Map.Entry<String, Entry> kv : entries.entrySet()) {
                o.string(kv.getKey());
                Entry e = kv.getValue();
                o.u32(e.type().id());
                if (e.raw() != null) {
                    o.bytes(e.raw());
                } else {
                    o.value(e.value());
                }
            }
            long offset = 0;
            for (PendingTensor t : tensors) {
                o.string(t.name());
                o.u32(t.dims().length);
                for (long d : t.dims()) {
                    o.u64(d);
                }
                o.u32(t.type().id());
                o.u64(offset);
                offset = alignUp(offset + t.byteSize(), alignment);
            }
            if (!tensors.isEmpty()) {
                o.zeros(alignUp(o.position, alignment) - o.position);
            }
            long dataStart = o.position;
            for (PendingTensor t : tensors) {
                if (t.raw() != null) {
                    o.bytes(t.raw());
                } else {
                    o.floats(t.floats(), t.type());
                }
                o.zeros(alignUp(o.position - dataStart, alignment) - (o.position - dataStart));
            }
            o.flush();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
        }
        return out;
    }

    private static long alignUp(long x, long a) {
        return (x + a - 1) / a * a;
    }

    /** Little-endian buffered output. */
    private static final class Out {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        long position;

        Out(FileChannel ch) {
            this.ch = ch;
        }

        private void room(int n) throws IOException {
            if (buf.remaining() < n) {
                flush();
            }
        }

        void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            buf.clear();
        }

        void u8(int v) throws IOException {
            room(1);
            buf.put((byte) v);
            position += 1;
        }

        void u16(int v) throws IOException {
            room(2);
            buf.putShort((short) v);
            position += 2;
        }

        void u32(long v) throws IOException {
            room(4);
            buf.putInt((int) v);
            position += 4;
        }

        void u64(long v) throws IOException {
            room(8);
            buf.putLong(v);
            position += 8;
        }

        void f32(float v) throws IOException {
            room(4);
            buf.putFloat(v);
            position += 4;
        }

        void f64(double v) throws IOException {
            room(8);
            buf.putDouble(v);
            position += 8;
        }

        void bytes(byte[] b) throws IOException {
            int off = 0;
            while (off < b.length) {
                if (!buf.hasRemaining()) {
                    flush();
                }
                int n = Math.min(buf.remaining(), b.length - off);
                buf.put(b, off, n);
                off += n;
            }
            position += b.length;
        }

        void zeros(long n) throws IOException {
            for (long i = 0; i < n; i++) {
                u8(0);
            }
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            bytes(b);
        }

        void floats(float[] data, GgmlType type) throws IOException {
            for (float f : data) {
                switch (type) {
                    case F32 -> f32(f);
                    case F16 -> u16(Float.floatToFloat16(f));
                    case BF16 -> u16(toBf16(f));
                    default -> throw new IllegalStateException(type.name());
                }
            }
        }

        private static int toBf16(float f) {
            int bits = Float.floatToRawIntBits(f);
            if (Float.isNaN(f)) {
                return (bits >>> 16) | 0x40;
            }
            // round to nearest, ties to even
            return (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
        }

        void value(GgufValue v) throws IOException {
            Object x = v.value();
            switch (v.type()) {
                case UINT8, INT16 -> {
                    if (v.type() == GgufType.UINT8) {
                        u8((Short) x);
                    } else {
                        u16((Short) x);
                    }
                }
                case INT8 -> u8((Byte) x);
                case UINT16 -> u16((Integer) x);
                case UINT32 -> u32((Long) x);
                case INT32 -> u32((Integer) x);
                case UINT64, INT64 -> u64((Long) x);
                case FLOAT32 -> f32((Float) x);
                case FLOAT64 -> f64((Double) x);
                case BOOL -> u8((Boolean) x ? 1 : 0);
                case STRING -> string((String) x);
                case ARRAY -> array(v);
            }
        }

        private void array(GgufValue v) throws IOException {
            GgufType elem = v.elementType();
            u32(elem.id());
            u64(v.length());
            Object x = v.value();
            switch (elem) {
                case UINT8 -> {
                    for (short s : (short[]) x) {
                        u8(s);
                    }
                }
                case INT16 -> {
                    for (short s : (short[]) x) {
                        u16(s);
                    }
                }
                case INT8 -> bytes((byte[]) x);
                case UINT16 -> {
                    for (int i : (int[]) x) {
                        u16(i);
                    }
                }
                case INT32 -> {
                    for (int i : (int[]) x) {
                        u32(i);
                    }
                }
                case UINT32 -> {
                    for (long l : (long[]) x) {
                        u32(l);
                    }
                }
                case UINT64, INT64 -> {
                    for (long l : (long[]) x) {
                        u64(l);
                    }
                }
                case FLOAT32 -> {
                    for (float f : (float[]) x) {
                        f32(f);
                    }
                }
                case FLOAT64 -> {
                    for (double d : (double[]) x) {
                        f64(d);
                    }
                }
                case BOOL -> {
                    for (boolean b : (boolean[]) x) {
                        u8(b ? 1 : 0);
                    }
                }
                case STRING -> {
                    for (Object s : (List<?>) x) {
                        string((String) s);
                    }
                }
                case ARRAY -> {
                    for (Object inner : (List<?>) x) {
                        array((GgufValue) inner);
                    }
                }
            }
        }
    }
}
