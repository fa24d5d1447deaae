package paradec.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SynthTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llada", "dream"})
    void sameSpecSameBytesOtherSeedOtherBytes(String arch) throws Exception {
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        Path c = dir.resolve("c.gguf");
        Synth.write(SynthSpec.tiny(arch, 7), a);
        Synth.write(SynthSpec.tiny(arch, 7), b);
        Synth.write(SynthSpec.tiny(arch, 8), c);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(c)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llada", "dream"})
    void generatedModelHasWhatLlamaCppNeeds(String arch) throws Exception {
        Path p = dir.resolve(arch + ".gguf");
        SynthSpec spec = new SynthSpec(arch, 3, 64, 4, 2, 96, 256, 1, null, 300);
        Synth.write(spec, p);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(arch, f.getString("general.architecture"));
            assertEquals(300, f.getArray("tokenizer.ggml.tokens").size());
            assertEquals(300, f.getLong(arch + ".vocab_size"));
            assertEquals(3, f.getLong(arch + ".block_count"));
            assertEquals(64, f.getLong(arch + ".embedding_length"));
            assertEquals(96, f.getLong(arch + ".feed_forward_length"));
            assertEquals(4, f.getLong(arch + ".attention.head_count"));
            assertEquals(2, f.getLong(arch + ".attention.head_count_kv"));
            assertEquals(16, f.getLong(arch + ".rope.dimension_count"));
            assertEquals(256, f.getLong(arch + ".context_length"));
            assertTrue(f.getDouble(arch + ".attention.layer_norm_rms_epsilon") > 0);
            assertEquals("<0x0A>", f.getArray("tokenizer.ggml.tokens").get(3 + 10));
            if (arch.equals("llama")) {
                assertFalse(f.has("tokenizer.ggml.mask_token_id"));
                assertFalse(f.has("diffusion.shift_logits"));
            } else {
                int mask = (int) f.getLong("tokenizer.ggml.mask_token_id");
                assertEquals(Synth.MASK_TOKEN, f.getArray("tokenizer.ggml.tokens").get(mask));
                assertEquals(Synth.TOKEN_CONTROL, f.getArray("tokenizer.ggml.token_type").get(mask));
                assertEquals(arch.equals("dream"), f.getBoolean("diffusion.shift_logits"));
                assertFalse(f.getBoolean(arch + ".attention.causal"));
            }
            int perLayer = arch.equals("dream") ? 12 : 9;
            assertEquals(3 + 3 * perLayer, f.tensors().size());
            TensorInfo q = f.tensor("blk.2.attn_q.weight").orElseThrow();
            assertArrayEquals(new long[] {64, 64}, q.dims());
            assertArrayEquals(new long[] {64, 32}, f.tensor("blk.0.attn_k.weight").orElseThrow().dims());
            assertArrayEquals(new long[] {96, 64}, f.tensor("blk.1.ffn_down.weight").orElseThrow().dims());
            assertArrayEquals(new long[] {64, 300}, f.tensor("output.weight").orElseThrow().dims());
            float[] norm = f.tensorData(f.tensor("output_norm.weight").orElseThrow())
                    .toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
            for (float x : norm) {
                assertEquals(1f, x);
            }
            float[] w = f.tensorData(q).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
            double sum = 0;
            double sq = 0;
            for (float x : w) {
                sum += x;
                sq += x * x;
            }
            double std = Math.sqrt(sq / w.length - (sum / w.length) * (sum / w.length));
            assertEquals(0.02, std, 0.002);
        }
    }

    @Test
    void copiesTokenizerFromVocabFileAndAppendsMask() throws Exception {
        Path vocab = TestFiles.vocab("llama-spm");
        Path p = dir.resolve("llada-spm.gguf");
        Synth.write(new SynthSpec("llada", 1, 64, 2, 2, 64, 128, 5, vocab, 0), p);
        try (GgufFile v = GgufFile.open(vocab); GgufFile f = GgufFile.open(p)) {
            int n = v.getArray("tokenizer.ggml.tokens").size();
            List<Object> tokens = f.getArray("tokenizer.ggml.tokens");
            assertEquals(n + 1, tokens.size());
            assertEquals(tokens.subList(0, n), v.getArray("tokenizer.ggml.tokens"));
            assertEquals(Synth.MASK_TOKEN, tokens.get(n));
            assertEquals(n, f.getLong("tokenizer.ggml.mask_token_id"));
            assertEquals(n + 1, f.getArray("tokenizer.ggml.scores").size());
            assertEquals(v.entries().get("tokenizer.ggml.scores").elementType(),
                    f.entries().get("tokenizer.ggml.scores").elementType());
            for (String key : v.entries().keySet()) {
                if (key.startsWith("tokenizer.") && !key.equals("tokenizer.ggml.tokens")
                        && !key.equals("tokenizer.ggml.scores") && !key.equals("tokenizer.ggml.token_type")) {
                    assertEquals(v.entries().get(key), f.entries().get(key), key);
                }
            }
            assertArrayEquals(new long[] {64, n + 1}, f.tensor("token_embd.weight").orElseThrow().dims());
            assertEquals(GgmlType.F16, f.tensor("token_embd.weight").orElseThrow().type());
        }
    }

    @Test
    void llamaKeepsVocabFileTokenizerExactly() throws Exception {
        Path vocab = TestFiles.vocab("gpt-2");
        Path p = dir.resolve("llama-gpt2.gguf");
        Synth.write(new SynthSpec("llama", 1, 32, 2, 2, 64, 128, 5, vocab, 0), p);
        try (GgufFile v = GgufFile.open(vocab); GgufFile f = GgufFile.open(p)) {
            for (String key : v.entries().keySet()) {
                if (key.startsWith("tokenizer.")) {
                    assertEquals(v.entries().get(key), f.entries().get(key), key);
                }
            }
        }
    }

    @Test
    void badSpecsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> SynthSpec.tiny("gpt2", 1));
        assertThrows(IllegalArgumentException.class, () -> new SynthSpec("llama", 1, 30, 4, 4, 8, 8, 1, null, 300));
        assertThrows(IllegalArgumentException.class, () -> new SynthSpec("llama", 1, 32, 4, 3, 8, 8, 1, null, 300));
        assertThrows(IllegalArgumentException.class, () -> new SynthSpec("llama", 1, 32, 4, 4, 8, 8, 1, null, 10));
        assertThrows(IllegalArgumentException.class, () -> new SynthSpec("llama", 0, 32, 4, 4, 8, 8, 1, null, 300));
    }
}
