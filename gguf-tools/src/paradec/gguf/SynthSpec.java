package paradec.gguf;

import java.nio.file.Path;
import java.util.Set;

/**
 * What {@link Synth} should build.
 *
 * @param arch {@code llama}, {@code llada} or {@code dream}
 * @param nLayer number of transformer blocks
 * @param nEmbd hidden size; a multiple of nHead with an even head size
 * @param nHead attention heads
 * @param nHeadKv key/value heads; divides nHead
 * @param nFf feed-forward hidden size
 * @param nCtxTrain training context length written to the metadata
 * @param seed seed of the weights; the same spec always gives the same bytes
 * @param tokenizerFrom vocab-only (or any) GGUF whose {@code tokenizer.*} keys are copied, or null
 * @param generatedVocabSize size of the generated SPM-style vocabulary when tokenizerFrom is null (at least
 *     {@link Synth#MIN_GENERATED_VOCAB}); for llada and dream it includes the mask token
 */
public record SynthSpec(String arch, int nLayer, int nEmbd, int nHead, int nHeadKv, int nFf, int nCtxTrain,
        long seed, Path tokenizerFrom, int generatedVocabSize) {

    public static final Set<String> ARCHS = Set.of("llama", "llada", "dream");

    /** @throws IllegalArgumentException if the numbers cannot make a working model */
    public SynthSpec {
        if (arch == null || !ARCHS.contains(arch)) {
            throw new IllegalArgumentException("arch must be llama, llada or dream, got " + arch);
        }
        positive("layers", nLayer);
        positive("embd", nEmbd);
        positive("heads", nHead);
        positive("heads-kv", nHeadKv);
        positive("ff", nFf);
        positive("ctx", nCtxTrain);
        if (nEmbd % nHead != 0 || (nEmbd / nHead) % 2 != 0) {
            throw new IllegalArgumentException("embd " + nEmbd + " must be a multiple of heads " + nHead
                    + " with an even head size (RoPE rotates pairs)");
        }
        if (nHead % nHeadKv != 0) {
            throw new IllegalArgumentException("heads " + nHead + " must be a multiple of heads-kv " + nHeadKv);
        }
        if (tokenizerFrom == null && generatedVocabSize < Synth.MIN_GENERATED_VOCAB) {
            throw new IllegalArgumentException("vocab size must be at least " + Synth.MIN_GENERATED_VOCAB
                    + " (3 specials, 256 byte tokens, a few pieces and a mask), got " + generatedVocabSize);
        }
    }

    private static void positive(String what, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + v);
        }
    }

    /** A tiny model: 2 layers, 64 wide, 4 heads (2 kv), ff 128, context 512, generated vocabulary of 512. */
    public static SynthSpec tiny(String arch, long seed) {
        return new SynthSpec(arch, 2, 64, 4, 2, 128, 512, seed, null, 512);
    }

    /** Whether the architecture is a masked-diffusion model needing a mask token. */
    public boolean isDiffusion() {
        return !arch.equals("llama");
    }

    public int headDim() {
        return nEmbd / nHead;
    }
}
