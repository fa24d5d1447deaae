/**
 * The engine: llama.cpp models behind the core's contracts, and the entry point for both decoder
 * families, {@link paradec.engine.ParadecModel}.
 *
 * <p>A model file is loaded once; each generation names a decoder (or passes one) and gets one
 * {@link paradec.generation.GenerationResult}:
 *
 * {@snippet :
 * try (ParadecModel model = ParadecModel.load(Path.of("models/code-ar.gguf"))) {
 *     GenerationResult r = model.generate("def fibonacci(n):",
 *             GenerationRequest.of("jacobi").maxTokens(64).stop("\n\n").streamTo(System.out::print));
 *     System.out.printf("%n%.2f tokens per forward call%n", r.tokensPerCall());
 * }
 * }
 *
 * <p>The same call runs a diffusion model with an unmasking policy ({@code GenerationRequest.of("dico")}).
 * Contexts are sized for the decoder they serve and reused. Threads: one {@code ParadecModel} may
 * serve several threads at once (each generation gets a context of its own); closing it while
 * generations run fails them with {@link java.lang.IllegalStateException}, never the JVM.
 *
 * <p>The native library is found through the system property {@code paradec.native.dir}, the
 * environment variable {@code PARADEC_NATIVE_DIR}, or the build folder {@code build/llama/bin}. Run
 * with {@code --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector}.
 */
package paradec.engine;
