package paradec.llama;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Settings of an inference context.
 *
 * @param contextLength KV positions per sequence (n_ctx); 0 takes the model's trained length
 * @param batchSize     most tokens one decode may carry (n_batch)
 * @param microBatch    most tokens computed at once (n_ubatch, clamped to batchSize); diffusion
 *                      models need it to cover the whole sequence
 * @param maxSequences  distinct sequence ids (n_seq_max)
 * @param threads       CPU threads for generation and batches; 0 = {@link #defaultThreads()} (physical cores)
 * @param unifiedKv     one KV buffer shared by all sequences (needed when one token belongs to several)
 */
public record ContextParams(int contextLength, int batchSize, int microBatch, int maxSequences, int threads, boolean unifiedKv) {
    public static final int MAX_SEQUENCES = 256;
    /** ggml's GGML_MAX_N_THREADS: more makes llama.cpp throw std::bad_alloc, which ends the process. */
    public static final int MAX_THREADS = 512;

    public ContextParams {
        if (contextLength < 0) throw new IllegalArgumentException("contextLength must be >= 0, got " + contextLength);
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        if (microBatch < 1) throw new IllegalArgumentException("microBatch must be >= 1, got " + microBatch);
        if (maxSequences < 1 || maxSequences > MAX_SEQUENCES) {
            throw new IllegalArgumentException("maxSequences must be in [1, " + MAX_SEQUENCES + "], got " + maxSequences);
        }
        if (threads < 0 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads must be in [0, " + MAX_THREADS + "], got " + threads);
        }
        microBatch = Math.min(microBatch, batchSize);
    }

    public static ContextParams of(int contextLength) {
        return new ContextParams(contextLength, 512, 512, 1, 0, false);
    }

    public ContextParams withBatch(int batch, int ubatch) {
        return new ContextParams(contextLength, batch, ubatch, maxSequences, threads, unifiedKv);
    }

    public ContextParams withSequences(int n, boolean unified) {
        return new ContextParams(contextLength, batchSize, microBatch, n, threads, unified);
    }

    public ContextParams withThreads(int n) {
        return new ContextParams(contextLength, batchSize, microBatch, maxSequences, n, unifiedKv);
    }

    /**
     * The thread count of {@code threads = 0}: physical cores this process may use, as llama.cpp's default
     * counts them: logical CPUs that share a core (thread_siblings_list) count once. Falls back to the JVM's processor count where the
     * topology is not readable.
     */
    public static int defaultThreads() {
        int logical = Runtime.getRuntime().availableProcessors();
        Path cpus = Path.of("/sys/devices/system/cpu");
        Set<String> cores = new HashSet<>();
        for (int cpu = 0; cpu < 4096; cpu++) {
            Path siblings = cpus.resolve("cpu" + cpu).resolve("topology/thread_siblings_list");
            if (!Files.isReadable(siblings)) break;
            try {
                cores.add(Files.readString(siblings).strip());
            } catch (IOException e) {
                return logical;
            }
        }
        return cores.isEmpty() ? logical : Math.max(1, Math.min(logical, cores.size()));
    }
}
