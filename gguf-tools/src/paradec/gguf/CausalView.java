package paradec.gguf;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A diffusion model rewritten as its causal twin architecture (LLaDA as llama, Dream as qwen2), with
 * {@code attention.causal = false}: llama.cpp v0.5.0 gives diffusion architectures no KV memory, but
 * loads the twin with KV memory and bidirectional attention, whose full-sequence logits equal the
 * diffusion path's. That is what lets paradec cache a diffusion model's prefix.
 *
 * <p>Only the metadata changes, and every change keeps its byte length when the source already says
 * {@code <arch>.attention.causal} (converted LLaDA and Dream files and paradec's own do): "llada" and
 * "llama", "dream" and "qwen2" are both five bytes. The view is then a copy of the file
 * ({@link FileChannel#transferTo}: Linux's copy_file_range, which shares the extents on a copy-on-write
 * filesystem such as btrfs or XFS with reflinks, so the view costs a few blocks there) with those header
 * bytes patched in place; the tensors never pass through the JVM. Otherwise the view is written anew.
 * Either way the cache folder keeps it, keyed by the source's size and a hash of three mebibytes of it, and
 * writes it again when the source is newer.
 * llama.cpp's per-layer array getter ignores {@code kv_overrides}, so overriding the keys at load time
 * instead does not work.
 */
public final class CausalView {
    /** Diffusion architecture -> the causal architecture with the same tensors and hyperparameters. */
    public static final Map<String, String> TWINS = Map.of("llada", "llama", "dream", "qwen2");

    /** How a view was written. */
    public enum Method {
        /** the source copied as it is, then its header patched in place (same-length changes only) */
        PATCHED_COPY,
        /** metadata and tensors written anew by {@link GgufWriter} */
        REWRITTEN
    }

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
        Path view = pathOf(model, cacheDir);
        if (isCurrent(model, view)) return view;
        String name = view.getFileName().toString();
        Files.createDirectories(cacheDir);
        Path tmp = Files.createTempFile(cacheDir, name, ".part");
        try {
            write(model, tmp);
            // never older than the model, even one dated in the future: else it would be written at every use
            java.nio.file.attribute.FileTime modelTime = Files.getLastModifiedTime(model);
            if (Files.getLastModifiedTime(tmp).compareTo(modelTime) < 0) Files.setLastModifiedTime(tmp, modelTime);
            Files.move(tmp, view, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        removeSuperseded(view);
        return view;
    }

    /**
     * Deletes the other views of the same model file (its name and folder): a model rewritten in place leaves its
     * former view behind, as large as the model.
     */
    private static void removeSuperseded(Path view) {
        String name = view.getFileName().toString();
        // "<name>-<folder hash>-" of "<name>-<folder hash>-<size>-<content hash>.causal.gguf"
        int sizeAt = name.lastIndexOf('-', name.lastIndexOf('-') - 1);
        String prefix = name.substring(0, sizeAt + 1);
        try (var others = Files.list(view.getParent())) {
            for (Path p : (Iterable<Path>) others::iterator) {
                String n = p.getFileName().toString();
                if (!n.equals(name) && n.startsWith(prefix) && n.endsWith(".causal.gguf") && n.chars().skip(prefix.length()).filter(c -> c == '-').count() == 1) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            // a view left behind costs disk, not correctness
        }
    }

    /** Whether {@link #ensure} would use a view already in {@code cacheDir} rather than write one. */
    public static boolean isCached(Path model, Path cacheDir) throws IOException {
        return isCurrent(model, pathOf(model, cacheDir));
    }

    // a view written before the model file last changed is stale, even under the same name
    private static boolean isCurrent(Path model, Path view) throws IOException {
        return Files.isRegularFile(view) && Files.getLastModifiedTime(view).compareTo(Files.getLastModifiedTime(model)) >= 0;
    }

    /**
     * Where {@link #ensure} keeps the view of {@code model}: named by its file name, a hash of its folder, its
     * size and a hash of its first, middle and last mebibytes. The first alone is mostly the header, which a
     * fine-tuned model shares with its base (the same tokenizer, the same shapes): the view of one would have
     * served the other.
     */
    public static Path pathOf(Path model, Path cacheDir) throws IOException {
        long size = Files.size(model);
        long hash = 0;
        try (FileChannel in = FileChannel.open(model, StandardOpenOption.READ)) {
            int sample = 1 << 20;
            for (long at : new long[] {0, Math.max(0, size / 2 - sample / 2), Math.max(0, size - sample)}) {
                ByteBuffer buf = ByteBuffer.allocate((int) Math.min(sample, size));
                while (buf.hasRemaining() && in.read(buf, at + buf.position()) > 0) {
                    // fills the sample
                }
                hash = hash * 1_000_003 + Arrays.hashCode(buf.array());
            }
        }
        // the folder's hash keeps apart same-named models (a fine-tune beside its base) when one is superseded
        int where = model.toAbsolutePath().normalize().getParent().toString().hashCode();
        return cacheDir.resolve(model.getFileName().toString().replaceFirst("\\.gguf$", "") + "-" + Integer.toHexString(where)
                + "-" + size + "-" + Long.toHexString(hash) + ".causal.gguf");
    }

    /** Writes the causal view of {@code source} to {@code target}: a patched copy where possible, else anew. */
    public static Method write(Path source, Path target) throws IOException {
        List<Patch> patches;
        String twin;
        try (GgufFile f = GgufFile.open(source)) {
            String arch = f.getString("general.architecture");
            twin = TWINS.get(arch);
            if (twin == null) throw new IllegalArgumentException(source + " is a " + arch + " model: no causal twin (" + TWINS.keySet() + ")");
            patches = sameLengthPatches(f, arch, twin);
        }
        if (patches.isEmpty()) {
            rewrite(source, target);
            return Method.REWRITTEN;
        }
        copyAndPatch(source, target, patches);
        // the patched header must parse and say what the view promises, or the view is written anew
        try (GgufFile v = GgufFile.open(target)) {
            if (twin.equals(v.getString("general.architecture")) && !v.getBoolean(twin + ".attention.causal")) return Method.PATCHED_COPY;
        } catch (GgufFormatException e) {
            // fall through to the writer
        }
        rewrite(source, target);
        return Method.REWRITTEN;
    }

    /** Bytes to write at a file offset. */
    record Patch(long offset, byte[] bytes) {}

    /**
     * The in-place changes that turn the source into its view, or none when some change would alter a
     * length or the source lacks {@code <arch>.attention.causal} (adding a key moves the tensor data).
     */
    static List<Patch> sameLengthPatches(GgufFile f, String arch, String twin) {
        byte[] from = arch.getBytes(StandardCharsets.UTF_8);
        byte[] to = twin.getBytes(StandardCharsets.UTF_8);
        String causal = arch + ".attention.causal";
        if (from.length != to.length) return List.of();
        if (f.find(causal).map(v -> v.type() != GgufType.BOOL).orElse(true)) return List.of();
        if (f.find("general.architecture").map(v -> v.type() != GgufType.STRING).orElse(true)) return List.of();
        List<Patch> patches = new ArrayList<>();
        // general.architecture's value: a u64 length, then the bytes
        long value = f.valueOffset("general.architecture");
        if (!Arrays.equals(f.bytes(value + 8, from.length), from)) return List.of();
        patches.add(new Patch(value + 8, to));
        for (String key : f.entries().keySet()) {
            if (!key.startsWith(arch + ".")) continue;
            // a renamed key must not collide with one the file already has
            if (f.has(twin + key.substring(arch.length()))) return List.of();
            byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
            long keyAt = f.valueOffset(key) - 4 - keyBytes.length;
            if (!Arrays.equals(f.bytes(keyAt, keyBytes.length), keyBytes)) return List.of();
            patches.add(new Patch(keyAt, to));
        }
        // bidirectional attention, as the diffusion architecture has
        patches.add(new Patch(f.valueOffset(causal), new byte[] {0}));
        return patches;
    }

    private static void copyAndPatch(Path source, Path target, List<Patch> patches) throws IOException {
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
            long size = in.size();
            for (long done = 0; done < size; ) {
                long n = in.transferTo(done, size - done, out);
                if (n <= 0 && in.size() < size) throw new IOException(source + " shrank while it was copied");
                done += n;
            }
            for (Patch p : patches) {
                ByteBuffer b = ByteBuffer.wrap(p.bytes());
                for (long at = p.offset(); b.hasRemaining(); ) at += out.write(b, at);
            }
        }
    }

    /** Writes the view anew: every key (renamed), {@code attention.causal = false} added, every tensor copied. */
    static void rewrite(Path source, Path target) throws IOException {
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
            w.putBool(twin + ".attention.causal", false);
            for (TensorInfo t : f.tensors()) {
                w.addRawTensor(t.name(), t.type(), t.dims(), f.tensorData(t).toArray(ValueLayout.JAVA_BYTE));
            }
            w.write(target);
        }
    }
}
