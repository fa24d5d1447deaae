package paradec.cli;

import java.nio.file.Path;
import java.util.List;

/** Where the default models live, in order of preference. */
final class DefaultModels {
    private DefaultModels() {}

    /** The synthesized random-weight model that stands in until a trained one is shipped. */
    static final String SYNTH_AR = "models/generated/synth-llama.gguf";

    static List<Path> candidates(Path root) {
        return List.of(root.resolve("models/code-ar.gguf"), root.resolve(SYNTH_AR));
    }

    static boolean isSynthesized(Path p) {
        return p.toString().contains("synth");
    }
}
