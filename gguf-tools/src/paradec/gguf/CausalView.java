package paradec.gguf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.Optional;

/**
 * A diffusion model rewritten as its causal twin architecture (LLaDA as llama, Dream as qwen2), with
 * {@code attention.causal = false}: llama.cpp v0.5.0 gives diffusion architectures no KV memory, but
 * loads the twin with KV memory and bidirectional attention, whose full-sequence logits equal the
 * diffusion path's. That is what lets paradec cache a diffusion model's prefix.
 *
 * <p>Only the metadata keys change; every tensor is copied as it is, so the view costs the model's
 * size on disk once (the cache folder keeps it, keyed by the source's size and the hash of its first
 * mebibyte). llama.cpp's per-layer array getter ignores {@code kv_overrides}, so overriding the keys
 * at load time instead does not work.
 */
public final class CausalView {
    /** Diffusion architecture -> the causal architecture with the same tensors and hyperparameters. */
    public static final Map<String, String> TWINS = Map.of("llada", "llama", "dream", "qwen2");

    private CausalView() {}

    /** The twin architecture of a model file, if it has one. */
    public static Optional<String> twinOf(GgufFile f) {
        return f.find("general.architecture").map(v -> String.valueOf(v.value())).map(TWINS::get);
    }

    /**
     * The view of {@code model} in {@code cacheDir}, written first if absent.
     *
     * @throws IllegalArgumentException if the model's architecture has no causal twin
     */
    public static Path ensure(Path model, Path cacheDir) throws IOException {
        long size = Files.size(model);
        int hash;
        try (InputStream in = Files.newInputStream(model)) {
            hash = java.util.Arrays.hashCode(in.readNBytes(1 << 20));
        }
        String name = model.getFileName().toString().replaceFirst("\\.gguf$", "") + "-" + size + "-" + Integer.toHexString(hash) + ".causal.gguf";
        Path view = cacheDir.resolve(name);
        if (Files.isRegularFile(view)) return view;
        Files.createDirectories(cacheDir);
        Path tmp = Files.createTempFile(cacheDir, name, ".part");
        try {
            write(model, tmp);
            Files.move(tmp, view, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return view;
    }

    /** Writes the causal view of {@code source} to {@code target}. */
    public static void write(Path source, Path target) throws IOException {
        try (GgufFile f = GgufFile.open(source)) {
            String arch = f.getString("general.architecture");
            String twin = TWINS.get(arch);
            if (twin == null) throw new IllegalArgumentException(source + " is a " + arch + " model: no causal twin (" + TWINS.keySet() + ")");
            GgufWriter w = new GgufWriter();
            for (Map.Entry<String, GgufValue> e : f.entries().entrySet()) {
                String key = e.getKey();
                if (key.equals(GgufFile.KEY_ALIGNMENT)) continue;
                if (key.equals("general.architecture")) w.putString(key, twin);
                else if (key.startsWith(arch + ".")) w.put(twin + key.substring(arch.length()), e.getValue());
                else w.copy(f, key);
            }
            // bidirectional attention, as the diffusion architecture has
            w.putBool(twin + ".attention.causal", false);
            for (TensorInfo t : f.tensors()) {
                w.addRawTensor(t.name(), t.type(), t.dims(), f.tensorData(t).toArray(ValueLayout.JAVA_BYTE));
            }
            w.write(target);
        }
    }
}
