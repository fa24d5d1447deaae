package paradec.diffusion;

import java.util.List;
import java.util.function.Supplier;

/** The unmasking policies by name, with their default settings; each call of a supplier makes a fresh policy. */
public final class Policies {
    /** Every name {@link #named} knows ("vanilla" is also accepted for "llada"). */
    public static final List<String> NAMES = List.of("llada", "random", "origin", "entropy", "margin", "fast-dllm",
            "fast-dllm-factor", "eb", "klass", "dico");

    private Policies() {}

    /** @throws IllegalArgumentException for an unknown name, listing the known ones */
    public static Supplier<UnmaskingPolicy> named(String name) {
        return switch (name) {
            case "llada", "vanilla" -> LowConfidencePolicy::new;
            case "random" -> RandomPolicy::new;
            case "origin" -> OriginPolicy::new;
            case "entropy" -> EntropyPolicy::new;
            case "margin" -> MarginPolicy::new;
            case "fast-dllm" -> FastDllmThresholdPolicy::new;
            case "fast-dllm-factor" -> FastDllmFactorPolicy::new;
            case "eb" -> EbSamplerPolicy::new;
            case "klass" -> KlassPolicy::new;
            case "dico" -> DicoPolicy::new;
            default -> throw new IllegalArgumentException("unknown unmasking policy '" + name + "' (" + String.join(", ", NAMES) + ")");
        };
    }
}
