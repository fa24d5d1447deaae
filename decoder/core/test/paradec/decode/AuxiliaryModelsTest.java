package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import paradec.diffusion.DenoisingModel;

/** The models a decoder names besides its target, which an engine holds for the generation: its drafter, nothing else. */
class AuxiliaryModelsTest {
    @Test
    void draftingDecodersNameTheirDrafter() {
        CausalModel drafter = FakeCausalModel.single(256);
        assertEquals(List.of(drafter), new DraftModelDecoder(drafter, 4).auxiliaryModels());
        assertEquals(List.of(drafter), DraftModelDecoder.adaptive(drafter, 4).auxiliaryModels());
        DenoisingModel diffusion = SpecDiffDecoderTest.drafter(256, p -> 1);
        assertEquals(List.of(diffusion), new SpecDiffDecoder(diffusion, 8, 1).auxiliaryModels());
    }

    @Test
    void decodersOfTheTargetAloneNameNone() {
        for (Decoder d : List.of(new ArDecoder(), new JacobiDecoder(JacobiSettings.defaults()), new LookaheadDecoder(LookaheadSettings.defaults()))) {
            assertEquals(List.of(), d.auxiliaryModels(), d.name());
        }
    }
}
