package paradec.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import paradec.cli.LlamaBenchRunner;
import paradec.decode.ArDecoder;
import paradec.decode.GenerationSettings;
import paradec.engine.GenerationRequest;
import paradec.engine.LlamaCausalModel;
import paradec.engine.ParadecModel;
import paradec.generation.GenerationResult;
import paradec.generation.TokenListener;
import paradec.llama.internal.LlamaLib;
import paradec.llama.internal.llama_context_params;
import paradec.testing.PlainArgmax;
import paradec.testing.TestModels;

/**
 * Where paradec's AR stands against the floor of its engine, in one process: greedy generations of the shipped
 * code-ar model, 2 threads, interleaved generation by generation (so the machine's phases hit every variant alike):
 * <ul>
 *   <li>bare: a loop straight on the generated bindings, llama.cpp's defaults for its own context,
 *       {@code llama_batch_get_one}, a plain argmax over the logits (llama-bench's tg loop plus the argmax it lacks);</li>
 *   <li>safe: the same loop on the safe layer (Context, Batch, logits views under a lease);</li>
 *   <li>decoder: {@code ArDecoder} on a {@code LlamaCausalModel} with the context paradec would give it, under a lease;</li>
 *   <li>ar: {@code ParadecModel.generate} with the ar decoder, as bench and serve run it;</li>
 *   <li>nolog: llama-bench's own tg loop on the raw bindings (the bare loop's tokens fed back, logits never read);</li>
 *   <li>fixed: ar on a context whose thread chooser keeps the ceiling ({@code paradec.fixed-threads});</li>
 *   <li>tool: llama-bench itself, a process (tg of the same length at the prompt's depth, one repetition);</li>
 *   <li>pooled: the bare loop on a context with a ggml thread pool attached (poll 50), as llama-bench runs its
 *       own (two runs of 150-200 rounds: 1.009 and 0.993 of the bare loop: no difference in an OpenMP build).</li>
 * </ul>
 * Each variant's tokens/s counts the 127 decodes after the prompt's (llama-bench: its own 128); all must decode the same tokens. Run with {@code -Dparadec.bench=true
 * -Dtest=BareLoopBench} (rounds: {@code -Dparadec.bench.rounds}, default 300).
 */
@EnabledIfSystemProperty(named = "paradec.bench", matches = "true")
class BareLoopBench {
    static final int NEW_TOKENS = 128;
    static final int THREADS = 2;

    @Test
    void arAgainstABareLoopInTheSameProcess() throws IOException {
        int rounds = Integer.getInteger("paradec.bench.rounds", 300);
        Path path = TestModels.root().resolve("models/code-ar.gguf");
        String[] names = {"bare", "safe", "decoder", "ar", "nolog", "fixed", "tool", "pooled"};
        double[][] tps = new double[names.length][rounds];
        double[][] nativeUs = new double[names.length][rounds];
        try (ParadecModel paradec = ParadecModel.load(path, ModelParams.defaults(), THREADS);
             ParadecModel fixed = ParadecModel.load(path, ModelParams.defaults(), THREADS);
             Arena arena = Arena.ofConfined()) {
            Model model = paradec.model();
            int[] prompt = model.vocab().tokenize("def fibonacci(n):", true, false);
            BareLoop bare = new BareLoop(model, arena, model.contextLengthTrained());
            BareLoop pooled = new BareLoop(model, arena, model.contextLengthTrained());
            pooled.attachPool();
            ArDecoder decoder = new ArDecoder();
            GenerationSettings settings = new GenerationSettings(NEW_TOKENS, null, null);
            long[] firstToken = {0};
            TokenListener stamp = t -> {
                if (firstToken[0] == 0) firstToken[0] = System.nanoTime();
                return true;
            };
            try (Context context = model.newContext(new ContextParams(model.contextLengthTrained(), 512, 512, 1, THREADS, false));
                 Batch batch = context.newBatch(64);
                 LlamaCausalModel causal = new LlamaCausalModel(model, paradec.contextFor(decoder.needs(), 0))) {
                GenerationRequest request = GenerationRequest.of("ar").maxTokens(NEW_TOKENS);
                int[][] tokens = new int[names.length][];
                int[] reference = bare.generate(prompt);
                // the fixed model's AR context is made now, while the property says so (read at a context's making)
                String was = System.setProperty(Context.FIXED_THREADS_PROPERTY, "true");
                try {
                    fixed.generate(prompt, request);
                } finally {
                    if (was == null) System.clearProperty(Context.FIXED_THREADS_PROPERTY);
                    else System.setProperty(Context.FIXED_THREADS_PROPERTY, was);
                }
                for (int r = -20; r < rounds; r++) { // 20 rounds of warm-up
                    for (int k = 0; k < names.length; k++) {
                        int v = (k + Math.max(r, 0)) % names.length;
                        long nanos;
                        long decode;
                        switch (v) {
                            case 0 -> {
                                tokens[v] = bare.generate(prompt);
                                nanos = bare.nanos;
                                decode = bare.decodeNanos;
                            }
                            case 1 -> {
                                try (Context.Lease lease = context.acquire()) {
                                    long before = context.decodeNanos();
                                    long t0 = safeLoop(context, batch, prompt, tokens, v);
                                    nanos = System.nanoTime() - t0;
                                    decode = context.decodeNanos() - before;
                                }
                            }
                            case 2 -> {
                                try (Context.Lease lease = causal.context().acquire()) {
                                    firstToken[0] = 0;
                                    GenerationResult g = decoder.generate(causal, prompt, settings, stamp);
                                    nanos = System.nanoTime() - firstToken[0];
                                    tokens[v] = g.tokens();
                                    decode = g.nativeNanos();
                                }
                            }
                            case 4 -> {
                                tokens[v] = bare.replay(prompt, reference);
                                nanos = bare.nanos;
                                decode = bare.decodeNanos;
                            }
                            case 7 -> {
                                tokens[v] = pooled.generate(prompt);
                                nanos = pooled.nanos;
                                decode = pooled.decodeNanos;
                            }
                            case 6 -> {
                                tokens[v] = reference;
                                double t = LlamaBenchRunner.tokensPerSecond(path, THREADS, NEW_TOKENS, prompt.length);
                                nanos = (long) ((NEW_TOKENS - 1) * 1e9 / t);
                                decode = nanos;
                            }
                            default -> {
                                GenerationResult g = (v == 3 ? paradec : fixed).generate(prompt, request);
                                tokens[v] = g.tokens();
                                nanos = (long) ((NEW_TOKENS - 1) * 1e9 / g.generationTokensPerSecond());
                                decode = g.nativeNanos();
                            }
                        }
                        if (r >= 0) {
                            tps[v][r] = (NEW_TOKENS - 1) * 1e9 / nanos;
                            nativeUs[v][r] = decode / 1e3 / NEW_TOKENS;
                        }
                    }
                    assertArrayEquals(tokens[0], tokens[1], "the safe layer's loop decoded other tokens than the bare loop");
                    assertArrayEquals(tokens[0], tokens[2], "ArDecoder decoded other tokens than the bare loop");
                    assertArrayEquals(tokens[0], tokens[3], "paradec's AR decoded other tokens than the bare loop");
                    assertArrayEquals(tokens[0], tokens[4], "the replay fed other tokens");
                    assertArrayEquals(tokens[0], tokens[7], "the pooled loop decoded other tokens");
                    assertArrayEquals(tokens[0], tokens[5], "paradec's AR on fixed threads decoded other tokens than the bare loop");
                }
            } finally {
                bare.close();
                pooled.close();
            }
        }
        for (int v = 0; v < names.length; v++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) ratio[r] = tps[v][r] / tps[0][r];
            System.out.printf("BENCH %-4s tokens/s median %.0f max %.0f; paired against bare: median %.3f [p25 %.3f, p75 %.3f];"
                            + " llama_decode's us a call, the prompt's included (median) %.1f%n", names[v], quantile(tps[v], 0.5), quantile(tps[v], 1),
                    quantile(ratio, 0.5), quantile(ratio, 0.25), quantile(ratio, 0.75), quantile(nativeUs[v], 0.5));
        }
    }

    /** The greedy loop on the safe layer; returns the time its first token was known. */
    private long safeLoop(Context context, Batch batch, int[] prompt, int[][] tokens, int v) {
        context.clearMemory();
        batch.clear();
        for (int i = 0; i < prompt.length; i++) batch.add(prompt[i], i, i == prompt.length - 1);
        context.decode(batch);
        int[] out = new int[NEW_TOKENS];
        out[0] = PlainArgmax.of(context.logits(prompt.length - 1));
        long t0 = System.nanoTime();
        for (int i = 1; i < NEW_TOKENS; i++) {
            batch.clear().add(out[i - 1], prompt.length + i - 1, true);
            context.decode(batch);
            out[i] = PlainArgmax.of(context.logits(0));
        }
        tokens[v] = out;
        return t0;
    }

    static double quantile(double[] xs, double q) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.round(q * (s.length - 1)))];
    }

    /** llama-bench's tg loop on the raw bindings, with llama.cpp's default context parameters and a greedy argmax. */
    static final class BareLoop implements AutoCloseable {
        private final MemorySegment context;
        private final MemorySegment memory;
        private final MemorySegment token;
        private final Arena arena;
        private final int vocab;
        long nanos;
        long decodeNanos;

        BareLoop(Model model, Arena arena, int contextLength) {
            this.arena = arena;
            this.vocab = model.vocab().size();
            MemorySegment params = LlamaLib.llama_context_default_params(arena);
            llama_context_params.n_ctx(params, contextLength);
            llama_context_params.n_threads(params, THREADS);
            llama_context_params.n_threads_batch(params, THREADS);
            this.context = LlamaLib.llama_init_from_model(model.handle(), params);
            if (context.equals(MemorySegment.NULL)) throw new IllegalStateException("no context");
            this.memory = LlamaLib.llama_get_memory(context);
            this.token = arena.allocate(ValueLayout.JAVA_INT, 512);
        }

        int[] generate(int[] prompt) {
            return run(prompt, null);
        }

        /** llama-bench's own tg loop: the given tokens fed back, the logits never read, a synchronize per decode. */
        int[] replay(int[] prompt, int[] tokens) {
            return run(prompt, tokens);
        }

        /** The greedy loop, or with {@code feed} the loop that feeds those tokens and never reads a logit. */
        private int[] run(int[] prompt, int[] feed) {
            LlamaLib.llama_memory_clear(memory, true);
            MemorySegment.copy(prompt, 0, token, ValueLayout.JAVA_INT, 0, prompt.length);
            long p0 = System.nanoTime();
            check(LlamaLib.llama_decode(context, LlamaLib.llama_batch_get_one(arena, token, prompt.length)));
            if (feed != null) LlamaLib.llama_synchronize(context);
            long decode = System.nanoTime() - p0;
            int[] out = feed != null ? feed.clone() : new int[NEW_TOKENS];
            if (feed == null) out[0] = PlainArgmax.of(logits());
            long t0 = System.nanoTime();
            for (int i = 1; i < NEW_TOKENS; i++) {
                token.setAtIndex(ValueLayout.JAVA_INT, 0, out[i - 1]);
                long d0 = System.nanoTime();
                check(LlamaLib.llama_decode(context, LlamaLib.llama_batch_get_one(arena, token, 1)));
                if (feed != null) LlamaLib.llama_synchronize(context);
                decode += System.nanoTime() - d0;
                if (feed == null) out[i] = PlainArgmax.of(logits());
            }
            nanos = System.nanoTime() - t0;
            decodeNanos = decode;
            return out;
        }

        /** The ggml thread pool attached by {@link #attachPool}, freed after the context; NULL when none. */
        private MemorySegment pool = MemorySegment.NULL;

        void attachPool() {
            try {
                var lookup = java.lang.foreign.SymbolLookup.loaderLookup();
                var linker = java.lang.foreign.Linker.nativeLinker();
                var init = linker.downcallHandle(lookup.find("ggml_threadpool_params_init").orElseThrow(),
                        java.lang.foreign.FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
                var create = linker.downcallHandle(lookup.find("ggml_threadpool_new").orElseThrow(),
                        java.lang.foreign.FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
                MemorySegment params = arena.allocate(512 + 16, 8);
                init.invokeExact(params, THREADS);
                pool = (MemorySegment) create.invokeExact(params);
                LlamaLib.llama_attach_threadpool(context, pool, pool);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        private MemorySegment logits() {
            return LlamaLib.llama_get_logits_ith(context, -1).reinterpret((long) vocab * Float.BYTES);
        }

        private static void check(int rc) {
            if (rc != 0) throw new IllegalStateException("llama_decode returned " + rc);
        }

        @Override
        public void close() {
            LlamaLib.llama_free(context);
            if (!pool.equals(MemorySegment.NULL)) {
                try {
                    var free = java.lang.foreign.Linker.nativeLinker().downcallHandle(
                            java.lang.foreign.SymbolLookup.loaderLookup().find("ggml_threadpool_free").orElseThrow(),
                            java.lang.foreign.FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
                    free.invokeExact(pool);
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
            }
        }
    }
}
