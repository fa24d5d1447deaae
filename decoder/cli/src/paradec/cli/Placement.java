package paradec.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import paradec.llama.ModelParams;

/**
 * Where a model's layers run, from the options every model-loading command shares: {@code --gpu-layers N}
 * (llama.cpp's -ngl), {@code --rpc HOST:PORT[,HOST:PORT...]} (ggml-rpc servers, llama.cpp's --rpc),
 * {@code --tensor-split A,B,...} (shares per device, RPC servers first) and {@code --rpc-timeout SECONDS}.
 * With --rpc and no --gpu-layers every layer goes to the servers, which is what naming them asks for.
 */
final class Placement {
    /** The options, as every model-loading command lists them. */
    static final List<Options.Opt> OPTIONS = List.of(
            Options.Opt.value("--gpu-layers|-ngl|--n-gpu-layers", "N", "0; with --rpc all", "layers offloaded to a GPU or the RPC servers (-1: all)"),
            Options.Opt.value("--rpc", "HOST:PORT[,...]", null, "ggml-rpc servers that take the offloaded layers (docs/rpc.md)"),
            Options.Opt.value("--tensor-split|-ts", "A,B,...", "by free memory", "share of the offloaded layers per device, RPC servers first"),
            Options.Opt.value("--rpc-timeout", "SECONDS", "60", "how long an RPC server may go without answering before it is lost"));

    private Placement() {}

    /** The options as ModelParams; ModelParams' own checks become usage errors naming the flag. */
    static ModelParams modelParams(Options o) throws UsageException {
        List<String> servers = o.has("--rpc") ? Arrays.stream(o.get("--rpc").split(",", -1)).map(String::trim).toList() : List.of();
        List<Double> split = new ArrayList<>();
        if (o.has("--tensor-split")) {
            for (String part : o.get("--tensor-split").split(",", -1)) {
                try {
                    split.add(Double.parseDouble(part.trim()));
                } catch (NumberFormatException e) {
                    throw new UsageException("--tensor-split needs shares >= 0 separated by commas, got '" + o.get("--tensor-split") + "'");
                }
            }
            if (split.size() > paradec.llama.Rpc.MAX_SERVERS + 16) throw new UsageException("--tensor-split has too many shares");
        }
        int gpuLayers = o.getInt(servers.isEmpty() ? 0 : -1, -1, 100_000, "--gpu-layers");
        int timeout = o.getInt((int) ModelParams.DEFAULT_RPC_TIMEOUT.toSeconds(), 1, 86_400, "--rpc-timeout");
        ModelParams params = ModelParams.defaults().withGpuLayers(gpuLayers).withRpcTimeout(Duration.ofSeconds(timeout));
        try {
            params = params.withRpcServers(servers);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--rpc: " + e.getMessage());
        }
        try {
            return params.withTensorSplit(split);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--tensor-split: " + e.getMessage());
        }
    }
}
