package paradec.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import paradec.llama.ModelParams;

/**
 * Where a model's layers run, from the options every model-loading command shares: {@code --gpu-layers N}
 * (llama.cpp's -ngl), {@code --rpc HOST:PORT[,HOST:PORT...]} (ggml-rpc servers, llama.cpp's --rpc),
 * {@code --tensor-split A,B,...} (shares per device, RPC servers first) and {@code --rpc-timeout SECONDS}.
 * With --rpc and no --gpu-layers every layer goes to the servers, which is what naming them asks for.
 */
final class Placement {
    static final Set<String> OPTIONS = Set.of("--gpu-layers", "-ngl", "--rpc", "--tensor-split", "-ts", "--rpc-timeout");
    static final String USAGE = "[--gpu-layers N] [--rpc HOST:PORT[,...]] [--tensor-split A,B,...] [--rpc-timeout S]";

    private Placement() {}

    static ModelParams modelParams(Options o) throws UsageException {
        List<String> servers = o.has("--rpc") ? List.of(o.get("--rpc").split(",", -1)) : List.of();
        for (String s : servers) {
            try {
                paradec.llama.Rpc.parse(s.trim());
            } catch (IllegalArgumentException e) {
                throw new UsageException("--rpc: " + e.getMessage());
            }
        }
        servers = servers.stream().map(String::trim).toList();
        if (servers.stream().distinct().count() != servers.size()) throw new UsageException("--rpc names a server twice");
        if (servers.size() > paradec.llama.Rpc.MAX_SERVERS) throw new UsageException("--rpc takes at most " + paradec.llama.Rpc.MAX_SERVERS + " servers");
        int gpuLayers = o.getInt(servers.isEmpty() ? 0 : -1, -1, 100_000, "--gpu-layers", "-ngl");
        List<Double> split = new ArrayList<>();
        if (o.has("--tensor-split", "-ts")) {
            for (String part : o.get("--tensor-split", "-ts").split(",", -1)) {
                try {
                    double share = Double.parseDouble(part.trim());
                    if (!(share >= 0) || Double.isInfinite(share)) throw new NumberFormatException();
                    split.add(share);
                } catch (NumberFormatException e) {
                    throw new UsageException("--tensor-split needs shares >= 0 separated by commas, got '" + o.get("--tensor-split", "-ts") + "'");
                }
            }
            if (split.stream().mapToDouble(Double::doubleValue).sum() <= 0) throw new UsageException("--tensor-split shares must not all be 0");
            if (split.size() > paradec.llama.Rpc.MAX_SERVERS + 16) throw new UsageException("--tensor-split has too many shares");
        }
        int timeout = o.getInt((int) ModelParams.DEFAULT_RPC_TIMEOUT.toSeconds(), 1, 86_400, "--rpc-timeout");
        return ModelParams.defaults().withGpuLayers(gpuLayers).withRpcServers(servers).withTensorSplit(split)
                .withRpcTimeout(Duration.ofSeconds(timeout));
    }

    static Set<String> with(Set<String> options) {
        Set<String> all = new java.util.HashSet<>(options);
        all.addAll(OPTIONS);
        return all;
    }

    static List<String> names() {
        return Arrays.asList(OPTIONS.toArray(new String[0]));
    }
}
