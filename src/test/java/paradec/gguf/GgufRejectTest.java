package paradec.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufRejectTest {

    @TempDir
    Path dir;

    /** Opens the file, expecting a GgufFormatException whose message contains every fragment. */
    private static GgufFormatException rejects(Path p, String... fragments) {
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.validate(p));
        for (String f : fragments) {
            assertTrue(e.getMessage().toLowerCase().contains(f.toLowerCase()),
                    "message \"" + e.getMessage() + "\" should mention \"" + f + "\"");
        }
        assertTrue(e.getMessage().contains("byte offset") || e.offset() < 0, e.getMessage());
        return e;
    }

    private Path file(String name, TestFiles.Bytes b) throws IOException {
        return b.write(dir.resolve(name));
    }

    /** A valid file: one key, one F32 tensor of 8 elements, as a starting point for corruptions. */
    private static TestFiles.Bytes oneTensor(long nDims, long[] dims, long type, long offset) {
        TestFiles.Bytes b = new TestFiles.Bytes().header(3, 1, 1);
        b.str("general.architecture").u32(GgufType.STRING.id()).str("test");
        b.str("w").u32(nDims);
        for (long d : dims) {
            b.u64(d);
        }
        b.u32(type).u64(offset).padTo(32);
        return b.raw(new byte[32]);
    }

    @Test
    void handMadeValidFileIsAccepted() throws Exception {
        Path p = file("ok.gguf", oneTensor(2, new long[] {4, 2}, 0, 0));
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(32, f.tensors().get(0).byteSize());
            assertEquals("test", f.getString("general.architecture"));
        }
    }

    @Test
    void missingFile() {
        assertThrows(NoSuchFileException.class, () -> GgufFile.open(dir.resolve("nope.gguf")));
    }

    @Test
    void emptyFile() throws Exception {
        rejects(Files.createFile(dir.resolve("empty.gguf")), "empty");
    }

    @Test
    void randomBytes() throws Exception {
        Random r = new Random(1);
        for (int n : new int[] {1, 3, 4, 100, 4096}) {
            byte[] b = new byte[n];
            r.nextBytes(b);
            rejects(file("rand" + n, new TestFiles.Bytes().raw(b)), "");
        }
    }

    @Test
    void badMagic() throws Exception {
        rejects(file("magic", new TestFiles.Bytes().raw("GGML".getBytes()).u32(3).u64(0).u64(0)), "bad magic");
    }

    @Test
    void badVersion() throws Exception {
        rejects(file("v1", new TestFiles.Bytes().header(1, 0, 0)), "unsupported GGUF version 1");
        rejects(file("v4", new TestFiles.Bytes().header(4, 0, 0)), "version 4");
        rejects(file("vbig", new TestFiles.Bytes().header(0x03000000L, 0, 0)), "big-endian");
    }

    @Test
    void version2IsAccepted() throws Exception {
        GgufFile.validate(file("v2", new TestFiles.Bytes().header(2, 0, 0)));
    }

    @Test
    void absurdCounts() throws Exception {
        rejects(file("tc", new TestFiles.Bytes().header(3, 1L << 40, 0)), "absurd tensor count");
        rejects(file("tcneg", new TestFiles.Bytes().header(3, -1, 0)), "absurd tensor count");
        rejects(file("kv", new TestFiles.Bytes().header(3, 0, Long.MAX_VALUE)), "absurd metadata count");
    }

    @Test
    void absurdStringLength() throws Exception {
        rejects(file("key", new TestFiles.Bytes().header(3, 0, 1).u64(1L << 50).raw(new byte[64])),
                "absurd string length");
        rejects(file("val", new TestFiles.Bytes().header(3, 0, 1).str("k").u32(GgufType.STRING.id()).u64(-5)),
                "absurd string length");
    }

    @Test
    void absurdArrayLength() throws Exception {
        rejects(file("arr", new TestFiles.Bytes().header(3, 0, 1).str("k").u32(GgufType.ARRAY.id())
                .u32(GgufType.INT32.id()).u64(1L << 61).u32(1)), "absurd array length");
        rejects(file("arrs", new TestFiles.Bytes().header(3, 0, 1).str("k").u32(GgufType.ARRAY.id())
                .u32(GgufType.STRING.id()).u64(1000).str("x")), "absurd array length");
    }

    @Test
    void unknownValueType() throws Exception {
        rejects(file("vt", new TestFiles.Bytes().header(3, 0, 1).str("k").u32(13).u32(0)), "unknown value type");
        rejects(file("et", new TestFiles.Bytes().header(3, 0, 1).str("k").u32(GgufType.ARRAY.id()).u32(99).u64(0)),
                "unknown value type");
    }

    @Test
    void duplicateAndEmptyKeys() throws Exception {
        TestFiles.Bytes b = new TestFiles.Bytes().header(3, 0, 2);
        b.str("k").u32(GgufType.UINT8.id()).u8(1).str("k").u32(GgufType.UINT8.id()).u8(2);
        rejects(file("dup", b), "duplicate metadata key 'k'");
        rejects(file("emptykey", new TestFiles.Bytes().header(3, 0, 1).str("").u32(0).u8(0).raw(new byte[16])), "empty key");
    }

    @Test
    void badBool() throws Exception {
        rejects(file("bool", new TestFiles.Bytes().header(3, 0, 1).str("k").u32(GgufType.BOOL.id()).u8(7)), "BOOL");
    }

    @Test
    void badAlignment() throws Exception {
        rejects(file("al3", new TestFiles.Bytes().header(3, 0, 1).str("general.alignment")
                .u32(GgufType.UINT32.id()).u32(48)), "power of two");
        rejects(file("alt", new TestFiles.Bytes().header(3, 0, 1).str("general.alignment")
                .u32(GgufType.INT32.id()).u32(32)), "must be UINT32");
    }

    @Test
    void tooManyDims() throws Exception {
        rejects(file("dims", oneTensor(5, new long[] {1, 1, 1, 1, 8}, 0, 0)), "n_dims 5 > 4");
    }

    @Test
    void zeroNegativeAndOverflowingDims() throws Exception {
        rejects(file("zero", oneTensor(2, new long[] {8, 0}, 0, 0)), "dimension 1 is 0");
        rejects(file("neg", oneTensor(2, new long[] {-8, 1}, 0, 0)), "dimension 0 is -8");
        rejects(file("ovf", oneTensor(3, new long[] {1L << 32, 1L << 32, 1L << 32}, 0, 0)), "overflows");
    }

    @Test
    void unknownTensorType() throws Exception {
        rejects(file("tt", oneTensor(1, new long[] {8}, 4, 0)), "unknown tensor type id 4");
        rejects(file("tt2", oneTensor(1, new long[] {8}, 1000, 0)), "unknown tensor type id 1000");
    }

    @Test
    void rowNotMultipleOfBlock() throws Exception {
        rejects(file("blk", oneTensor(1, new long[] {16}, GgmlType.Q8_0.id(), 0)), "block size");
    }

    @Test
    void dataOffsetPastEnd() throws Exception {
        rejects(file("past", oneTensor(2, new long[] {4, 2}, 0, 1 << 20)), "past the end");
        rejects(file("pastneg", oneTensor(2, new long[] {4, 2}, 0, -32)), "past the end");
        rejects(file("big", oneTensor(2, new long[] {4, 1000}, 0, 0)), "past the end");
    }

    @Test
    void misalignedOffset() throws Exception {
        TestFiles.Bytes b = oneTensor(1, new long[] {4}, 0, 4);
        rejects(file("mis", b), "not aligned");
    }

    @Test
    void duplicateTensorNamesAndOverlap() throws Exception {
        TestFiles.Bytes b = new TestFiles.Bytes().header(3, 2, 0);
        b.str("w").u32(1).u64(8).u32(0).u64(0);
        b.str("w").u32(1).u64(8).u32(0).u64(32);
        rejects(file("dupt", b.padTo(32).raw(new byte[64])), "duplicate tensor name 'w'");
        TestFiles.Bytes o = new TestFiles.Bytes().header(3, 2, 0);
        o.str("a").u32(1).u64(16).u32(0).u64(0);
        o.str("b").u32(1).u64(8).u32(0).u64(32);
        rejects(file("overlap", o.padTo(32).raw(new byte[96])), "overlap");
    }

    @Test
    void deeplyNestedArrays() throws Exception {
        TestFiles.Bytes b = new TestFiles.Bytes().header(3, 0, 1).str("k").u32(GgufType.ARRAY.id());
        for (int i = 0; i < 100; i++) {
            b.u32(GgufType.ARRAY.id()).u64(1);
        }
        rejects(file("deep", b.u32(GgufType.INT32.id()).u64(0)), "nested deeper");
    }

    /** Cuts a valid file at many points; each cut must give GgufFormatException and nothing else. */
    private void truncations(Path source, int spread) throws Exception {
        byte[] all = Files.readAllBytes(source);
        GgufFile.validate(source);
        Path cut = dir.resolve("cut.gguf");
        int tested = 0;
        for (int len = 0; len < all.length; len += len < 256 ? 1 : Math.max(1, all.length / spread)) {
            Files.write(cut, Arrays.copyOf(all, len));
            try {
                GgufFile.validate(cut);
                fail("a file cut to " + len + " of " + all.length + " bytes was accepted");
            } catch (GgufFormatException expected) {
                tested++;
            } catch (Throwable other) {
                throw new AssertionError("cut at " + len + " threw " + other, other);
            }
        }
        Files.write(cut, Arrays.copyOf(all, all.length - 1));
        rejects(cut, "");
        assertTrue(tested > 256);
    }

    @Test
    void truncatedSynthModel() throws Exception {
        Path model = dir.resolve("m.gguf");
        Synth.write(new SynthSpec("llama", 1, 32, 2, 1, 64, 64, 3, null, 300), model);
        truncations(model, 150);
    }

    @Test
    void truncatedRealVocab() throws Exception {
        truncations(TestFiles.vocab("llama-spm"), 60);
    }

    @Test
    void everySingleByteCorruptionOfTheHeaderIsHandled() throws Exception {
        Path model = dir.resolve("m.gguf");
        Synth.write(new SynthSpec("llama", 1, 32, 2, 1, 64, 64, 3, null, 300), model);
        byte[] all = Files.readAllBytes(model);
        Path bad = dir.resolve("bad.gguf");
        // Flipping bytes of counts, lengths and type ids must never escape as anything but a format error.
        for (int i = 0; i < 400; i++) {
            for (int v : new int[] {0x00, 0x7F, 0xFF}) {
                byte[] copy = all.clone();
                copy[i] = (byte) v;
                Files.write(bad, copy);
                try {
                    GgufFile.validate(bad);
                } catch (GgufFormatException expected) {
                    // fine
                } catch (Throwable other) {
                    throw new AssertionError("byte " + i + " = " + v + " threw " + other, other);
                }
            }
        }
    }
}
