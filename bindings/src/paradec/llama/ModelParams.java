package paradec.llama;

import java.util.function.DoublePredicate;

/**
 * How a model is loaded.
 *
 * @param gpuLayers layers to offload to a GPU; 0 keeps everything on the CPU, -1 offloads all
 * @param vocabOnly load only the vocabulary (tokenizer tests, vocab-only GGUFs)
 * @param progress  called with the load progress in [0,1]; returning false cancels the load. May be null.
 * @param mmap      memory-map the file (llama.cpp's default: fast, shared between processes). The weights are
 *                  then read from the file for as long as the model is open, so a file truncated meanwhile
 *                  kills the process with SIGBUS on the next read; paradec refuses new contexts and generations
 *                  once it sees the file changed ({@link Model#checkFileUnchanged()}), but only false (the weights
 *                  copied into memory at load) is immune to a change between two checks.
 */
public record ModelParams(int gpuLayers, boolean vocabOnly, DoublePredicate progress, boolean mmap) {
    public ModelParams {
        if (gpuLayers < -1) throw new IllegalArgumentException("gpuLayers must be >= -1, got " + gpuLayers);
    }

    /** Memory-mapped, as llama.cpp loads by default. */
    public ModelParams(int gpuLayers, boolean vocabOnly, DoublePredicate progress) {
        this(gpuLayers, vocabOnly, progress, true);
    }

    public static ModelParams defaults() {
        return new ModelParams(0, false, null, true);
    }

    public static ModelParams vocabOnlyParams() {
        return new ModelParams(0, true, null, true);
    }

    public ModelParams withGpuLayers(int layers) {
        return new ModelParams(layers, vocabOnly, progress, mmap);
    }

    public ModelParams withProgress(DoublePredicate listener) {
        return new ModelParams(gpuLayers, vocabOnly, listener, mmap);
    }

    /** With {@code false} the weights are read into memory at load, and later changes to the file cannot reach them. */
    public ModelParams withMmap(boolean on) {
        return new ModelParams(gpuLayers, vocabOnly, progress, on);
    }
}
