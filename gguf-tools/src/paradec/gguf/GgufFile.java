package paradec.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;

/**
 * A GGUF file, memory-mapped read-only and fully validated on {@link #open(Path)}.
 *
 * <p>Metadata values are exposed as Java values following the mapping documented on {@link GgufValue}.
 * Tensor data stays in the mapping and is only touched by {@link #tensorData(TensorInfo)}. Closing the file
 * unmaps it; segments handed out earlier become inaccessible (accessing them throws IllegalStateException).
 *
 * <p>Strings are decoded as UTF-8; invalid sequences become U+FFFD (llama.cpp treats them as bytes).
 *
 * <p>Checks made before a file is accepted: magic, version 2 or 3, every read within the file, counts and
 * lengths that the remaining bytes could hold, known value and tensor types, non-empty unique keys and
 * tensor names, {@code general.alignment} a UINT32 power of two, at most 4 positive dimensions whose
 * product does not overflow and fits the type's block size, tensor data aligned, inside the
 * file and not overlapping. Nested arrays are read (depth at most {@value #MAX_ARRAY_DEPTH}), although
 * llama.cpp itself refuses them.
 */
public final class GgufFile implements AutoCloseable {

    /** Default data alignment when {@code general.alignment} is absent. */
    public static final int DEFAULT_ALIGNMENT = 32;
    /** Key that overrides the data alignment. */
    public static final String KEY_ALIGNMENT = "general.alignment";
    /** Longest tensor name llama.cpp accepts, in bytes. */
    public static final int MAX_TENSOR_NAME_BYTES = 63;
    static final int MAX_DIMS = 4;
    static final int MAX_ARRAY_DEPTH = 8;
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian int

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final int version;
    private final Map<String, GgufValue> entries;
    private final Map<String, Object> metadata;
    private final Map<String, long[]> valueSpans;
    private final List<TensorInfo> tensors;
    private final Map<String, TensorInfo> tensorsByName;
    private final int alignment;
    private final long dataOffset;

    private GgufFile(Path path, Arena arena, MemorySegment segment, Parser p) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.version = p.version;
        this.entries = Collections.unmodifiableMap(p.entries);
        Map<String, Object> values = new LinkedHashMap<>();
        p.entries.forEach((k, v) -> values.put(k, v.value()));
        this.metadata = Collections.unmodifiableMap(values);
        this.valueSpans = p.valueSpans;
        this.tensors = List.copyOf(p.tensors);
        Map<String, TensorInfo> byName = new HashMap<>();
        for (TensorInfo t : tensors) {
            byName.put(t.name(), t);
        }
        this.tensorsByName = byName;
        this.alignment = p.alignment;
        this.dataOffset = p.dataOffset;
    }

    /**
     * Maps and validates a GGUF file.
     *
     * @throws NoSuchFileException if the file does not exist
     * @throws GgufFormatException if the file is not a valid GGUF file (the message names the problem and
     *     the byte offset)
     * @throws IOException if the file cannot be read
     */
    public static GgufFile open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            throw new IOException(path + ": is a directory, not a GGUF file");
        }
        if (Files.exists(path) && !Files.isRegularFile(path)) {
            // a FIFO or device would block the read, or never end
            throw new IOException(path + ": not a regular file");
        }
        Arena arena = Arena.ofShared();
        boolean ok = false;
        try {
            MemorySegment seg;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                long size = ch.size();
                if (size == 0) {
                    throw new GgufFormatException("empty file: no GGUF header", 0);
                }
                seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            }
            Parser p = new Parser(seg);
            p.parse();
            GgufFile f = new GgufFile(path, arena, seg.asReadOnly(), p);
            ok = true;
            return f;
        } finally {
            if (!ok) {
                arena.close();
            }
        }
    }

    /**
     * Opens, validates and closes a file.
     *
     * @throws GgufFormatException if the file is not a valid GGUF file
     * @throws IOException if it cannot be read, e.g. {@link NoSuchFileException}
     */
    public static void validate(Path path) throws IOException {
        try (GgufFile f = open(path)) {
            f.version();
        }
    }

    public Path path() {
        return path;
    }

    /** GGUF version, 2 or 3. */
    public int version() {
        return version;
    }

    /** Size of the file in bytes. */
    public long fileSize() {
        return segment.byteSize();
    }

    /** Data alignment in bytes. */
    public int alignment() {
        return alignment;
    }

    /** Absolute file offset of the data section. */
    public long dataOffset() {
        return dataOffset;
    }

    /** All metadata in file order, values mapped to Java as documented on {@link GgufValue}. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** All metadata in file order, with their GGUF types. */
    public Map<String, GgufValue> entries() {
        return entries;
    }

    public boolean has(String key) {
        return entries.containsKey(key);
    }

    public Optional<GgufValue> find(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /**
     * @throws NoSuchElementException if the key is absent
     * @throws IllegalArgumentException if the value is not a STRING
     */
    public String getString(String key) {
        GgufValue v = require(key);
        if (v.type() != GgufType.STRING) {
            throw new IllegalArgumentException(key + " is " + v.type() + ", not STRING");
        }
        return (String) v.value();
    }

    /**
     * Any integer scalar, widened to long (UINT64 as its raw bits).
     *
     * @throws NoSuchElementException if the key is absent
     * @throws IllegalArgumentException if the value is not an integer
     */
    public long getLong(String key) {
        GgufValue v = require(key);
        if (!v.type().isInteger()) {
            throw new IllegalArgumentException(key + " is " + v.type() + ", not an integer");
        }
        return ((Number) v.value()).longValue();
    }

    /**
     * A FLOAT32 or FLOAT64 scalar.
     *
     * @throws NoSuchElementException if the key is absent
     * @throws IllegalArgumentException if the value is not a float
     */
    public double getDouble(String key) {
        GgufValue v = require(key);
        if (v.type() != GgufType.FLOAT32 && v.type() != GgufType.FLOAT64) {
            throw new IllegalArgumentException(key + " is " + v.type() + ", not a float");
        }
        return ((Number) v.value()).doubleValue();
    }

    /**
     * @throws NoSuchElementException if the key is absent
     * @throws IllegalArgumentException if the value is not a BOOL
     */
    public boolean getBoolean(String key) {
        GgufValue v = require(key);
        if (v.type() != GgufType.BOOL) {
            throw new IllegalArgumentException(key + " is " + v.type() + ", not BOOL");
        }
        return (Boolean) v.value();
    }

    /**
     * An ARRAY's elements, boxed (see {@link GgufValue#asList()}).
     *
     * @throws NoSuchElementException if the key is absent
     * @throws IllegalArgumentException if the value is not an ARRAY
     */
    public List<Object> getArray(String key) {
        GgufValue v = require(key);
        if (v.type() != GgufType.ARRAY) {
            throw new IllegalArgumentException(key + " is " + v.type() + ", not ARRAY");
        }
        return v.asList();
    }

    private GgufValue require(String key) {
        GgufValue v = entries.get(key);
        if (v == null) {
            throw new NoSuchElementException("no metadata key " + key + " in " + path);
        }
        return v;
    }

    /** Tensors in file order. */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    public Optional<TensorInfo> tensor(String name) {
        return Optional.ofNullable(tensorsByName.get(name));
    }

    /** Total number of tensor elements (parameters). */
    public long parameterCount() {
        long n = 0;
        for (TensorInfo t : tensors) {
            n += t.elementCount();
        }
        return n;
    }

    /**
     * The read-only bytes of a tensor, valid until this file is closed.
     *
     * @throws IllegalArgumentException if the tensor does not belong to this file
     * @throws IllegalStateException if the file is closed
     */
    public MemorySegment tensorData(TensorInfo t) {
        if (tensorsByName.get(t.name()) != t) {
            throw new IllegalArgumentException("tensor " + t.name() + " is not from " + path);
        }
        return segment.asSlice(dataOffset + t.offset(), t.byteSize());
    }

    /** The file offset where a key's value starts (after its type id); the key's bytes end 4 bytes before it. */
    long valueOffset(String key) {
        long[] span = valueSpans.get(key);
        if (span == null) {
            throw new NoSuchElementException("no metadata key " + key + " in " + path);
        }
        return span[0];
    }

    /** {@code length} bytes of the file from {@code offset}. */
    byte[] bytes(long offset, int length) {
        return segment.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** The encoded bytes of a value (after its type id), for exact copies. */
    byte[] rawValue(String key) {
        long[] span = valueSpans.get(key);
        if (span == null) {
            throw new NoSuchElementException("no metadata key " + key + " in " + path);
        }
        return segment.asSlice(span[0], span[1] - span[0]).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    /** Sequential, bounds-checked reader; every failure becomes a GgufFormatException. */
    private static final class Parser {
        private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        // Smallest encodings, used to reject counts the file could not possibly hold before allocating.
        private static final long MIN_KV_BYTES = 8 + 1 + 4 + 1;
        private static final long MIN_TENSOR_INFO_BYTES = 8 + 1 + 4 + 4 + 8;
        private static final int STRING_CHUNK = 1 << 20;

        final MemorySegment seg;
        final long size;
        long pos;
        int version;
        final Map<String, GgufValue> entries = new LinkedHashMap<>();
        final Map<String, long[]> valueSpans = new HashMap<>();
        final List<TensorInfo> tensors = new ArrayList<>();
        int alignment = DEFAULT_ALIGNMENT;
        long dataOffset;

        Parser(MemorySegment seg) {
            this.seg = seg;
            this.size = seg.byteSize();
        }

        void parse() throws GgufFormatException {
            try {
                parseAll();
            } catch (IndexOutOfBoundsException | IllegalArgumentException | ArithmeticException
                    | IllegalStateException | OutOfMemoryError e) {
                // Every check above should have fired first; this keeps the promise of a checked exception.
                throw new GgufFormatException("malformed GGUF file: " + e, pos);
            }
        }

        private void parseAll() throws GgufFormatException {
            need(4, "magic");
            int magic = seg.get(U32, 0);
            if (magic != MAGIC) {
                throw new GgufFormatException(String.format(
                        "bad magic: expected \"GGUF\" (47 47 55 46), found %02x %02x %02x %02x",
                        magic & 0xFF, (magic >>> 8) & 0xFF, (magic >>> 16) & 0xFF, magic >>> 24), 0);
            }
            pos = 4;
            long versionAt = pos;
            long v = u32("version");
            if (v != 2 && v != 3) {
                String hint = (v & 0xFFFF) == 0 && v != 0 ? " (a big-endian file?)" : "";
                throw new GgufFormatException("unsupported GGUF version " + v + hint + "; supported: 2, 3", versionAt);
            }
            version = (int) v;
            long countAt = pos;
            long nTensors = i64("tensor count");
            long nKv = i64("metadata count");
            if (nTensors < 0 || nTensors > remaining() / MIN_TENSOR_INFO_BYTES) {
                throw new GgufFormatException("absurd tensor count " + Long.toUnsignedString(nTensors)
                        + ": the remaining " + remaining() + " bytes cannot hold that many tensor infos", countAt);
            }
            if (nKv < 0 || nKv > remaining() / MIN_KV_BYTES) {
                throw new GgufFormatException("absurd metadata count " + Long.toUnsignedString(nKv)
                        + ": the remaining " + remaining() + " bytes cannot hold that many key/value pairs",
                        countAt + 8);
            }
            if (nTensors * MIN_TENSOR_INFO_BYTES + nKv * MIN_KV_BYTES > remaining()) {
                throw new GgufFormatException("absurd counts: " + nTensors + " tensors and " + nKv
                        + " key/value pairs cannot fit in the remaining " + remaining() + " bytes", countAt);
            }
            for (long i = 0; i < nKv; i++) {
                readKv(i);
            }
            readAlignment();
            long[] offsetFieldAt = new long[(int) nTensors];
            Set<String> names = new HashSet<>();
            for (int i = 0; i < nTensors; i++) {
                readTensorInfo(i, names, offsetFieldAt);
            }
            dataOffset = pos;
            if (nTensors > 0) {
                long padded = alignUp(pos, alignment);
                if (padded > size) {
                    throw new GgufFormatException("truncated file: data section should start at " + padded
                            + " but the file has " + size + " bytes", size);
                }
                dataOffset = padded;
            }
            checkTensorData(offsetFieldAt);
        }

        private void readKv(long index) throws GgufFormatException {
            long keyAt = pos;
            String key = string("key of metadata entry " + index);
            if (key.isEmpty()) {
                throw new GgufFormatException("metadata entry " + index + " has an empty key", keyAt);
            }
            if (entries.containsKey(key)) {
                throw new GgufFormatException("duplicate metadata key '" + key + "'", keyAt);
            }
            long typeAt = pos;
            GgufType type = valueType(u32("type of '" + key + "'"), "metadata '" + key + "'", typeAt);
            long valueAt = pos;
            GgufValue value = readValue(type, "'" + key + "'", 0);
            entries.put(key, value);
            valueSpans.put(key, new long[] {valueAt, pos});
        }

        private void readAlignment() throws GgufFormatException {
            GgufValue a = entries.get(KEY_ALIGNMENT);
            if (a == null) {
                return;
            }
            long at = valueSpans.get(KEY_ALIGNMENT)[0];
            if (a.type() != GgufType.UINT32) {
                throw new GgufFormatException(KEY_ALIGNMENT + " must be UINT32, found " + a.type(), at);
            }
            long value = (Long) a.value();
            if (value == 0 || (value & (value - 1)) != 0 || value > (1 << 30)) {
                throw new GgufFormatException(KEY_ALIGNMENT + " " + value + " is not a power of two (up to 2^30)", at);
            }
            alignment = (int) value;
        }

        private void readTensorInfo(int i, Set<String> names, long[] offsetFieldAt) throws GgufFormatException {
            long nameAt = pos;
            String name = string("name of tensor " + i);
            if (name.isEmpty()) {
                throw new GgufFormatException("tensor " + i + " has an empty name", nameAt);
            }
            if (name.getBytes(StandardCharsets.UTF_8).length > MAX_TENSOR_NAME_BYTES) {
                throw new GgufFormatException("tensor name '" + name + "' is longer than "
                        + MAX_TENSOR_NAME_BYTES + " bytes", nameAt);
            }
            if (!names.add(name)) {
                throw new GgufFormatException("duplicate tensor name '" + name + "'", nameAt);
            }
            long dimsAt = pos;
            long nDims = u32("n_dims of tensor '" + name + "'");
            if (nDims > MAX_DIMS) {
                throw new GgufFormatException("tensor '" + name + "' has n_dims " + nDims + " > " + MAX_DIMS, dimsAt);
            }
            long[] dims = new long[(int) nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                long dimAt = pos;
                dims[d] = i64("dimension " + d + " of tensor '" + name + "'");
                if (dims[d] <= 0) {
                    throw new GgufFormatException("tensor '" + name + "' dimension " + d + " is " + dims[d]
                            + " (must be positive)", dimAt);
                }
                try {
                    elements = Math.multiplyExact(elements, dims[d]);
                } catch (ArithmeticException e) {
                    throw new GgufFormatException("tensor '" + name + "' element count overflows 64 bits", dimAt);
                }
            }
            long typeAt = pos;
            long typeId = u32("type of tensor '" + name + "'");
            GgmlType type = GgmlType.fromId(typeId).orElseThrow(() -> new GgufFormatException(
                    "unknown tensor type id " + typeId + " for tensor '" + name + "'", typeAt));
            long rowLength = nDims == 0 ? 1 : dims[0];
            if (rowLength % type.blockSize() != 0) {
                throw new GgufFormatException("tensor '" + name + "' row length " + rowLength
                        + " is not a multiple of the " + type + " block size " + type.blockSize(), typeAt);
            }
            long bytes;
            try {
                bytes = type.byteSize(elements);
            } catch (ArithmeticException e) {
                throw new GgufFormatException("tensor '" + name + "' byte size overflows 64 bits", typeAt);
            }
            offsetFieldAt[i] = pos;
            long offset = u64("data offset of tensor '" + name + "'");
            tensors.add(new TensorInfo(name, type, dims, offset, bytes));
        }

        private void checkTensorData(long[] offsetFieldAt) throws GgufFormatException {
            long dataBytes = size - dataOffset;
            for (int i = 0; i < tensors.size(); i++) {
                TensorInfo t = tensors.get(i);
                if (t.offset() < 0 || t.offset() > dataBytes || t.byteSize() > dataBytes - t.offset()) {
                    throw new GgufFormatException("tensor '" + t.name() + "' data at offset "
                            + Long.toUnsignedString(t.offset()) + " (+" + t.byteSize() + " bytes) runs past the end"
                            + " of the file: data section starts at " + dataOffset + ", file has " + size
                            + " bytes", offsetFieldAt[i]);
                }
                if (t.offset() % alignment != 0) {
                    throw new GgufFormatException("tensor '" + t.name() + "' data offset " + t.offset()
                            + " is not aligned to " + alignment + " bytes", offsetFieldAt[i]);
                }
            }
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < tensors.size(); i++) {
                order.add(i);
            }
            order.sort(Comparator.comparingLong(i -> tensors.get(i).offset()));
            for (int k = 1; k < order.size(); k++) {
                TensorInfo prev = tensors.get(order.get(k - 1));
                TensorInfo cur = tensors.get(order.get(k));
                if (cur.offset() < prev.offset() + prev.byteSize()) {
                    throw new GgufFormatException("tensor data of '" + prev.name() + "' and '" + cur.name()
                            + "' overlap", offsetFieldAt[order.get(k)]);
                }
            }
        }

        private GgufValue readValue(GgufType type, String what, int depth) throws GgufFormatException {
            return switch (type) {
                case UINT8 -> new GgufValue(type, null, (short) (u8(what) & 0xFF));
                case INT8 -> new GgufValue(type, null, u8(what));
                case UINT16 -> new GgufValue(type, null, u16(what) & 0xFFFF);
                case INT16 -> new GgufValue(type, null, u16(what));
                case UINT32 -> new GgufValue(type, null, u32(what));
                case INT32 -> new GgufValue(type, null, (int) u32(what));
                case UINT64, INT64 -> new GgufValue(type, null, i64(what));
                case FLOAT32 -> {
                    need(4, what);
                    float f = seg.get(F32, pos);
                    pos += 4;
                    yield new GgufValue(type, null, f);
                }
                case FLOAT64 -> {
                    need(8, what);
                    double d = seg.get(F64, pos);
                    pos += 8;
                    yield new GgufValue(type, null, d);
                }
                case BOOL -> new GgufValue(type, null, bool(what));
                case STRING -> new GgufValue(type, null, string(what));
                case ARRAY -> readArray(what, depth);
            };
        }

        private GgufValue readArray(String what, int depth) throws GgufFormatException {
            if (depth >= MAX_ARRAY_DEPTH) {
                throw new GgufFormatException(what + ": arrays nested deeper than " + MAX_ARRAY_DEPTH, pos);
            }
            long typeAt = pos;
            GgufType elem = valueType(u32("element type of " + what), "array " + what, typeAt);
            long lengthAt = pos;
            long n = i64("array length of " + what);
            long minBytes = switch (elem) {
                case STRING -> 8;
                case ARRAY -> 4 + 8;
                default -> elem.fixedSize();
            };
            if (n < 0 || n > remaining() / minBytes) {
                throw new GgufFormatException("absurd array length " + Long.toUnsignedString(n) + " of " + what
                        + ": the remaining " + remaining() + " bytes cannot hold that many " + elem + " elements",
                        lengthAt);
            }
            if (n > Integer.MAX_VALUE - 16) {
                throw new GgufFormatException("array " + what + " has " + n + " elements, more than this reader"
                        + " supports", lengthAt);
            }
            int len = (int) n;
            Object out;
            switch (elem) {
                case UINT8 -> {
                    short[] a = new short[len];
                    for (int i = 0; i < len; i++) {
                        a[i] = (short) (seg.get(ValueLayout.JAVA_BYTE, pos + i) & 0xFF);
                    }
                    out = a;
                }
                case INT8 -> out = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
                case UINT16 -> {
                    int[] a = new int[len];
                    for (int i = 0; i < len; i++) {
                        a[i] = seg.get(U16, pos + 2L * i) & 0xFFFF;
                    }
                    out = a;
                }
                case INT16 -> {
                    short[] a = new short[len];
                    MemorySegment.copy(seg, U16, pos, a, 0, len);
                    out = a;
                }
                case UINT32 -> {
                    long[] a = new long[len];
                    for (int i = 0; i < len; i++) {
                        a[i] = seg.get(U32, pos + 4L * i) & 0xFFFF_FFFFL;
                    }
                    out = a;
                }
                case INT32 -> {
                    int[] a = new int[len];
                    MemorySegment.copy(seg, U32, pos, a, 0, len);
                    out = a;
                }
                case UINT64, INT64 -> {
                    long[] a = new long[len];
                    MemorySegment.copy(seg, U64, pos, a, 0, len);
                    out = a;
                }
                case FLOAT32 -> {
                    float[] a = new float[len];
                    MemorySegment.copy(seg, F32, pos, a, 0, len);
                    out = a;
                }
                case FLOAT64 -> {
                    double[] a = new double[len];
                    MemorySegment.copy(seg, F64, pos, a, 0, len);
                    out = a;
                }
                case BOOL -> {
                    boolean[] a = new boolean[len];
                    for (int i = 0; i < len; i++) {
                        a[i] = boolAt(pos + i, what + "[" + i + "]");
                    }
                    out = a;
                }
                case STRING -> out = Collections.unmodifiableList(Arrays.asList(strings(what, len)));
                case ARRAY -> {
                    List<GgufValue> a = new ArrayList<>(len);
                    for (int i = 0; i < len; i++) {
                        a.add(readArray(what + "[" + i + "]", depth + 1));
                    }
                    out = Collections.unmodifiableList(a);
                }
                default -> throw new IllegalStateException();
            }
            if (elem.fixedSize() > 0) {
                pos += (long) len * elem.fixedSize();
            }
            return new GgufValue(GgufType.ARRAY, elem, out);
        }

        private GgufType valueType(long id, String what, long at) throws GgufFormatException {
            return GgufType.fromId(id).orElseThrow(() -> new GgufFormatException(
                    "unknown value type id " + id + " for " + what, at));
        }

        private long remaining() {
            return size - pos;
        }

        private void need(long n, String what) throws GgufFormatException {
            if (n > size - pos) {
                throw new GgufFormatException("truncated file: " + what + " needs " + n + " bytes but only "
                        + (size - pos) + " remain", pos);
            }
        }

        private byte u8(String what) throws GgufFormatException {
            need(1, what);
            return seg.get(ValueLayout.JAVA_BYTE, pos++);
        }

        private boolean bool(String what) throws GgufFormatException {
            need(1, what);
            boolean b = boolAt(pos, what);
            pos++;
            return b;
        }

        private boolean boolAt(long at, String what) throws GgufFormatException {
            byte b = seg.get(ValueLayout.JAVA_BYTE, at);
            if (b != 0 && b != 1) {
                throw new GgufFormatException("invalid BOOL byte " + (b & 0xFF) + " for " + what, at);
            }
            return b == 1;
        }

        private short u16(String what) throws GgufFormatException {
            need(2, what);
            short v = seg.get(U16, pos);
            pos += 2;
            return v;
        }

        private long u32(String what) throws GgufFormatException {
            need(4, what);
            long v = seg.get(U32, pos) & 0xFFFF_FFFFL;
            pos += 4;
            return v;
        }

        private long i64(String what) throws GgufFormatException {
            need(8, what);
            long v = seg.get(U64, pos);
            pos += 8;
            return v;
        }

        private long u64(String what) throws GgufFormatException {
            return i64(what);
        }

        private String string(String what) throws GgufFormatException {
            return string(what, -1);
        }

        /**
         * A string, element {@code index} of array {@code what} ({@code -1}: not an element). The element's name is
         * only spelled out in an error: a vocabulary holds 32k-256k strings, and building each one's name cost a
         * young JVM more than reading them.
         */
        private String string(String what, int index) throws GgufFormatException {
            long lengthAt = pos;
            if (8 > size - pos) need(8, "length of " + element(what, index));
            long len = seg.get(U64, pos);
            pos += 8;
            if (len < 0 || len > remaining()) {
                what = element(what, index);
                throw new GgufFormatException("absurd string length " + Long.toUnsignedString(len) + " for " + what
                        + ": only " + remaining() + " bytes remain", lengthAt);
            }
            if (len > Integer.MAX_VALUE - 16) {
                throw new GgufFormatException("string " + element(what, index) + " of " + len + " bytes is too long", lengthAt);
            }
            // Lenient like llama.cpp: invalid UTF-8 becomes U+FFFD here; GgufWriter.copy keeps the raw bytes.
            byte[] bytes = new byte[(int) len];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, bytes, 0, bytes.length);
            pos += len;
            return new String(bytes, StandardCharsets.UTF_8);
        }

        /**
         * The {@code len} strings of array {@code what}, read from a byte[] copy of the file one chunk at a time:
         * a vocabulary is read at start-up, where each segment access is an interpreted var-handle call (~1 us),
         * and plain array reads cost a fraction of that (a 32k vocabulary: ~40 -> ~10 ms here). Anything
         * {@link #string(String, int)} would refuse is left to it, so errors and their offsets stay the same.
         */
        private String[] strings(String what, int len) throws GgufFormatException {
            String[] out = new String[len];
            byte[] buf = new byte[0];
            long bufAt = pos; // file offset of buf[0]
            for (int i = 0; i < len; i++) {
                long end = bufAt + buf.length;
                if (end - pos < 8) {
                    if (8 > size - pos) return rest(out, what, i);
                    buf = chunk(STRING_CHUNK);
                    bufAt = pos;
                    end = bufAt + buf.length;
                }
                int at = (int) (pos - bufAt);
                long n = (buf[at] & 0xFFL) | (buf[at + 1] & 0xFFL) << 8 | (buf[at + 2] & 0xFFL) << 16
                        | (buf[at + 3] & 0xFFL) << 24 | (buf[at + 4] & 0xFFL) << 32 | (buf[at + 5] & 0xFFL) << 40
                        | (buf[at + 6] & 0xFFL) << 48 | (buf[at + 7] & 0xFFL) << 56;
                if (n < 0 || n > size - pos - 8 || n > Integer.MAX_VALUE - 16) return rest(out, what, i);
                if (end - pos - 8 < n) {
                    buf = chunk(Math.max(STRING_CHUNK, 8 + n));
                    bufAt = pos;
                    at = 0;
                }
                // lenient like string(): invalid UTF-8 becomes U+FFFD
                out[i] = new String(buf, at + 8, (int) n, StandardCharsets.UTF_8);
                pos += 8 + n;
            }
            return out;
        }

        /** Elements {@code from..} of a string array the slow way (which throws the error the fast way found). */
        private String[] rest(String[] out, String what, int from) throws GgufFormatException {
            for (int i = from; i < out.length; i++) out[i] = string(what, i);
            return out;
        }

        /** The next min(want, remaining) bytes of the file from {@code pos}. */
        private byte[] chunk(long want) {
            byte[] b = new byte[(int) Math.min(want, size - pos)];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, 0, b.length);
            return b;
        }

        private static String element(String what, int index) {
            return index < 0 ? what : what + "[" + index + "]";
        }

        private static long alignUp(long x, long a) {
            return (x + a - 1) / a * a;
        }
    }
}
