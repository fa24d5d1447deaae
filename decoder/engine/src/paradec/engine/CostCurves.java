package paradec.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import paradec.decode.CausalModel;
import paradec.decode.CostCurve;
import paradec.llama.Context;
import paradec.llama.NativeLibrary;

/**
 * The engine's cache of {@link CostCurve}s: measured once per model file, context shape, thread
 * count and native build, kept for the JVM and on disk ({@value #CACHE_DIR_PROPERTY}, default
 * ~/.cache/paradec), so auto modes do not time decodes in every process.
 */
public final class CostCurves {
    public static final String CACHE_DIR_PROPERTY = "paradec.cache.dir";
    private static final Map<String, CostCurve> CACHE = new ConcurrentHashMap<>();

    private CostCurves() {}

    /** The curve of this context: from the in-process cache, else from disk, else measured now and stored. */
    static CostCurve of(CausalModel model, Path file, Context ctx) {
        String key = cacheKey(file, ctx);
        return CACHE.computeIfAbsent(key, k -> {
            Path stored = cacheFile(k);
            CostCurve curve = read(stored, k);
            if (curve != null) return curve;
            CostCurve measured = CostCurve.measure(model, 5);
            write(stored, k, measured);
            return measured;
        });
    }

    /** Measures the curve now and replaces what both caches hold for this model's context (benchmarks start with it). */
    public static CostCurve recalibrate(LlamaCausalModel model) {
        String key = cacheKey(model.context().model().path(), model.context());
        CostCurve measured = CostCurve.measure(model, 7);
        CACHE.put(key, measured);
        write(cacheFile(key), key, measured);
        return measured;
    }

    private static Path cacheFile(String key) {
        String dir = System.getProperty(CACHE_DIR_PROPERTY);
        Path base = dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "paradec");
        return base.resolve("cost-" + Integer.toHexString(key.hashCode()) + ".txt");
    }

    // same model file, context shape, thread count and native build: same curve; v2: each k timed after a decode of
    // its own shape (see CostCurve.measure), so curves cached before that are measured again
    private static String cacheKey(Path file, Context ctx) {
        Path model = file.toAbsolutePath();
        long size = -1;
        long modified = -1;
        try {
            size = Files.size(model);
            modified = Files.getLastModifiedTime(model).toMillis();
        } catch (IOException e) {
            // unknown file facts only make the key less reusable
        }
        return "v2|" + model + "|" + size + "|" + modified + "|" + ctx.contextLength() + "|" + ctx.batchSize() + "|"
                + ctx.maxSequences() + "|" + Runtime.getRuntime().availableProcessors() + "|" + NativeLibrary.ensureLoaded();
    }

    private static CostCurve read(Path file, String key) {
        try {
            if (!Files.isRegularFile(file)) return null;
            List<String> lines = Files.readAllLines(file);
            if (lines.size() != CostCurve.MAX_K + 2 || !lines.get(0).equals(key)) return null;
            double[] full = new double[CostCurve.MAX_K + 1];
            for (int k = 0; k <= CostCurve.MAX_K; k++) full[k] = Double.parseDouble(lines.get(k + 1));
            for (int k = 1; k <= CostCurve.MAX_K; k++) if (!(full[k] > 0)) return null;
            return CostCurve.ofNanosByK(full);
        } catch (IOException | RuntimeException e) {
            return null; // a damaged cache file is measured again
        }
    }

    private static void write(Path file, String key, CostCurve curve) {
        try {
            Files.createDirectories(file.getParent());
            StringBuilder sb = new StringBuilder(key).append('\n');
            for (double nanos : curve.nanosByK()) sb.append(nanos).append('\n');
            Path tmp = Files.createTempFile(file.getParent(), "cost", ".tmp");
            Files.writeString(tmp, sb);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            // the cache is an optimisation: an unwritable home only costs a re-measurement
        }
    }
}
