/**
 * The autoregressive family: {@link paradec.decode.ArDecoder}, {@link paradec.decode.JacobiDecoder}
 * and {@link paradec.decode.LookaheadDecoder}, each one class behind {@link paradec.decode.Decoder},
 * running against the {@link paradec.decode.CausalModel} contract. Greedy output of every decoder
 * equals AR greedy output; sampled output draws once per emitted token from the same rows AR would.
 *
 * <p>The contract is small enough to fake: the unit tests run every decoder on hand-made logits.
 *
 * {@snippet :
 * CausalModel model = ...; // the engine's LlamaCausalModel, or a test's fake
 * GenerationResult r = new JacobiDecoder(JacobiSettings.fixed(8, GuessInit.LOOKUP))
 *         .generate(model, prompt, GenerationSettings.greedy(64), token -> true);
 * }
 */
package paradec.decode;
