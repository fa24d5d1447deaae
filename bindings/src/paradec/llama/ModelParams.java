package paradec.llama;

import java.util.function.DoublePredicate;

/**
 * How a model is loaded.
 *
 * @param gpuLayers layers to offload to a GPU; 0 keeps everything on the CPU, -1 offloads all
 * @param vocabOnly load only the vocabulary (tokenizer tests, vocab-only GGUFs)
 * @param progress  called with the load progress in [0,1]; returning false cancels the load. May be null.
 */
public record ModelParams(int gpuLayers, boolean vocabOnly, DoublePredicate progress) {
    public ModelParams {
        if (gpuLayers < -1) throw new IllegalArgumentException("gpuLayers must be >= -1, got " + gpuLayers);
    }

    public static ModelParams defaults() {
        return new ModelParams(0, false, null);
    }

    public static ModelParams vocabOnlyParams() {
        return new ModelParams(0, true, null);
    }

    public ModelParams withGpuLayers(int layers) {
        return new ModelParams(layers, vocabOnly, progress);
    }

    public ModelParams withProgress(DoublePredicate listener) {
        return new ModelParams(gpuLayers, vocabOnly, listener);
    }
}
