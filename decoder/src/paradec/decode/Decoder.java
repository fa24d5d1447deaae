package paradec.decode;

import paradec.llama.Context;

/** An autoregressive-model decoding strategy: AR, Jacobi, lookahead. */
public interface Decoder {
    String name();

    /**
     * Generates a continuation of the prompt. The context's KV memory is cleared first, so one
     * context can serve many generations.
     *
     * @throws IllegalArgumentException if the prompt is empty, has ids outside the vocabulary, or
     *                                  does not fit in the context
     */
    GenerationResult generate(Context context, int[] prompt, GenerationSettings settings, TokenListener listener);
}
