package paradec.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import paradec.decode.ArDecoder;
import paradec.decode.GenerationSettings;
import paradec.diffusion.DiffusionSettings;
import paradec.generation.GenerationResult;
import paradec.generation.StopReason;
import paradec.llama.ContextParams;
import paradec.trace.ArStep;
import paradec.trace.DiffusionStep;
import paradec.trace.TraceEvent;
import paradec.trace.TraceStart;
import paradec.testing.TestModels;

/** The one entry point, over the shipped models of both families. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ParadecModelTest {
    static final String PROMPT = "def fibonacci(n):";
    ParadecModel ar;
    ParadecModel dlm;

    @BeforeAll
    void load() throws IOException {
        ar = ParadecModel.load(TestModels.root().resolve("models/code-ar.gguf"), paradec.llama.ModelParams.defaults(), 1);
        dlm = ParadecModel.load(TestModels.root().resolve("models/tasks-dlm.gguf"), paradec.llama.ModelParams.defaults(), 1);
    }

    @AfterAll
    void close() {
        ar.close();
        dlm.close();
    }

    @Test
    void generationsReuseTheContextsTheyWereGivenEvenWhereLlamaCppCapsTheirSize() throws IOException {
        // code-ar was trained on 256 positions: llama.cpp caps the 512-token batch AR asks for at n_ctx, and pads a
        // context of 300 positions to 512; the pool used to compare those capped values with the request, so every
        // generation made (and paid for) a new native context
        try (ParadecModel m = ParadecModel.load(TestModels.root().resolve("models/code-ar.gguf"), paradec.llama.ModelParams.defaults(), 1)) {
            int[] prompt = m.tokenize(PROMPT);
            for (String decoder : List.of("ar", "jacobi", "ar", "jacobi", "ar")) {
                m.generate(prompt, GenerationRequest.of(decoder).maxTokens(4));
            }
            assertEquals(1, m.contextsMade(), "ar and jacobi ask for the same context: one, made once");
            for (int i = 0; i < 3; i++) m.generate(prompt, GenerationRequest.of("ar").maxTokens(4).contextLength(300));
            assertEquals(2, m.contextsMade(), "a padded context length is reused too");
        }
    }

    @Test
    void aDraftersContextIsHeldForTheWholeGeneration() throws IOException {
        // held, its logits views live in a confined arena; between its decodes another thread could otherwise take it
        // (and each decode's views paid a shared arena's close: a handshake with every thread)
        try (ParadecModel draft = ParadecModel.load(TestModels.root().resolve("models/code-draft.gguf"), paradec.llama.ModelParams.defaults(), 1)) {
            LlamaCausalModel drafter = draft.causalDrafter(0);
            assertHeldWhileItDecodes(drafter.context(), paradec.decode.DraftModelDecoder.adaptive(drafter, 4));
        }
        // a diffusion drafter (SpecDiff) the same way
        try (ParadecModel draft = ParadecModel.load(TestModels.root().resolve("models/code-dlm.gguf"), paradec.llama.ModelParams.defaults(), 1)) {
            LlamaDenoisingModel drafter = draft.drafter(256);
            assertHeldWhileItDecodes(drafter.context(), new paradec.decode.SpecDiffDecoder(drafter, 6, 2));
        }
    }

    /** At every token of a generation with this decoder, another thread cannot take the context; afterwards it can. */
    private void assertHeldWhileItDecodes(paradec.llama.Context context, paradec.decode.Decoder decoder) {
        List<String> seen = new ArrayList<>();
        GenerationRequest request = GenerationRequest.of("ar").decoder(decoder).maxTokens(12).onToken(token -> {
            Thread other = new Thread(() -> {
                try (paradec.llama.Context.Lease lease = context.acquire()) {
                    seen.add("taken");
                } catch (IllegalStateException e) {
                    seen.add("held");
                }
            });
            other.start();
            try {
                other.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return true;
        });
        GenerationResult r = ar.generate(ar.tokenize(PROMPT), request);
        assertEquals(12, r.tokens().length, decoder.name());
        assertEquals(12, seen.size(), decoder.name());
        assertTrue(seen.stream().allMatch("held"::equals), decoder.name() + ": " + seen);
        // and free again once the generation is over
        try (paradec.llama.Context.Lease lease = context.acquire()) {
            assertEquals(context, lease.context());
        }
    }

    @Test
    void familyIsDetectedAndEveryArDecoderGivesArGreedyTokens() {
        assertTrue(!ar.isDiffusion() && dlm.isDiffusion());
        int[] prompt = ar.tokenize(PROMPT);
        int[] reference;
        // the reference straight through the core on a context of our own, no entry point involved
        try (LlamaCausalModel causal = new LlamaCausalModel(ar.model(), new ContextParams(256, 64, 64, 1, 1, false))) {
            reference = new ArDecoder().generate(causal, prompt, GenerationSettings.greedy(40), null).tokens();
        }
        for (String name : ar.defaultDecoders()) {
            long before = System.nanoTime();
            GenerationResult r = ar.generate(prompt, GenerationRequest.of(name).maxTokens(40));
            double callMs = (System.nanoTime() - before) / 1e6;
            assertArrayEquals(reference, r.tokens(), name);
            assertTrue(r.extras().get("first_token_ms") instanceof Double first && first > 0 && first < callMs,
                    name + ": first token at " + r.extras().get("first_token_ms") + " ms of a " + callMs + " ms call");
            assertEquals(name, r.decoder());
            assertEquals(ar.detokenize(reference), r.text(), name);
            assertEquals(StopReason.MAX_TOKENS, r.stopReason());
            assertTrue(r.forwardCalls() >= 1 && r.wallNanos() >= r.nativeNanos() && r.nativeNanos() > 0, r.toString());
        }
    }

    @Test
    void streamedTextEqualsTheResultAndStopStringsCutIt() {
        StringBuilder streamed = new StringBuilder();
        GenerationResult full = ar.generate(PROMPT, GenerationRequest.of("jacobi").maxTokens(48).streamTo(streamed::append));
        assertEquals(full.text(), streamed.toString());
        // a stop string taken from the middle of the text: generation ends before it, and nothing of it is streamed
        String stop = full.text().substring(10, 14);
        int at = full.text().indexOf(stop);
        StringBuilder cut = new StringBuilder();
        GenerationResult stopped = ar.generate(PROMPT, GenerationRequest.of("lookahead").maxTokens(48).stop(stop).streamTo(cut::append));
        assertEquals(StopReason.STOP_STRING, stopped.stopReason());
        assertEquals(full.text().substring(0, at), stopped.text());
        assertEquals(stopped.text(), cut.toString());
        assertTrue(stopped.generatedTokens() < full.generatedTokens());
    }

    @Test
    void aListenerCancelsEitherFamily() {
        List<Integer> seen = new ArrayList<>();
        GenerationResult r = ar.generate(PROMPT, GenerationRequest.of("jacobi").maxTokens(48).onToken(t -> {
            seen.add(t);
            return seen.size() < 5;
        }));
        assertEquals(StopReason.CANCELLED, r.stopReason());
        assertEquals(5, r.generatedTokens());
        assertEquals(seen, java.util.Arrays.stream(r.tokens()).boxed().toList());

        List<Integer> diffusionSeen = new ArrayList<>();
        GenerationResult d = dlm.generate("0052+1945=", GenerationRequest.of("llada")
                .diffusion(DiffusionSettings.of(8, 8, 8).withTrimAtEog(true)).onToken(t -> {
                    diffusionSeen.add(t);
                    return diffusionSeen.size() < 2;
                }));
        assertEquals(StopReason.CANCELLED, d.stopReason());
        assertEquals(2, d.generatedTokens());
    }

    @Test
    void diffusionRunsThroughTheSameEntryPointWithTraceEvents() {
        List<TraceEvent> events = new ArrayList<>();
        GenerationResult r = dlm.generate("0052+1945=", GenerationRequest.of("llada")
                .diffusion(DiffusionSettings.of(8, 8, 8).withTrimAtEog(true)).trace(events::add));
        assertEquals("01997", r.text(), "tasks-dlm adds");
        assertEquals(StopReason.END_OF_GENERATION, r.stopReason());
        assertTrue(events.getFirst() instanceof TraceStart s && s.diffusion());
        assertEquals(r.extra("steps", -1), events.stream().filter(e -> e instanceof DiffusionStep).count());

        List<TraceEvent> arEvents = new ArrayList<>();
        GenerationResult a = ar.generate(PROMPT, GenerationRequest.of("jacobi").maxTokens(16).trace(arEvents::add));
        assertTrue(arEvents.getFirst() instanceof TraceStart s && !s.diffusion());
        assertTrue(arEvents.stream().filter(e -> e instanceof ArStep).count() >= 1);
        assertTrue(a.generatedTokens() == 16);
    }

    @Test
    void aDecoderOfTheOtherFamilyIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dlm.generate("1+1=", GenerationRequest.of("jacobi")));
        assertTrue(e.getMessage().contains("autoregressive"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ar.generate(PROMPT, GenerationRequest.of("dico")));
        assertTrue(e.getMessage().contains("diffusion"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ar.generate(PROMPT, GenerationRequest.of("nonsense")));
    }

    @Test
    void contextsAreSizedForTheDecoder() {
        ContextParams lookahead = ar.contextFor(new paradec.decode.LookaheadDecoder(paradec.decode.LookaheadSettings.defaults()).needs(), 0);
        assertTrue(lookahead.unifiedKv());
        assertEquals(paradec.decode.LookaheadSettings.defaults().sequencesNeeded(), lookahead.maxSequences());
        assertEquals(ar.model().contextLengthTrained(), lookahead.contextLength(), "default context = the trained length");
        ContextParams jacobi = ar.contextFor(new paradec.decode.JacobiDecoder(paradec.decode.JacobiSettings.defaults()).needs(), 128);
        assertEquals(1, jacobi.maxSequences());
        assertEquals(128, jacobi.contextLength());
    }

    @Test
    void severalThreadsGenerateAtOnceWithTheSingleThreadedResults() throws Exception {
        int[] prompt = ar.tokenize(PROMPT);
        int[] expected = ar.generate(prompt, GenerationRequest.of("jacobi").maxTokens(32)).tokens();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<int[]>> runs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String decoder = ar.defaultDecoders().get(i % 3);
                runs.add(pool.submit(() -> ar.generate(prompt, GenerationRequest.of(decoder).maxTokens(32)).tokens()));
            }
            for (Future<int[]> f : runs) assertArrayEquals(expected, f.get());
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aClosedModelRefusesToGenerate() throws IOException {
        ParadecModel m = ParadecModel.load(TestModels.root().resolve("models/tasks-ar.gguf"));
        m.generate("1+1=", GenerationRequest.defaults().maxTokens(2));
        m.close();
        m.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.generate(new int[] {1}, GenerationRequest.defaults()));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void closingTheModelDuringAGenerationOnAnotherThreadFailsItCleanly() throws Exception {
        java.util.Random random = new java.util.Random(7);
        int failedCleanly = 0;
        for (int i = 0; i < 50; i++) {
            ParadecModel m = ParadecModel.load(TestModels.root().resolve("models/code-ar.gguf"), paradec.llama.ModelParams.defaults(), 1);
            String decoder = ar.defaultDecoders().get(i % 3);
            java.util.concurrent.CompletableFuture<Object> outcome = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return m.generate(PROMPT, GenerationRequest.of(decoder).maxTokens(200));
                } catch (IllegalStateException e) {
                    return e;
                }
            });
            Thread.sleep(random.nextInt(20));
            m.close();
            Object result = outcome.get(60, java.util.concurrent.TimeUnit.SECONDS);
            if (result instanceof IllegalStateException e) {
                failedCleanly++;
                assertTrue(e.getMessage().contains("closed"), e.getMessage());
            } else {
                assertTrue(result instanceof GenerationResult, String.valueOf(result));
            }
            assertThrows(IllegalStateException.class, () -> m.generate(new int[] {1}, GenerationRequest.defaults()));
        }
        // most closes land while the generation runs (200 tokens take longer than 20 ms here)
        assertTrue(failedCleanly > 0, "no close landed during a generation");
    }

    /** SpecDiff over the shipped pair (code-dlm drafts for code-ar, same tokenizer plus a mask): AR's tokens. */
    @Test
    void specDiffWithTheShippedDiffusionDrafterGivesArTokens() throws IOException {
        try (ParadecModel draft = ParadecModel.load(TestModels.root().resolve("models/code-dlm.gguf"), paradec.llama.ModelParams.defaults(), 1)) {
            paradec.decode.SpecDiffDecoder specdiff = new paradec.decode.SpecDiffDecoder(draft.drafter(256), 6, 2);
            for (String text : List.of(PROMPT, "import os\nimport sys\n", "class Queue:\n    def __init__(self")) {
                int[] prompt = ar.tokenize(text);
                GenerationResult reference = ar.generate(prompt, GenerationRequest.of("ar").maxTokens(32));
                GenerationResult r = ar.generate(prompt, GenerationRequest.defaults().decoder(specdiff).maxTokens(32));
                assertArrayEquals(reference.tokens(), r.tokens(), text);
                assertEquals("specdiff", r.decoder());
                assertTrue(r.extra("draft_calls", 0) > 0);
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ar.drafter(64));
        assertTrue(e.getMessage().contains("diffusion"), e.getMessage());
    }

    /**
     * Classic draft-model speculation over the shipped pair (code-draft, ~1.35M parameters, drafts for code-ar with the
     * same tokenizer): AR's greedy tokens on several prompts, fixed and adaptive draft lengths, and some drafts accepted.
     */
    @Test
    void draftDecodingWithTheShippedArDrafterGivesArTokens() throws IOException {
        try (ParadecModel draft = ParadecModel.load(TestModels.root().resolve("models/code-draft.gguf"), paradec.llama.ModelParams.defaults(), 1)) {
            ar.checkSameVocabulary(draft);
            paradec.decode.DraftModelDecoder[] decoders = {new paradec.decode.DraftModelDecoder(draft.causalDrafter(0), 4),
                paradec.decode.DraftModelDecoder.adaptive(draft.causalDrafter(0), 16)};
            long accepted = 0;
            for (String text : List.of(PROMPT, "import os\nimport sys\n", "class Queue:\n    def __init__(self",
                    "for i in range(10):\n    print(i)\nfor i in range(10):")) {
                int[] prompt = ar.tokenize(text);
                GenerationResult reference = ar.generate(prompt, GenerationRequest.of("ar").maxTokens(48));
                for (paradec.decode.DraftModelDecoder d : decoders) {
                    GenerationResult r = ar.generate(prompt, GenerationRequest.defaults().decoder(d).maxTokens(48));
                    assertArrayEquals(reference.tokens(), r.tokens(), text);
                    assertEquals(reference.stopReason(), r.stopReason(), text);
                    assertEquals("draft", r.decoder());
                    assertTrue(r.extra("draft_calls", 0) > 0);
                    accepted += r.extra("accepted_guesses", 0);
                }
            }
            assertTrue(accepted > 0, "the drafter's drafts were never accepted");
        }
        // the families are not interchangeable, and another vocabulary is refused
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dlm.causalDrafter(0));
        assertTrue(e.getMessage().contains("autoregressive"), e.getMessage());
        try (ParadecModel tasks = ParadecModel.load(TestModels.root().resolve("models/tasks-ar.gguf"), paradec.llama.ModelParams.defaults(), 1)) {
            e = assertThrows(IllegalArgumentException.class, () -> ar.checkSameVocabulary(tasks));
            assertTrue(e.getMessage().contains("different vocabularies"), e.getMessage());
        }
    }
}
