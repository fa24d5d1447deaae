package paradec.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The causal view written as a patched copy of the source (same-length renames in the header) holds
 * exactly what the rewriting writer produces: the same metadata and the same tensor bytes.
 */
class CausalViewTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"llada", "dream"})
    void thePatchedCopyHoldsWhatTheWriterWrites(String arch) throws Exception {
        Path source = dir.resolve(arch + ".gguf");
        Synth.write(SynthSpec.tiny(arch, 5), source);
        Path patched = dir.resolve("patched.gguf");
        Path rewritten = dir.resolve("rewritten.gguf");
        assertEquals(CausalView.Method.PATCHED_COPY, CausalView.write(source, patched));
        CausalView.rewrite(source, rewritten);
        assertEquals(Files.size(source), Files.size(patched), "a copy keeps the size");
        String twin = CausalView.TWINS.get(arch);
        try (GgufFile s = GgufFile.open(source); GgufFile p = GgufFile.open(patched); GgufFile r = GgufFile.open(rewritten)) {
            assertEquals(twin, p.getString("general.architecture"));
            assertFalse(p.getBoolean(twin + ".attention.causal"));
            assertEquals(withoutAlignment(r), withoutAlignment(p));
            assertEquals(s.dataOffset(), p.dataOffset(), "only the header changes");
            assertEquals(r.tensors().size(), p.tensors().size());
            for (TensorInfo t : r.tensors()) {
                TensorInfo u = p.tensor(t.name()).orElseThrow();
                assertEquals(t.type(), u.type(), t.name());
                assertArrayEquals(t.dims(), u.dims(), t.name());
                assertArrayEquals(r.tensorData(t).toArray(ValueLayout.JAVA_BYTE), p.tensorData(u).toArray(ValueLayout.JAVA_BYTE), t.name());
            }
        }
        byte[] a = Files.readAllBytes(source);
        byte[] b = Files.readAllBytes(patched);
        assertNotEquals(java.util.Arrays.hashCode(a), java.util.Arrays.hashCode(b));
        try (GgufFile s = GgufFile.open(source)) {
            int data = (int) s.dataOffset();
            assertArrayEquals(java.util.Arrays.copyOfRange(a, data, a.length), java.util.Arrays.copyOfRange(b, data, b.length));
        }
    }

    /** Without {@code <arch>.attention.causal} the view needs one more key, which moves the tensor data: rewritten. */
    @Test
    void aSourceWithoutTheCausalKeyIsRewritten() throws Exception {
        Path synth = dir.resolve("llada.gguf");
        Synth.write(SynthSpec.tiny("llada", 6), synth);
        Path source = dir.resolve("no-causal.gguf");
        try (GgufFile f = GgufFile.open(synth)) {
            GgufWriter w = new GgufWriter();
            for (String key : f.entries().keySet()) {
                if (!key.equals("llada.attention.causal") && !key.equals(GgufFile.KEY_ALIGNMENT)) w.copy(f, key);
            }
            for (TensorInfo t : f.tensors()) w.addRawTensor(t.name(), t.type(), t.dims(), f.tensorData(t).toArray(ValueLayout.JAVA_BYTE));
            w.write(source);
        }
        Path view = dir.resolve("view.gguf");
        assertEquals(CausalView.Method.REWRITTEN, CausalView.write(source, view));
        try (GgufFile v = GgufFile.open(view)) {
            assertEquals("llama", v.getString("general.architecture"));
            assertFalse(v.getBoolean("llama.attention.causal"));
            assertFalse(v.has("llada.context_length"));
        }
    }

    /**
     * Two models that differ only past their first mebibyte (a fine-tune shares its base's header) get views of
     * their own, each holding its model's bytes; a model rewritten in place gets its view written again.
     */
    @Test
    void aViewBelongsToItsModelsBytesNotOnlyToItsHeader() throws Exception {
        Path base = dir.resolve("base/model.gguf");
        Path tuned = dir.resolve("tuned/model.gguf");
        Files.createDirectories(base.getParent());
        Files.createDirectories(tuned.getParent());
        // 3,000 tokens x 256 wide: ~4 MB, so the change below lies far past the first mebibyte
        Synth.write(new SynthSpec("llada", 1, 256, 4, 4, 256, 512, 8, null, 3000), base);
        byte[] bytes = Files.readAllBytes(base);
        assertTrue(bytes.length > 3 << 20, "size " + bytes.length);
        bytes[bytes.length - 100] ^= 1;
        Files.write(tuned, bytes);
        Path cache = dir.resolve("views");
        Path baseView = CausalView.ensure(base, cache);
        Path tunedView = CausalView.ensure(tuned, cache);
        assertNotEquals(baseView, tunedView);
        assertEquals(bytes[bytes.length - 100], Files.readAllBytes(tunedView)[bytes.length - 100]);
        assertTrue(CausalView.isCached(base, cache));

        // touched later than its view (even into the future): the same name, written again, then current
        Files.setLastModifiedTime(tuned, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(tunedView).toMillis() + 5_000));
        assertEquals(tunedView, CausalView.pathOf(tuned, cache));
        assertFalse(CausalView.isCached(tuned, cache), "the view is older than the model");
        assertEquals(tunedView, CausalView.ensure(tuned, cache));
        assertTrue(CausalView.isCached(tuned, cache), "not older than the model, even one dated in the future");

        // rewritten in place with the base's bytes: a new view, the former one removed, the base's own kept
        Files.copy(base, tuned, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path again = CausalView.ensure(tuned, cache);
        assertNotEquals(tunedView, again);
        assertFalse(Files.exists(tunedView), "the former view of the same file is removed");
        assertTrue(CausalView.isCached(base, cache), "the view of the same-named model in another folder stays");
        assertArrayEquals(Files.readAllBytes(baseView), Files.readAllBytes(again), "the same bytes, the same view");
    }

    private static Map<String, GgufValue> withoutAlignment(GgufFile f) {
        Map<String, GgufValue> m = new LinkedHashMap<>(f.entries());
        m.remove(GgufFile.KEY_ALIGNMENT);
        return m;
    }
}
