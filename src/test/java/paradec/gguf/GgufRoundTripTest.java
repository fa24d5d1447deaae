package paradec.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufRoundTripTest {

    @TempDir
    Path dir;

    private static Map<String, GgufValue> everyType() {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("t.u8", GgufValue.u8(255));
        m.put("t.i8", GgufValue.i8((byte) -128));
        m.put("t.u16", GgufValue.u16(65535));
        m.put("t.i16", GgufValue.i16((short) -32768));
        m.put("t.u32", GgufValue.u32(0xFFFF_FFFFL));
        m.put("t.i32", GgufValue.i32(Integer.MIN_VALUE));
        m.put("t.u64", GgufValue.u64(-1L));
        m.put("t.i64", GgufValue.i64(Long.MIN_VALUE));
        m.put("t.f32", GgufValue.f32(-1.5e-7f));
        m.put("t.f64", GgufValue.f64(Math.PI));
        m.put("t.bool.true", GgufValue.bool(true));
        m.put("t.bool.false", GgufValue.bool(false));
        m.put("t.string", GgufValue.string("héllo ▁ 世界 \n\"q\""));
        m.put("t.string.empty", GgufValue.string(""));
        m.put("a.u8", GgufValue.array(GgufType.UINT8, new int[] {0, 1, 255}));
        m.put("a.i8", GgufValue.array(GgufType.INT8, new byte[] {-128, 0, 127}));
        m.put("a.u16", GgufValue.array(GgufType.UINT16, List.of(0, 65535)));
        m.put("a.i16", GgufValue.array(GgufType.INT16, new short[] {-32768, 32767}));
        m.put("a.u32", GgufValue.array(GgufType.UINT32, new long[] {0, 0xFFFF_FFFFL}));
        m.put("a.i32", GgufValue.array(GgufType.INT32, new int[] {Integer.MIN_VALUE, -1, Integer.MAX_VALUE}));
        m.put("a.u64", GgufValue.array(GgufType.UINT64, new long[] {0, -1}));
        m.put("a.i64", GgufValue.array(GgufType.INT64, new long[] {Long.MIN_VALUE, Long.MAX_VALUE}));
        m.put("a.f32", GgufValue.array(GgufType.FLOAT32, new float[] {1f, Float.NaN, Float.NEGATIVE_INFINITY}));
        m.put("a.f64", GgufValue.array(GgufType.FLOAT64, new double[] {-0.0, Double.MAX_VALUE}));
        m.put("a.bool", GgufValue.array(GgufType.BOOL, new boolean[] {true, false, true}));
        m.put("a.string", GgufValue.array(GgufType.STRING, List.of("a", "", "ü")));
        m.put("a.empty", GgufValue.array(GgufType.INT32, new int[0]));
        m.put("a.nested", GgufValue.array(GgufType.ARRAY, List.of(
                GgufValue.array(GgufType.INT32, new int[] {1, 2}),
                GgufValue.array(GgufType.ARRAY, List.of(GgufValue.array(GgufType.STRING, List.of("deep")))))));
        return m;
    }

    @Test
    void stringArraysReadAcrossTheReadersChunksAsWritten() throws Exception {
        // the reader copies a string array into the heap 1 MiB at a time: strings straddle chunk ends, one is longer
        // than a chunk, multi-byte UTF-8 sits anywhere
        List<String> strings = new ArrayList<>();
        java.util.Random random = new java.util.Random(5);
        for (long bytes = 0; bytes < 3 << 20; ) {
            int n = random.nextInt(40);
            String s = "ü".repeat(n / 2) + "x".repeat(n - n / 2) + strings.size();
            strings.add(s);
            bytes += 8 + s.getBytes(StandardCharsets.UTF_8).length;
        }
        strings.add(1000, "y".repeat(1_500_000));
        strings.add("the last one");
        GgufWriter w = new GgufWriter();
        w.put("a.big", GgufValue.array(GgufType.STRING, strings));
        Path p = w.write(dir.resolve("strings.gguf"));
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(strings, f.getArray("a.big"));
        }
        // the array ends the file: a cut inside its last string is refused naming that element
        byte[] all = java.nio.file.Files.readAllBytes(p);
        Path cut = java.nio.file.Files.write(dir.resolve("cut.gguf"), java.util.Arrays.copyOf(all, all.length - 3));
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(cut));
        assertTrue(e.getMessage().contains("'a.big'[" + (strings.size() - 1) + "]"), e.getMessage());
        Path cutLength = java.nio.file.Files.write(dir.resolve("cut2.gguf"),
                java.util.Arrays.copyOf(all, all.length - "the last one".length() - 4));
        e = assertThrows(GgufFormatException.class, () -> GgufFile.open(cutLength));
        assertTrue(e.getMessage().contains("length of 'a.big'[" + (strings.size() - 1) + "]"), e.getMessage());
    }

    @Test
    void everyValueTypeRoundTrips() throws Exception {
        GgufWriter w = new GgufWriter();
        everyType().forEach(w::put);
        Path p = w.write(dir.resolve("types.gguf"));
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(3, f.version());
            assertEquals(new ArrayList<>(everyType().keySet()), new ArrayList<>(f.entries().keySet()));
            everyType().forEach((k, v) -> assertEquals(v, f.entries().get(k), k));
            assertEquals((short) 255, f.metadata().get("t.u8"));
            assertEquals(0xFFFF_FFFFL, f.getLong("t.u32"));
            assertEquals(-1L, f.getLong("t.u64"));
            assertEquals(Math.PI, f.getDouble("t.f64"));
            assertTrue(f.getBoolean("t.bool.true"));
            assertEquals("héllo ▁ 世界 \n\"q\"", f.getString("t.string"));
            assertEquals(List.of("a", "", "ü"), f.getArray("a.string"));
            assertEquals(List.of(Integer.MIN_VALUE, -1, Integer.MAX_VALUE), f.getArray("a.i32"));
            assertTrue(Float.isNaN((Float) f.getArray("a.f32").get(1)));
            assertTrue(f.tensors().isEmpty());
            assertThrows(NoSuchElementException.class, () -> f.getString("missing"));
            assertThrows(IllegalArgumentException.class, () -> f.getString("t.u8"));
        }
    }

    @Test
    void writerRejectsOutOfRangeValues() {
        assertThrows(IllegalArgumentException.class, () -> GgufValue.u8(256));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.u32(-1));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.array(GgufType.UINT16, new int[] {70000}));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.array(GgufType.INT32, List.of("x")));
        assertThrows(IllegalArgumentException.class,
                () -> new GgufWriter().addTensor("t", GgmlType.F32, new long[] {2, 2}, new float[3]));
        assertThrows(IllegalArgumentException.class,
                () -> new GgufWriter().addTensor("t", GgmlType.F32, new long[] {1, 1, 1, 1, 1}, new float[1]));
    }

    @Test
    void tensorsRoundTrip() throws Exception {
        float[] a = {1f, -2f, 0.5f, 3.25f, 0f, 65504f};
        byte[] q8 = new byte[2 * 34];
        for (int i = 0; i < q8.length; i++) {
            q8[i] = (byte) i;
        }
        Path p = new GgufWriter()
                .putString("general.architecture", "test")
                .addTensor("a.f32", GgmlType.F32, new long[] {3, 2}, a)
                .addTensor("a.f16", GgmlType.F16, new long[] {6}, a)
                .addTensor("a.bf16", GgmlType.BF16, new long[] {2, 3}, a)
                .addRawTensor("q", GgmlType.Q8_0, new long[] {32, 2}, q8)
                .write(dir.resolve("t.gguf"));
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(4, f.tensors().size());
            assertEquals(6 + 6 + 6 + 64, f.parameterCount());
            TensorInfo t = f.tensor("a.f32").orElseThrow();
            assertArrayEquals(new long[] {3, 2}, t.dims());
            assertEquals(24, t.byteSize());
            assertEquals(0, (f.dataOffset() + t.offset()) % 32);
            MemorySegment s = f.tensorData(t);
            float[] back = s.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
            assertArrayEquals(a, back);
            short[] halves = f.tensorData(f.tensor("a.f16").orElseThrow())
                    .toArray(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], Float.float16ToFloat(halves[i]));
            }
            short[] bf = f.tensorData(f.tensor("a.bf16").orElseThrow())
                    .toArray(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
            assertEquals(-2f, Float.intBitsToFloat(bf[1] << 16));
            TensorInfo q = f.tensor("q").orElseThrow();
            assertEquals(GgmlType.Q8_0, q.type());
            assertArrayEquals(q8, f.tensorData(q).toArray(ValueLayout.JAVA_BYTE));
            assertTrue(f.tensorData(q).isReadOnly());
        }
    }

    @Test
    void copyKeepsExactBytesAndType() throws Exception {
        Path src = new GgufWriter()
                .putArray("tokenizer.ggml.token_type", GgufType.INT32, new int[] {1, 2, 3})
                .putU8("small", 7)
                .write(dir.resolve("src.gguf"));
        Path dst = dir.resolve("dst.gguf");
        try (GgufFile f = GgufFile.open(src)) {
            new GgufWriter().copy(f, "small").copy(f, "tokenizer.ggml.token_type").write(dst);
            assertThrows(NoSuchElementException.class, () -> new GgufWriter().copy(f, "absent"));
        }
        try (GgufFile f = GgufFile.open(dst)) {
            assertEquals(GgufValue.u8(7), f.entries().get("small"));
            assertEquals(GgufType.INT32, f.entries().get("tokenizer.ggml.token_type").elementType());
            assertEquals(List.of("small", "tokenizer.ggml.token_type"), new ArrayList<>(f.entries().keySet()));
        }
    }

    @Test
    void inspectorPrintsSummary() throws Exception {
        Path p = new GgufWriter()
                .putArray("long.list", GgufType.INT32, new int[100])
                .addTensor("w", GgmlType.F32, new long[] {4, 2}, new float[8])
                .write(dir.resolve("i.gguf"));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        GgufInspector.inspect(p, new PrintStream(buf, true, StandardCharsets.UTF_8));
        String s = buf.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("GGUF version 3"), s);
        assertTrue(s.contains("ARRAY<INT32>[100]"), s);
        assertTrue(s.contains("92 more"), s);
        assertTrue(s.contains("[4, 2]"), s);
        assertTrue(s.contains("total: 8 parameters"), s);
        assertFalse(s.contains("0, 0, 0, 0, 0, 0, 0, 0, 0"), s);
    }
}
