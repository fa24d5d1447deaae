package paradec.llama;

import java.time.Duration;
import java.util.List;
import java.util.function.DoublePredicate;

/**
 * How a model is loaded.
 *
 * @param gpuLayers   layers to offload to a GPU or RPC server; 0 keeps everything on the CPU, -1 offloads all
 * @param vocabOnly   load only the vocabulary (tokenizer tests, vocab-only GGUFs)
 * @param progress    called with the load progress in [0,1]; returning false cancels the load. May be null.
 * @param rpcServers  ggml-rpc servers ({@code host:port}) whose devices take the offloaded layers (see {@link Rpc})
 * @param tensorSplit the share of the offloaded layers per device, in device order (RPC servers first); empty:
 *                    llama.cpp splits by free memory
 * @param rpcTimeout  how long an RPC server may take to answer the connection check, and how long a decode or a
 *                    load may go without progress before the server is declared lost
 * @param mmap        memory-map the file (llama.cpp's default: fast, shared between processes). The weights are
 *                    then read from the file for as long as the model is open, so a file truncated meanwhile
 *                    kills the process with SIGBUS on the next read; paradec refuses new contexts and generations
 *                    once it sees the file changed ({@link Model#checkFileUnchanged()}), but only false (the weights
 *                    copied into memory at load) is immune to a change between two checks.
 */
public record ModelParams(int gpuLayers, boolean vocabOnly, DoublePredicate progress, List<String> rpcServers,
                          List<Double> tensorSplit, Duration rpcTimeout, boolean mmap) {
    public static final Duration DEFAULT_RPC_TIMEOUT = Duration.ofSeconds(60);

    public ModelParams {
        if (gpuLayers < -1) throw new IllegalArgumentException("gpuLayers must be >= -1, got " + gpuLayers);
        rpcServers = List.copyOf(rpcServers);
        tensorSplit = List.copyOf(tensorSplit);
        for (String endpoint : rpcServers) Rpc.parse(endpoint);
        if (rpcServers.size() > Rpc.MAX_SERVERS) {
            throw new IllegalArgumentException("at most " + Rpc.MAX_SERVERS + " RPC servers, got " + rpcServers.size());
        }
        if (rpcServers.stream().distinct().count() != rpcServers.size()) throw new IllegalArgumentException("an RPC server is named twice");
        for (double share : tensorSplit) {
            if (!(share >= 0) || Double.isInfinite(share)) throw new IllegalArgumentException("tensor split shares must be finite and >= 0, got " + share);
        }
        if (!tensorSplit.isEmpty() && tensorSplit.stream().mapToDouble(Double::doubleValue).sum() <= 0) {
            throw new IllegalArgumentException("tensor split shares must not all be 0");
        }
        if (rpcTimeout == null || rpcTimeout.isNegative() || rpcTimeout.isZero()) {
            throw new IllegalArgumentException("rpcTimeout must be positive, got " + rpcTimeout);
        }
    }

    /** Memory-mapped, on this machine only, as llama.cpp loads by default. */
    public ModelParams(int gpuLayers, boolean vocabOnly, DoublePredicate progress) {
        this(gpuLayers, vocabOnly, progress, List.of(), List.of(), DEFAULT_RPC_TIMEOUT, true);
    }

    public static ModelParams defaults() {
        return new ModelParams(0, false, null);
    }

    public static ModelParams vocabOnlyParams() {
        return new ModelParams(0, true, null);
    }

    public ModelParams withGpuLayers(int layers) {
        return new ModelParams(layers, vocabOnly, progress, rpcServers, tensorSplit, rpcTimeout, mmap);
    }

    public ModelParams withProgress(DoublePredicate listener) {
        return new ModelParams(gpuLayers, vocabOnly, listener, rpcServers, tensorSplit, rpcTimeout, mmap);
    }

    /** Places the offloaded layers on these ggml-rpc servers ({@code host:port} each). */
    public ModelParams withRpcServers(List<String> endpoints) {
        return new ModelParams(gpuLayers, vocabOnly, progress, endpoints, tensorSplit, rpcTimeout, mmap);
    }

    public ModelParams withTensorSplit(List<Double> shares) {
        return new ModelParams(gpuLayers, vocabOnly, progress, rpcServers, shares, rpcTimeout, mmap);
    }

    /** With {@code false} the weights are read into memory at load, and later changes to the file cannot reach them. */
    public ModelParams withMmap(boolean on) {
        return new ModelParams(gpuLayers, vocabOnly, progress, rpcServers, tensorSplit, rpcTimeout, on);
    }

    public ModelParams withRpcTimeout(Duration timeout) {
        return new ModelParams(gpuLayers, vocabOnly, progress, rpcServers, tensorSplit, timeout, mmap);
    }
}
