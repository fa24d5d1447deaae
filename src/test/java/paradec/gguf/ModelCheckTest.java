package paradec.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import paradec.llama.Model;
import paradec.llama.ModelParams;

/**
 * Model files that pass the structural validator but that llama.cpp v0.5.0 would abort on (or
 * misread): each mutation of a valid synthesized model must be refused by Model.load with a clear
 * GgufFormatException, before llama.cpp sees it, and the unmutated files still load.
 */
class ModelCheckTest {
    @TempDir
    static Path dir;
    static Path llama;
    static Path llada;

    @BeforeAll
    static void models() throws IOException {
        llama = dir.resolve("llama.gguf");
        llada = dir.resolve("llada.gguf");
        Synth.write(SynthSpec.tiny("llama", 3), llama);
        Synth.write(SynthSpec.tiny("llada", 4), llada);
    }

    /** A copy of {@code source} with metadata edited and some tensors given another type (zero data). */
    static Path rewrite(Path source, String name, Consumer<GgufWriter> edit, Map<String, GgmlType> retype) throws IOException {
        Path out = dir.resolve(name);
        try (GgufFile f = GgufFile.open(source)) {
            GgufWriter w = new GgufWriter();
            for (String k : f.entries().keySet()) {
                if (!k.equals(GgufFile.KEY_ALIGNMENT)) w.copy(f, k);
            }
            edit.accept(w);
            for (TensorInfo t : f.tensors()) {
                GgmlType type = retype.getOrDefault(t.name(), t.type());
                byte[] raw = type == t.type() ? f.tensorData(t).toArray(ValueLayout.JAVA_BYTE)
                        : new byte[Math.toIntExact(type.byteSize(t.elementCount()))];
                w.addRawTensor(t.name(), type, t.dims(), raw);
            }
            w.write(out);
        }
        return out;
    }

    static void refused(Path model, String fragment) {
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> Model.load(model).close());
        assertTrue(e.getMessage().contains(fragment), "\"" + e.getMessage() + "\" should mention \"" + fragment + "\"");
    }

    @Test
    void validModelsStillLoad() throws IOException {
        try (Model m = Model.load(llama)) {
            assertTrue(m.vocab().size() > 0);
        }
        try (Model m = Model.load(llada)) {
            assertTrue(m.isDiffusion());
        }
    }

    @Test
    void layerCountOutsideWhatLlamaCppSupports() throws IOException {
        refused(rewrite(llama, "zero-layers.gguf", w -> w.putU32("llama.block_count", 0), Map.of()), "llama.block_count is 0");
        refused(rewrite(llama, "many-layers.gguf", w -> w.putU32("llama.block_count", 513), Map.of()), "outside 1..512");
    }

    @Test
    void contextLengthThatReadsAsNegative() throws IOException {
        refused(rewrite(llada, "ctx.gguf", w -> w.putU32("llada.context_length", 0xFFFFFFFFL), Map.of()), "llada.context_length is 4294967295");
    }

    @Test
    void headCountsThatDoNotDivide() throws IOException {
        refused(rewrite(llama, "kv0.gguf", w -> w.putU32("llama.attention.head_count_kv", 0), Map.of()), "head_count_kv is 0");
        refused(rewrite(llama, "kv3.gguf", w -> w.putU32("llama.attention.head_count_kv", 3), Map.of()), "must divide head_count 4");
        refused(rewrite(llama, "kv-array.gguf", w -> w.putArray("llama.attention.head_count_kv", GgufType.INT32, new int[] {2, 0}),
                Map.of()), "for layer 1");
    }

    @Test
    void ropeDimensionOtherThanTheHeadSize() throws IOException {
        refused(rewrite(llada, "rope.gguf", w -> w.putU32("llada.rope.dimension_count", 8), Map.of()), "rope.dimension_count is 8");
    }

    @Test
    void tensorTypesGgmlCannotUse() throws IOException {
        refused(rewrite(llama, "norm-q8.gguf", w -> {}, Map.of("output_norm.weight", GgmlType.I32)), "norm weights must be F32 or F16");
        refused(rewrite(llama, "mat-i8.gguf", w -> {}, Map.of("blk.0.attn_q.weight", GgmlType.I8)), "cannot multiply");
    }

    @Test
    void tokenizerThatCannotGenerateOrRepeatsAToken() throws IOException {
        refused(rewrite(llama, "no-vocab.gguf", w -> w.putString("tokenizer.ggml.model", "no_vocab"), Map.of()), "no_vocab");
        List<String> tokens = new ArrayList<>();
        try (GgufFile f = GgufFile.open(llama)) {
            for (Object t : f.getArray("tokenizer.ggml.tokens")) tokens.add((String) t);
        }
        tokens.set(300, tokens.get(299));
        refused(rewrite(llama, "dup.gguf", w -> w.putArray("tokenizer.ggml.tokens", GgufType.STRING, tokens.toArray(String[]::new)),
                Map.of()), "twice (token 300)");
    }

    @Test
    void aFifoIsRefusedInsteadOfBlocking() throws Exception {
        Path fifo = dir.resolve("fifo.gguf");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, p.waitFor());
        IOException e = assertThrows(IOException.class, () -> GgufFile.open(fifo));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        assertTrue(Files.exists(fifo));
    }
}
