/**
 * The pure-Java decoding core. Decoders see only the model contracts
 * ({@link paradec.decode.CausalModel}, {@link paradec.diffusion.DenoisingModel}) and logits views;
 * nothing here touches native code, so every decoder is unit-tested on hand-made logits.
 */
module paradec.core {
    // optional: without it the logits statistics run in scalar code
    requires static jdk.incubator.vector;
    exports paradec.logits;
    exports paradec.generation;
    exports paradec.decode;
    exports paradec.diffusion;
    exports paradec.trace;
    exports paradec.json;
}
