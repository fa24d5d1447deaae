package paradec.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hand-made lab checkpoint (what numpy's savez writes) exported to GGUF, without native code or Python. */
class CheckpointExportTest {

    @TempDir
    Path dir;

    static byte[] npy(long[] shape, float[] data) {
        StringBuilder sh = new StringBuilder();
        for (long s : shape) {
            sh.append(s).append(", ");
        }
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + sh.toString().replaceAll(", $",
                shape.length == 1 ? "," : "") + "), }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        for (float f : data) {
            b.putFloat(f);
        }
        return b.array();
    }

    private Path checkpoint(String arch, int vocab) throws Exception {
        Path ck = Files.createDirectories(dir.resolve("ckpt-" + arch));
        int e = 32;
        int ff = 64;
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("token_embd.weight", new long[] {vocab, e});
        shapes.put("blk.0.attn_norm.weight", new long[] {e});
        for (String t : List.of("attn_q", "attn_k", "attn_v", "attn_output")) {
            shapes.put("blk.0." + t + ".weight", new long[] {e, e});
        }
        shapes.put("blk.0.ffn_norm.weight", new long[] {e});
        shapes.put("blk.0.ffn_gate.weight", new long[] {ff, e});
        shapes.put("blk.0.ffn_up.weight", new long[] {ff, e});
        shapes.put("blk.0.ffn_down.weight", new long[] {e, ff});
        shapes.put("output_norm.weight", new long[] {e});
        shapes.put("output.weight", new long[] {vocab, e});
        try (OutputStream os = Files.newOutputStream(ck.resolve("weights.npz")); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, long[]> s : shapes.entrySet()) {
                long n = 1;
                for (long d : s.getValue()) {
                    n *= d;
                }
                float[] v = new float[(int) n];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (i % 7) * 0.25f - 0.5f;
                }
                zip.putNextEntry(new ZipEntry(s.getKey() + ".npy"));
                zip.write(npy(s.getValue(), v));
                zip.closeEntry();
            }
        }
        StringBuilder voc = new StringBuilder("0\t2\t0.0\t<unk>\n1\t3\t0.0\t<s>\n2\t3\t0.0\t</s>\n");
        for (int i = 3; i < vocab - 2; i++) {
            voc.append(i).append("\t6\t0.0\t<0x").append(String.format("%02X", i)).append(">\n");
        }
        voc.append(vocab - 2).append("\t1\t-1.5\t:\\n\\t\\\\\n");
        voc.append(vocab - 1).append("\t3\t0.0\t<|mdm_mask|>\n");
        Files.writeString(ck.resolve("vocab.tsv"), voc.toString());
        Files.writeString(ck.resolve("config.properties"), "arch=" + arch + "\nname=t\nn_vocab=" + vocab
                + "\nn_embd=32\nn_layer=1\nn_head=4\nn_head_kv=4\nn_ff=64\nn_ctx=128\nrope_base=10000.0\nnorm_eps=1e-05\n"
                + (arch.equals("llada") ? "mask_token_id=" + (vocab - 1) + "\n" : ""));
        return ck;
    }

    @Test
    void exportsLlamaWithSpmVocabAndReversedDims() throws Exception {
        Path ck = checkpoint("llama", 40);
        Path out = dir.resolve("m.gguf");
        CheckpointExport.export(ck, out, false);
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals("llama", g.getString("general.architecture"));
            assertEquals("llama", g.getString("tokenizer.ggml.model"));
            assertFalse(g.getBoolean("tokenizer.ggml.add_space_prefix"));
            assertEquals(1, g.getLong("tokenizer.ggml.bos_token_id"));
            assertEquals(8, g.getLong("llama.rope.dimension_count"));
            assertEquals(":\n\t\\", g.getArray("tokenizer.ggml.tokens").get(38));
            TensorInfo emb = g.tensor("token_embd.weight").orElseThrow();
            assertArrayEquals(new long[] {32, 40}, emb.dims());
            assertEquals(GgmlType.F16, emb.type());
            TensorInfo gate = g.tensor("blk.0.ffn_gate.weight").orElseThrow();
            assertArrayEquals(new long[] {32, 64}, gate.dims());
            TensorInfo norm = g.tensor("output_norm.weight").orElseThrow();
            assertEquals(GgmlType.F32, norm.type());
            assertEquals(-0.5f, g.tensorData(norm).getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 0));
            assertEquals(0.25f, g.tensorData(norm).getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 3));
            assertFalse(g.has("diffusion.shift_logits"));
        }
    }

    @Test
    void exportsLladaWithMaskTokenThroughTheCli() throws Exception {
        Path ck = checkpoint("llada", 40);
        Path out = dir.resolve("d.gguf");
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int rc = GgufTool.run(new String[] {"export", ck.toString(), "--f32", "-o", out.toString()},
                new PrintStream(o), new PrintStream(new ByteArrayOutputStream()));
        assertEquals(GgufTool.OK, rc);
        try (GgufFile g = GgufFile.open(out)) {
            assertFalse(g.getBoolean("llada.attention.causal"));
            assertFalse(g.getBoolean("diffusion.shift_logits"));
            assertEquals(39, g.getLong("tokenizer.ggml.mask_token_id"));
            assertEquals(GgmlType.F32, g.tensor("output.weight").orElseThrow().type());
        }
    }

    /**
     * --q8_0 stores the matrices as ggml's Q8_0 blocks (F16 scale max|x|/127, then 32 signed bytes), norms as F32; every
     * value decodes back within half a scale step, and the encoder rounds halves away from zero like C's roundf.
     */
    @Test
    void exportsQ8_0BlocksThatDecodeWithinHalfAStep() throws Exception {
        Path ck = checkpoint("llada", 40);
        Path out = dir.resolve("q.gguf");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        assertEquals(GgufTool.OK, GgufTool.run(new String[] {"export", ck.toString(), "--q8_0", "-o", out.toString()}, quiet, quiet));
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(7, g.getLong("general.file_type"), "MOSTLY_Q8_0");
            assertEquals(GgmlType.F32, g.tensor("output_norm.weight").orElseThrow().type());
            TensorInfo up = g.tensor("blk.0.ffn_up.weight").orElseThrow();
            assertEquals(GgmlType.Q8_0, up.type());
            assertArrayEquals(new long[] {32, 64}, up.dims());
            var data = g.tensorData(up);
            assertEquals(64 * 34, data.byteSize(), "64 rows of one block");
            for (int k = 0; k < 64; k++) {
                float d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, 34L * k));
                assertTrue(d > 0, "block " + k);
                for (int i = 0; i < 32; i++) {
                    float x = ((32 * k + i) % 7) * 0.25f - 0.5f; // the checkpoint's values
                    float back = d * data.get(ValueLayout.JAVA_BYTE, 34L * k + 2 + i);
                    assertEquals(x, back, d / 2 + 1e-3 * Math.abs(x), "block " + k + " value " + i);
                }
            }
        }
        float[] x = new float[32];
        x[0] = 127;    // d = 1
        x[1] = 2.5f;   // half away from zero
        x[2] = -2.5f;
        x[3] = -127;
        x[4] = 0.49f;
        byte[] q = CheckpointExport.q8_0(x);
        assertEquals(34, q.length);
        assertEquals(1.0f, Float.float16ToFloat((short) ((q[0] & 0xff) | (q[1] << 8))));
        assertArrayEquals(new byte[] {127, 3, -3, -127, 0, 0}, java.util.Arrays.copyOfRange(q, 2, 8));
        byte[] zero = CheckpointExport.q8_0(new float[32]);
        for (byte b : zero) assertEquals(0, b, "an all-zero block: scale 0, values 0");
    }

    @Test
    void rejectsMissingCheckpointAndVocabMismatch() throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        assertEquals(GgufTool.BAD_INPUT, GgufTool.run(new String[] {"export", dir.resolve("nope").toString(), "-o",
                dir.resolve("x.gguf").toString()}, quiet, quiet));
        assertEquals(GgufTool.USAGE, GgufTool.run(new String[] {"export", "-o", "x.gguf"}, quiet, quiet));
        Path ck = checkpoint("llama", 40);
        Files.writeString(ck.resolve("config.properties"),
                Files.readString(ck.resolve("config.properties")).replace("n_vocab=40", "n_vocab=41"));
        assertEquals(GgufTool.BAD_INPUT, GgufTool.run(new String[] {"export", ck.toString(), "-o",
                dir.resolve("y.gguf").toString()}, quiet, quiet));
        assertTrue(Files.notExists(dir.resolve("y.gguf")));
    }
}
