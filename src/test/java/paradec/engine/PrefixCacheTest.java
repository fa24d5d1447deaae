package paradec.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import paradec.diffusion.DiffusionSettings;
import paradec.generation.GenerationResult;
import paradec.gguf.CausalView;
import paradec.gguf.GgufFile;
import paradec.gguf.Synth;
import paradec.gguf.SynthSpec;
import paradec.llama.ModelParams;
import paradec.testing.TestModels;

/**
 * The diffusion prefix KV cache: on the causal view of LLaDA (as llama) and Dream (as qwen2, shifted
 * logits), refreshing the cache at every step reproduces the uncached run token for token for every
 * policy; refreshing at block starts only computes fewer positions. Uncached steps run on the view too,
 * bit for bit the diffusion path's rows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrefixCacheTest {
    @TempDir
    static Path dir;
    String savedCacheDir;
    ParadecModel llada;
    ParadecModel dream;
    ParadecModel synthLlada;

    @BeforeAll
    void load() throws IOException {
        savedCacheDir = System.getProperty("paradec.cache.dir");
        System.setProperty("paradec.cache.dir", dir.resolve("cache").toString());
        llada = ParadecModel.load(TestModels.root().resolve("models/code-dlm.gguf"), ModelParams.defaults(), 1);
        Path dreamFile = dir.resolve("dream.gguf");
        Synth.write(SynthSpec.tiny("dream", 11), dreamFile);
        dream = ParadecModel.load(dreamFile, ModelParams.defaults(), 1);
        Path lladaFile = dir.resolve("llada.gguf");
        Synth.write(SynthSpec.tiny("llada", 12), lladaFile);
        synthLlada = ParadecModel.load(lladaFile, ModelParams.defaults(), 1);
    }

    @AfterAll
    void close() {
        llada.close();
        dream.close();
        synthLlada.close();
        if (savedCacheDir == null) System.clearProperty("paradec.cache.dir");
        else System.setProperty("paradec.cache.dir", savedCacheDir);
    }

    static GenerationRequest request(String policy, int cache) {
        return GenerationRequest.of(policy).diffusion(DiffusionSettings.of(48, 16, 48)).diffusionCache(cache);
    }

    static <T> T onDiffusionPath(java.util.function.Supplier<T> run) {
        String saved = System.getProperty(ParadecModel.VIEW_PROPERTY);
        System.setProperty(ParadecModel.VIEW_PROPERTY, "never");
        try {
            return run.get();
        } finally {
            if (saved == null) System.clearProperty(ParadecModel.VIEW_PROPERTY);
            else System.setProperty(ParadecModel.VIEW_PROPERTY, saved);
        }
    }

    /**
     * The exact computations agree token for token, for every policy, with shifted logits too: llama.cpp's
     * diffusion path, the uncached steps on the view (the default: only the block's logits rows) and the prefix
     * cache refreshed at every step.
     */
    @Test
    void refreshedAtEveryStepTheCacheIsExactAndUncachedStepsRunOnTheView() {
        for (ParadecModel m : List.of(llada, synthLlada, dream)) {
            int[] prompt = m.tokenize("def fibonacci(n):");
            for (String policy : List.of("llada", "fast-dllm", "entropy", "dico", "klass")) {
                GenerationResult path = onDiffusionPath(() -> m.generate(prompt, request(policy, 0)));
                GenerationResult view = m.generate(prompt, request(policy, 0));
                GenerationResult cached = m.generate(prompt, request(policy, 1));
                String label = m.model().path() + " " + policy;
                assertEquals(false, path.extras().get("causal_view"), label);
                assertEquals(true, view.extras().get("causal_view"), view.extras().toString());
                assertEquals("none", view.extras().get("kv_cache"));
                assertArrayEquals(path.tokens(), view.tokens(), label);
                assertArrayEquals(path.tokens(), cached.tokens(), label);
                assertEquals(path.forwardCalls(), view.forwardCalls());
                assertEquals(path.extra("positions_computed", -1), view.extra("positions_computed", -2));
                assertEquals(view.forwardCalls(), view.extra("full_passes", -1), "a full pass every call");
                assertEquals(path.extra("steps", -1), cached.extra("steps", -2));
                assertEquals(cached.extra("steps", -1), cached.extra("full_passes", -2), "one full pass per step");
            }
        }
    }

    /**
     * A suffix window (the model sees W masked positions past the block) is one computation whichever way it runs:
     * llama.cpp's diffusion path, the view's uncached steps and the prefix cache refreshed at every step give the
     * same tokens, shifted logits too, and compute fewer positions than without the window.
     */
    @Test
    void aSuffixWindowIsOneComputationOnThePathTheViewAndTheExactCache() {
        for (ParadecModel m : List.of(llada, dream)) {
            int[] prompt = m.tokenize("def fibonacci(n):");
            for (int window : new int[] {0, 7}) {
                DiffusionSettings s = DiffusionSettings.of(48, 16, 48).withSuffixWindow(window);
                GenerationRequest q = GenerationRequest.of("llada").diffusion(s);
                GenerationResult path = onDiffusionPath(() -> m.generate(prompt, q));
                GenerationResult view = m.generate(prompt, q);
                GenerationResult cached = m.generate(prompt, q.diffusionCache(1));
                GenerationResult whole = m.generate(prompt, request("llada", 0));
                String label = m.model().path() + " window " + window;
                assertArrayEquals(path.tokens(), view.tokens(), label);
                assertArrayEquals(path.tokens(), cached.tokens(), label);
                assertEquals(window, view.extra("suffix_window", -1));
                assertEquals(path.extra("positions_computed", -1), view.extra("positions_computed", -2), label);
                assertTrue(view.extra("positions_computed", Long.MAX_VALUE) < whole.extra("positions_computed", 0L), label);
            }
        }
    }

    /** The other policies, classifier-free guidance and seeded sampling: the view's uncached steps give the path's tokens. */
    @Test
    void everyOtherPolicyGuidanceAndSamplingAgreeOnTheView() {
        int[] prompt = synthLlada.tokenize("def fibonacci(n):");
        DiffusionSettings base = DiffusionSettings.of(32, 16, 32);
        List<GenerationRequest> requests = new java.util.ArrayList<>();
        for (String policy : List.of("random", "origin", "margin", "fast-dllm-factor", "eb")) requests.add(GenerationRequest.of(policy).diffusion(base));
        requests.add(GenerationRequest.of("llada").diffusion(base.withCfgScale(1.5)));
        requests.add(GenerationRequest.of("llada").diffusion(base.withTemperature(0.7).withSeed(5)));
        for (GenerationRequest q : requests) {
            GenerationResult path = onDiffusionPath(() -> synthLlada.generate(prompt, q));
            GenerationResult view = synthLlada.generate(prompt, q);
            assertEquals(true, view.extras().get("causal_view"), view.extras().toString());
            assertArrayEquals(path.tokens(), view.tokens(), q.toString());
            assertEquals(path.forwardCalls(), view.forwardCalls(), q.toString());
        }
    }

    /** A full pass on the view gives the diffusion path's rows bit for bit (it only skips the rows no one reads). */
    @Test
    void theViewsRowsAreTheDiffusionPathsBitForBit() throws IOException {
        for (ParadecModel m : List.of(llada, dream)) {
            Path view = CausalView.ensure(m.model().path(), dir.resolve("cache").resolve("views"));
            int[] prompt = m.tokenize("def add(a, b):");
            int[] tokens = new int[prompt.length + 32];
            System.arraycopy(prompt, 0, tokens, 0, prompt.length);
            java.util.Arrays.fill(tokens, prompt.length, tokens.length, m.model().vocab().mask());
            tokens[prompt.length + 5] = prompt[0];
            int from = prompt.length + 8;
            int to = prompt.length + 24;
            try (paradec.llama.Model v = paradec.llama.Model.load(view);
                 PrefixCachedDenoisingModel onView = new PrefixCachedDenoisingModel(m.model(), v, tokens.length, 1, 1);
                 LlamaDenoisingModel onPath = new LlamaDenoisingModel(m.model(), tokens.length, 1)) {
                paradec.logits.LogitsView a = onPath.forward(tokens, from, to);
                paradec.logits.LogitsView b = onView.forward(tokens, from, to);
                for (int p = from; p < to; p++) {
                    float[] want = a.row(p).toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
                    float[] got = b.row(p).toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
                    assertArrayEquals(want, got, m.model().path() + " position " + p);
                }
            }
        }
    }

    /** A view damaged on disk is written again, never loaded as it is: the same tokens as the diffusion path. */
    @Test
    void aDamagedViewIsWrittenAgain() throws IOException {
        Path file = dir.resolve("damaged-llada.gguf");
        Synth.write(SynthSpec.tiny("llada", 13), file);
        Path views = dir.resolve("cache").resolve("views");
        Path view = CausalView.pathOf(file, views);
        Files.createDirectories(views);
        Files.write(view, new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0, 1});
        Files.setLastModifiedTime(view, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        try (ParadecModel m = ParadecModel.load(file, ModelParams.defaults(), 1)) {
            int[] prompt = m.tokenize("x = 1");
            GenerationResult viewed = m.generate(prompt, request("llada", 0));
            assertEquals(true, viewed.extras().get("causal_view"), viewed.extras().toString());
            assertArrayEquals(onDiffusionPath(() -> m.generate(prompt, request("llada", 0))).tokens(), viewed.tokens());
            assertEquals(Files.size(file), Files.size(view), "written again");
        }
    }

    @Test
    void refreshedPerBlockItComputesFewerPositions() {
        int[] prompt = llada.tokenize("import os\n");
        GenerationResult every = llada.generate(prompt, request("llada", 1));
        GenerationResult perBlock = llada.generate(prompt, request("llada", 1000));
        assertEquals(3, perBlock.extra("full_passes", -1), "one full pass per block");
        assertTrue(perBlock.extra("positions_computed", 0) < every.extra("positions_computed", 0) * 0.8,
                perBlock.extras() + " vs " + every.extras());
        assertTrue(perBlock.generatedTokens() > 0 && perBlock.generatedTokens() <= 48);
    }

    @Test
    void theViewIsWrittenOnceAndNamesItsTwin() throws IOException {
        Path views = dir.resolve("cache").resolve("views");
        llada.generate(llada.tokenize("x"), request("llada", 1));
        List<Path> files;
        try (var list = Files.list(views)) {
            files = list.filter(p -> p.toString().endsWith(".causal.gguf")).toList();
        }
        assertTrue(files.size() >= 1, "views: " + files);
        Path view = files.stream().filter(p -> p.getFileName().toString().startsWith("code-dlm")).findFirst().orElseThrow();
        // code-dlm says llada.attention.causal, so its view is the copy with a patched header: the same size
        assertEquals(Files.size(TestModels.root().resolve("models/code-dlm.gguf")), Files.size(view));
        try (GgufFile f = GgufFile.open(view)) {
            assertEquals("llama", f.getString("general.architecture"));
            assertEquals(false, f.getBoolean("llama.attention.causal"));
            assertEquals(CausalView.TWINS.get("llada"), "llama");
        }
    }

    /**
     * A cached step over the tokens of the last full pass gives that pass's rows: the cached path itself is
     * exact, so what the per-block cache costs in accuracy comes from the prefix cells going stale as the
     * block fills in, not from the cached computation.
     */
    @Test
    void aCachedStepOverUnchangedTokensGivesTheFullPassRows() throws IOException {
        Path view = CausalView.ensure(TestModels.root().resolve("models/code-dlm.gguf"), dir.resolve("cache").resolve("views"));
        int[] prompt = llada.tokenize("def add(a, b):");
        int[] tokens = new int[prompt.length + 32];
        System.arraycopy(prompt, 0, tokens, 0, prompt.length);
        java.util.Arrays.fill(tokens, prompt.length, tokens.length, llada.model().vocab().mask());
        tokens[prompt.length + 3] = prompt[1]; // one committed token inside the block
        int from = prompt.length;
        try (paradec.llama.Model v = paradec.llama.Model.load(view);
             PrefixCachedDenoisingModel m = new PrefixCachedDenoisingModel(llada.model(), v, tokens.length, 1, 1000)) {
            paradec.logits.LogitsView full = m.forward(tokens, from, tokens.length);
            float[][] expected = new float[tokens.length - from][];
            for (int p = from; p < tokens.length; p++) expected[p - from] = full.row(p).toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
            paradec.logits.LogitsView cached = m.forward(tokens, from, tokens.length);
            assertEquals(1, m.counters()[0], "one full pass");
            assertEquals(1, m.counters()[1], "then one cached pass");
            for (int p = from; p < tokens.length; p++) {
                float[] got = cached.row(p).toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
                for (int t = 0; t < got.length; t++) assertEquals(expected[p - from][t], got[t], 1e-3, "position " + p + " token " + t);
            }
        }
    }

    /**
     * Why there is no dual cache: recomputing a middle block while the cells after it stay cached is
     * refused by llama.cpp v0.5.0 (a sequence's batch must continue its largest cached position).
     */
    @Test
    void aMiddleBlockBetweenCachedCellsIsRefused() throws IOException {
        Path view = CausalView.ensure(TestModels.root().resolve("models/code-dlm.gguf"), dir.resolve("cache").resolve("views"));
        try (paradec.llama.Model m = paradec.llama.Model.load(view);
             paradec.llama.Context c = m.newContext(new paradec.llama.ContextParams(48, 48, 48, 1, 1, false));
             paradec.llama.Batch b = c.newBatch(48)) {
            for (int i = 0; i < 48; i++) b.add(5 + i, i, true, 0);
            c.decode(b);
            c.removeTokens(0, 16, 32); // the block 16..31 out, 32..47 still cached
            b.clear();
            for (int i = 16; i < 32; i++) b.add(5 + i, i, true, 0);
            paradec.llama.LlamaException e = org.junit.jupiter.api.Assertions.assertThrows(paradec.llama.LlamaException.class, () -> c.decode(b));
            assertTrue(e.getMessage().contains("invalid batch"), e.getMessage());
            // the prefix cache's own move works: drop everything from the block on, then decode block and suffix
            c.removeTokens(0, 16, -1);
            b.clear();
            for (int i = 16; i < 48; i++) b.add(5 + i, i, true, 0);
            c.decode(b);
            assertEquals(32, c.outputCount());
        }
    }
}
