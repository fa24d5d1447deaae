package paradec.decode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import paradec.llama.Batch;
import paradec.llama.Context;
import paradec.llama.NativeLibrary;

/**
 * The measured cost of one llama_decode of k tokens (every logits row requested) on this machine,
 * for k = 1..{@link #MAX_K}. Measured once per model file and context shape and kept for the JVM.
 */
public final class CostCurve {
    public static final int MAX_K = 64;
    static final int[] SAMPLED_K = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64};
    private static final Map<String, CostCurve> CACHE = new ConcurrentHashMap<>();

    private final double[] nanos; // index k, k = 1..MAX_K

    CostCurve(double[] nanosByK) {
        if (nanosByK.length != MAX_K + 1) throw new IllegalArgumentException("need costs for k = 1.." + MAX_K);
        this.nanos = nanosByK.clone();
    }

    /** A curve from measured points (k, nanos), linearly interpolated in between. */
    public static CostCurve fromPoints(int[] ks, double[] costs) {
        double[] full = new double[MAX_K + 1];
        for (int k = 1; k <= MAX_K; k++) {
            int j = 0;
            while (j + 1 < ks.length && ks[j + 1] <= k) j++;
            if (ks[j] == k || j + 1 == ks.length) full[k] = costs[j] * (ks[j] == k ? 1 : (double) k / ks[j]);
            else {
                double f = (double) (k - ks[j]) / (ks[j + 1] - ks[j]);
                full[k] = costs[j] + f * (costs[j + 1] - costs[j]);
            }
        }
        return new CostCurve(full);
    }

    /** Cost in nanoseconds of a decode of k tokens. */
    public double cost(int k) {
        if (k < 1 || k > MAX_K) throw new IllegalArgumentException("k must be in [1, " + MAX_K + "], got " + k);
        return nanos[k];
    }

    /** cost(k) / cost(1). */
    public double relative(int k) {
        return nanos[k] / nanos[1];
    }

    /**
     * The curve of this context: from the in-process cache, else from the on-disk cache
     * ({@value #CACHE_DIR_PROPERTY}, default ~/.cache/paradec), else measured now and stored.
     * Leaves the KV memory empty.
     */
    public static CostCurve of(Context ctx) {
        String key = cacheKey(ctx);
        return CACHE.computeIfAbsent(key, k -> {
            Path file = cacheDir().resolve("cost-" + Integer.toHexString(k.hashCode()) + ".txt");
            CostCurve stored = read(file, k);
            if (stored != null) return stored;
            CostCurve measured = measure(ctx, 5);
            write(file, k, measured);
            return measured;
        });
    }

    /** Measures the curve now and replaces what both caches hold for this context (benchmarks start with it). */
    public static CostCurve recalibrate(Context ctx) {
        String key = cacheKey(ctx);
        CostCurve measured = measure(ctx, 7);
        CACHE.put(key, measured);
        write(cacheDir().resolve("cost-" + Integer.toHexString(key.hashCode()) + ".txt"), key, measured);
        return measured;
    }

    public static final String CACHE_DIR_PROPERTY = "paradec.cache.dir";

    private static Path cacheDir() {
        String dir = System.getProperty(CACHE_DIR_PROPERTY);
        return dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "paradec");
    }

    // same model file, context shape, thread count and native build: same curve
    private static String cacheKey(Context ctx) {
        Path model = ctx.model().path().toAbsolutePath();
        long size = -1;
        long modified = -1;
        try {
            size = Files.size(model);
            modified = Files.getLastModifiedTime(model).toMillis();
        } catch (IOException e) {
            // unknown file facts only make the key less reusable
        }
        return model + "|" + size + "|" + modified + "|" + ctx.contextLength() + "|" + ctx.batchSize() + "|"
                + ctx.maxSequences() + "|" + Runtime.getRuntime().availableProcessors() + "|" + NativeLibrary.ensureLoaded();
    }

    private static CostCurve read(Path file, String key) {
        try {
            if (!Files.isRegularFile(file)) return null;
            List<String> lines = Files.readAllLines(file);
            if (lines.size() != MAX_K + 2 || !lines.get(0).equals(key)) return null;
            double[] full = new double[MAX_K + 1];
            for (int k = 0; k <= MAX_K; k++) full[k] = Double.parseDouble(lines.get(k + 1));
            for (int k = 1; k <= MAX_K; k++) if (!(full[k] > 0)) return null;
            return new CostCurve(full);
        } catch (IOException | RuntimeException e) {
            return null; // a damaged cache file is measured again
        }
    }

    private static void write(Path file, String key, CostCurve curve) {
        try {
            Files.createDirectories(file.getParent());
            StringBuilder sb = new StringBuilder(key).append('\n');
            for (int k = 0; k <= MAX_K; k++) sb.append(curve.nanos[k]).append('\n');
            Path tmp = Files.createTempFile(file.getParent(), "cost", ".tmp");
            Files.writeString(tmp, sb);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            // the cache is an optimisation: an unwritable home only costs a re-measurement
        }
    }

    /** Measures the curve: median of {@code repeats} decodes at each sampled k, after a warm-up. */
    public static CostCurve measure(Context ctx, int repeats) {
        int maxK = Math.min(MAX_K, Math.min(ctx.batchSize(), ctx.positionsPerSequence()));
        int[] ks = Arrays.stream(SAMPLED_K).filter(k -> k <= maxK).toArray();
        double[] costs = new double[ks.length];
        int token = Math.max(0, ctx.model().vocab().bos());
        try (Batch batch = ctx.newBatch(maxK)) {
            for (int w = 0; w < 3; w++) {
                run(ctx, batch, token, 1);
                run(ctx, batch, token, ks[ks.length - 1]);
            }
            // rounds over all k, so a slow moment of a shared machine hits every k alike
            long[][] t = new long[ks.length][repeats];
            for (int r = 0; r < repeats; r++) {
                for (int i = 0; i < ks.length; i++) t[i][r] = run(ctx, batch, token, ks[i]);
            }
            for (int i = 0; i < ks.length; i++) {
                Arrays.sort(t[i]);
                costs[i] = t[i][repeats / 2];
            }
            // a decode of more tokens never costs less: noise that says otherwise is clipped
            for (int i = ks.length - 2; i >= 0; i--) costs[i] = Math.min(costs[i], costs[i + 1]);
        } finally {
            ctx.clearMemory();
        }
        if (ks[ks.length - 1] < MAX_K) {
            // beyond what the context allows, extrapolate linearly from the last two points
            int n = ks.length;
            double slope = n > 1 ? (costs[n - 1] - costs[n - 2]) / (ks[n - 1] - ks[n - 2]) : costs[0];
            ks = Arrays.copyOf(ks, n + 1);
            costs = Arrays.copyOf(costs, n + 1);
            ks[n] = MAX_K;
            costs[n] = costs[n - 1] + slope * (MAX_K - ks[n - 1]);
        }
        return fromPoints(ks, costs);
    }

    private static long run(Context ctx, Batch batch, int token, int k) {
        ctx.clearMemory();
        batch.clear();
        for (int i = 0; i < k; i++) batch.add(token, i, true, 0);
        long t0 = System.nanoTime();
        ctx.decode(batch);
        return System.nanoTime() - t0;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("CostCurve[");
        for (int k : SAMPLED_K) sb.append(k).append('=').append(String.format("%.2fms ", nanos[k] / 1e6));
        return sb.append(']').toString();
    }
}
