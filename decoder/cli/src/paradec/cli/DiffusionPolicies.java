package paradec.cli;

import java.util.List;
import paradec.diffusion.DicoParams;
import paradec.diffusion.DicoPolicy;
import paradec.diffusion.EbSamplerPolicy;
import paradec.diffusion.EntropyPolicy;
import paradec.diffusion.FastDllmFactorPolicy;
import paradec.diffusion.FastDllmThresholdPolicy;
import paradec.diffusion.KlassPolicy;
import paradec.diffusion.LowConfidencePolicy;
import paradec.diffusion.MarginPolicy;
import paradec.diffusion.OriginPolicy;
import paradec.diffusion.RandomPolicy;
import paradec.diffusion.UnmaskingPolicy;

/** Unmasking policies by their command-line names. */
final class DiffusionPolicies {
    static final List<String> NAMES = List.of("llada", "random", "origin", "entropy", "margin", "fast-dllm",
            "fast-dllm-factor", "eb", "klass", "dico");

    private DiffusionPolicies() {}

    static UnmaskingPolicy create(String name, Options o) throws UsageException {
        try {
            return switch (name) {
                case "llada", "vanilla" -> new LowConfidencePolicy();
                case "random" -> new RandomPolicy();
                case "origin" -> new OriginPolicy();
                case "entropy" -> new EntropyPolicy();
                case "margin" -> new MarginPolicy();
                case "fast-dllm" -> {
                    FastDllmThresholdPolicy p = new FastDllmThresholdPolicy();
                    yield o.has("--threshold") ? p.tau(o.getDouble(0.9, 0, 1, "--threshold")) : p;
                }
                case "fast-dllm-factor" -> {
                    FastDllmFactorPolicy p = new FastDllmFactorPolicy();
                    yield o.has("--factor") ? p.factor(o.getDouble(1, 0, 1000, "--factor")) : p;
                }
                case "eb" -> new EbSamplerPolicy();
                case "klass" -> {
                    KlassPolicy p = new KlassPolicy();
                    yield o.has("--threshold") ? p.tau(o.getDouble(0.9, 0, 1, "--threshold")) : p;
                }
                case "dico" -> {
                    DicoParams params = DicoParams.defaults();
                    if (o.has("--factor")) {
                        params = params.withFactor(o.getDouble(1, 0, 1000, "--factor"));
                    }
                    if (o.has("--dico")) {
                        try {
                            params = params.parse(o.get("--dico"));
                        } catch (IllegalArgumentException e) {
                            throw new UsageException("--dico: " + e.getMessage());
                        }
                    }
                    yield new DicoPolicy(params);
                }
                default -> throw new UsageException("unknown decoder '" + name + "' for a diffusion model (" + String.join(", ", NAMES) + ")");
            };
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
