package paradec.decode;

/**
 * One forward call of an autoregressive-family decoder.
 *
 * @param position    KV position of the first window token (tokens before it are settled)
 * @param window      the tokens evaluated: the settled next token followed by the guesses
 * @param predictions the model's choice after each window token (same length as window)
 * @param accepted    how many guesses verification accepted (0 = plain AR progress)
 * @param emitted     the tokens this call added to the output
 */
public record TraceStep(String decoder, int iteration, int position, int[] window, int[] predictions, int accepted, int[] emitted) {}
