package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import paradec.diffusion.DenoisingModel;
import paradec.diffusion.DiffusionGenerator;
import paradec.diffusion.DiffusionSettings;
import paradec.diffusion.LowConfidencePolicy;
import paradec.generation.NonFiniteLogitsException;
import paradec.logits.Logits;
import paradec.logits.LogitsView;

/**
 * A model whose weights are NaN returns NaN logits: no token can be chosen, and every decoder says
 * so instead of emitting token 0 (which used to end as empty text with exit code 0).
 */
class NonFiniteLogitsTest {
    /** The fake causal model's KV behaviour with every logit NaN. */
    static final class NanModel extends DelegatingCausalModel {
        NanModel() {
            super(FakeCausalModel.unified(64));
        }

        @Override
        public LogitsView decode(TokenBatch batch) {
            int rows = inner.decode(batch).rows();
            float[][] nan = new float[Math.max(rows, 1)][vocabSize()];
            for (float[] r : nan) Arrays.fill(r, Float.NaN);
            return rows == 0 ? Logits.empty(vocabSize()) : Logits.ofRows(nan);
        }
    }

    @Test
    void everyArFamilyDecoderRefusesNanLogits() {
        int[] prompt = {1, 2, 3};
        for (Decoder d : new Decoder[] {new ArDecoder(), new JacobiDecoder(JacobiSettings.fixed(4, GuessInit.LOOKUP)),
                new LookaheadDecoder(new LookaheadSettings(2, 3, 2))}) {
            NonFiniteLogitsException e = assertThrows(NonFiniteLogitsException.class,
                    () -> d.generate(new NanModel(), prompt, GenerationSettings.greedy(8), null), d.name());
            assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        }
    }

    @Test
    void diffusionRefusesNanLogits() {
        DenoisingModel nan = new DenoisingModel() {
            @Override public int vocabSize() { return 8; }
            @Override public int maskToken() { return 7; }
            @Override public int maxSequenceLength() { return 32; }

            @Override
            public LogitsView forward(int[] tokens, int from, int to) {
                float[] all = new float[tokens.length * 8];
                Arrays.fill(all, Float.NaN);
                return Logits.of(MemorySegment.ofArray(all), tokens.length, 8);
            }
        };
        assertThrows(NonFiniteLogitsException.class, () -> new DiffusionGenerator().generate(nan, new int[] {1, 2},
                DiffusionSettings.of(4, 4, 4), new LowConfidencePolicy(), null, null));
    }
}
