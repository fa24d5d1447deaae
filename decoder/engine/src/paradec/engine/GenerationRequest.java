package paradec.engine;

import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import paradec.decode.ContextNeeds;
import paradec.decode.Decoder;
import paradec.decode.SamplingSettings;
import paradec.diffusion.DiffusionSettings;
import paradec.diffusion.UnmaskingPolicy;
import paradec.generation.TextListener;
import paradec.generation.TokenListener;
import paradec.trace.TraceListener;

/**
 * What to generate and how, for either family: immutable, built with the {@code with}-style methods
 * from {@link #of(String)} or {@link #defaults()}.
 *
 * <pre>{@code
 * GenerationRequest.of("jacobi").maxTokens(64).stop("\n\n").streamTo(System.out::print)
 * }</pre>
 *
 * @param decoderName    a decoder by name: "ar", "jacobi", "lookahead" for autoregressive models, a
 *                       {@link paradec.diffusion.Policies policy name} for diffusion models; null when an object is given
 * @param decoder        an AR-family decoder object (autoregressive models), or null
 * @param policy         makes the unmasking policy of each diffusion generation, or null
 * @param maxTokens      most tokens to generate (diffusion: the generation length, unless {@code diffusion} says otherwise)
 * @param sampling       greedy or sampled (temperature, top-k, top-p, seed)
 * @param diffusion      diffusion layout and settings; null derives them from maxTokens and sampling
 * @param stop           stop strings: generation ends before the first one, which the text leaves out
 * @param onToken        receives each final token and may cancel; may be null
 * @param onText         receives the text as it becomes final and may cancel; may be null
 * @param trace          receives the trace events; may be null
 * @param contextLength  KV context positions for AR models; 0 = the model's trained length
 * @param contextNeeds   the context to run AR decoders on, when several decoders should share one
 *                       (benchmarks); null = the decoder's own {@link Decoder#needs()}
 * @param diffusionCache for diffusion models: 0 = no KV cache (every step recomputes the whole sequence);
 *                       N >= 1 = a prefix cache refreshed by a full pass at every block and every N steps
 *                       (1: every step, exact; larger: Fast-dLLM's approximation, faster)
 */
public record GenerationRequest(String decoderName, Decoder decoder, Supplier<? extends UnmaskingPolicy> policy,
                                int maxTokens, SamplingSettings sampling, DiffusionSettings diffusion, List<String> stop,
                                TokenListener onToken, TextListener onText, TraceListener trace, int contextLength,
                                ContextNeeds contextNeeds, int diffusionCache) {

    public GenerationRequest {
        int given = (decoderName != null ? 1 : 0) + (decoder != null ? 1 : 0) + (policy != null ? 1 : 0);
        if (given > 1) throw new IllegalArgumentException("give a decoder name, a decoder or a policy, not several");
        if (maxTokens < 1) throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        if (contextLength < 0) throw new IllegalArgumentException("contextLength must be >= 0, got " + contextLength);
        if (diffusionCache < 0) throw new IllegalArgumentException("diffusionCache must be >= 0, got " + diffusionCache);
        sampling = sampling == null ? SamplingSettings.greedy() : sampling;
        stop = stop == null ? List.of() : List.copyOf(stop);
        for (String s : stop) if (s.isEmpty()) throw new IllegalArgumentException("a stop string must not be empty");
    }

    /** The default decoder of the model's family ("ar" or "llada"), 64 tokens, greedy. */
    public static GenerationRequest defaults() {
        return new GenerationRequest(null, null, null, 64, null, null, null, null, null, null, 0, null, 0);
    }

    /** A decoder by name, 64 tokens, greedy. */
    public static GenerationRequest of(String decoderName) {
        return defaults().decoder(Objects.requireNonNull(decoderName, "decoderName"));
    }

    public GenerationRequest decoder(String name) {
        return new GenerationRequest(name, null, null, maxTokens, sampling, diffusion, stop, onToken, onText, trace, contextLength, contextNeeds, diffusionCache);
    }

    public GenerationRequest decoder(Decoder d) {
        return new GenerationRequest(null, d, null, maxTokens, sampling, diffusion, stop, onToken, onText, trace, contextLength, contextNeeds, diffusionCache);
    }

    public GenerationRequest policy(Supplier<? extends UnmaskingPolicy> p) {
        return new GenerationRequest(null, null, p, maxTokens, sampling, diffusion, stop, onToken, onText, trace, contextLength, contextNeeds, diffusionCache);
    }

    public GenerationRequest maxTokens(int n) {
        return new GenerationRequest(decoderName, decoder, policy, n, sampling, diffusion, stop, onToken, onText, trace, contextLength, contextNeeds, diffusionCache);
    }

    public GenerationRequest sampling(SamplingSettings s) {
        return new GenerationRequest(decoderName, decoder, policy, maxTokens, s, diffusion, stop, onToken, onText, trace, contextLength, contextNeeds, diffusionCache);
    }

    public GenerationRequest diffusion(DiffusionSettings s) {
        return new GenerationRequest(decoderName, decoder, policy, maxTokens, sampling, s, stop, onToken, onText, trace, contextLength, contextNeeds, diffusionCache);
    }

    public GenerationRequest stop(String... strings) {
        return new GenerationRequest(decoderName, decoder, policy, maxTokens, sampling, diffusion, List.of(strings), onToken,
                onText, trace, contextLength, contextNeeds, diffusionCache);
    }

    public GenerationRequest onToken(TokenListener l) {
        return new GenerationRequest(decoderName, decoder, policy, maxTokens, sampling, diffusion, stop, l, onText, trace, contextLength, contextNeeds, diffusionCache);
    }

    public GenerationRequest onText(TextListener l) {
        return new GenerationRequest(decoderName, decoder, policy, maxTokens, sampling, diffusion, stop, onToken, l, trace, contextLength, contextNeeds, diffusionCache);
    }

    /** Streams the text to a consumer that never cancels (e.g. {@code System.out::print}). */
    public GenerationRequest streamTo(Consumer<String> sink) {
        return onText(piece -> {
            sink.accept(piece);
            return true;
        });
    }

    public GenerationRequest trace(TraceListener t) {
        return new GenerationRequest(decoderName, decoder, policy, maxTokens, sampling, diffusion, stop, onToken, onText, t, contextLength, contextNeeds, diffusionCache);
    }

    public GenerationRequest contextLength(int n) {
        return new GenerationRequest(decoderName, decoder, policy, maxTokens, sampling, diffusion, stop, onToken, onText, trace, n, contextNeeds, diffusionCache);
    }

    public GenerationRequest contextNeeds(ContextNeeds needs) {
        return new GenerationRequest(decoderName, decoder, policy, maxTokens, sampling, diffusion, stop, onToken, onText, trace,
                contextLength, needs, diffusionCache);
    }

    /** A prefix KV cache for diffusion models, refreshed every {@code refreshEvery} steps (0 switches it off). */
    public GenerationRequest diffusionCache(int refreshEvery) {
        return new GenerationRequest(decoderName, decoder, policy, maxTokens, sampling, diffusion, stop, onToken, onText, trace,
                contextLength, contextNeeds, refreshEvery);
    }
}
