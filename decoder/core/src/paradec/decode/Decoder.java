package paradec.decode;

import java.util.List;
import paradec.generation.GenerationResult;
import paradec.generation.TokenListener;

/** An autoregressive-family decoding strategy: AR, Jacobi, lookahead. */
public interface Decoder {
    String name();

    /** The KV context this decoder needs, so an engine can size one. */
    ContextNeeds needs();

    /**
     * The models besides the one {@link #generate} is given that this decoder decodes with (a drafter), so an engine
     * can hold them for a generation as it holds that one. None by default.
     */
    default List<Object> auxiliaryModels() {
        return List.of();
    }

    /**
     * Generates a continuation of the prompt. The model's KV memory is cleared first, so one
     * model can serve many generations. Greedy output equals {@link ArDecoder}'s.
     *
     * @param listener receives each token once it is final and may cancel; may be null
     * @throws IllegalArgumentException if the prompt is empty, has ids outside the vocabulary, or
     *                                  does not fit in the model's context, or the model cannot
     *                                  serve this decoder's {@link #needs()}
     */
    GenerationResult generate(CausalModel model, int[] prompt, GenerationSettings settings, TokenListener listener);
}
