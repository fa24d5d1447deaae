package paradec.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import paradec.gguf.GgufWriter;
import paradec.llama.internal.LlamaLib;
import paradec.testing.TestModels;

/** The safe layer over llama.cpp: every misuse is a Java exception, never a native crash. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SafeLayerTest {
    static final int N_CTX = 64;
    static final int N_BATCH = 16;
    static final int N_SEQ = 2;
    static final int[] PROMPT = {1, 300, 301, 302, 303, 310, 320, 330};

    Path modelPath;
    Model model;
    Context ctx;

    @BeforeAll
    void setUp() throws IOException {
        modelPath = TestModels.generated(2, 64, 4, 512, 5);
        model = Model.load(modelPath);
        ctx = model.newContext(new ContextParams(N_CTX, N_BATCH, N_BATCH, N_SEQ, 1, true));
    }

    @AfterAll
    void tearDown() {
        model.close();
    }

    /** Decodes the prompt into seq 0 from an empty memory and returns a copy of the last row. */
    float[] decodePrompt(Context c) {
        c.clearMemory();
        try (Batch b = c.newBatch(PROMPT.length)) {
            for (int i = 0; i < PROMPT.length; i++) b.add(PROMPT[i], i, i == PROMPT.length - 1, 0);
            c.decode(b);
            return c.logits(PROMPT.length - 1).toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    void assertStillWorks() {
        float[] row = decodePrompt(ctx);
        assertEquals(ctx.vocabSize(), row.length);
        for (float f : row) assertTrue(Float.isFinite(f));
    }

    // ---- closing ---------------------------------------------------------------------------

    @Test
    void useAfterCloseThrows() throws IOException {
        Model m = Model.load(modelPath);
        Context c = m.newContext(ContextParams.of(32).withThreads(1));
        Batch b = c.newBatch(4);
        b.add(1, 0, true);
        c.decode(b);
        b.close();
        assertThrows(IllegalStateException.class, () -> b.add(1, 1, true));
        assertThrows(IllegalStateException.class, b::clear);
        assertThrows(IllegalStateException.class, () -> c.decode(b));
        assertDoesNotThrow(b::close);

        c.close();
        assertThrows(IllegalStateException.class, () -> c.newBatch(1));
        assertThrows(IllegalStateException.class, () -> c.logits(0));
        assertThrows(IllegalStateException.class, () -> c.maxPosition(0));
        assertThrows(IllegalStateException.class, c::clearMemory);
        assertThrows(IllegalStateException.class, c::perf);
        assertDoesNotThrow(c::close);

        m.close();
        assertThrows(IllegalStateException.class, m::vocab);
        assertThrows(IllegalStateException.class, () -> m.newContext(ContextParams.of(32)));
        assertThrows(IllegalStateException.class, m::contextLengthTrained);
        assertDoesNotThrow(m::close);
        assertStillWorks();
    }

    @Test
    void vocabOfAClosedModelThrows() throws IOException {
        Model m = Model.load(modelPath);
        Vocab v = m.vocab();
        m.close();
        assertThrows(IllegalStateException.class, () -> v.tokenize("abc", true, false));
        assertThrows(IllegalStateException.class, () -> v.pieceBytes(5, false));
        assertThrows(IllegalStateException.class, v::eos);
    }

    @Test
    void closingAModelClosesItsContexts() throws IOException {
        Model m = Model.load(modelPath);
        Context c1 = m.newContext(ContextParams.of(32).withThreads(1));
        Context c2 = m.newContext(ContextParams.of(32).withThreads(1));
        Batch b = c1.newBatch(2);
        b.add(1, 0, true);
        c2.close();
        m.close();
        assertThrows(IllegalStateException.class, () -> c1.decode(b));
        assertThrows(IllegalStateException.class, () -> c1.newBatch(1));
        assertThrows(IllegalStateException.class, c1::clearMemory);
        assertDoesNotThrow(c1::close);
        assertDoesNotThrow(c2::close);
        b.close();
        assertStillWorks();
    }

    // ---- values out of range ----------------------------------------------------------------

    @Test
    void badBatchValuesAreRejected() {
        try (Batch b = ctx.newBatch(4, 2)) {
            int vocab = ctx.vocabSize();
            assertThrows(IllegalArgumentException.class, () -> b.add(vocab, 0, true));
            assertThrows(IllegalArgumentException.class, () -> b.add(-1, 0, true));
            assertThrows(IllegalArgumentException.class, () -> b.add(Integer.MAX_VALUE, 0, true));
            assertThrows(IllegalArgumentException.class, () -> b.add(1, 0, true, N_SEQ));
            assertThrows(IllegalArgumentException.class, () -> b.add(1, 0, true, -1));
            assertThrows(IllegalArgumentException.class, () -> b.add(1, 0, true, 0, 1, 1)); // more ids than per token
            assertThrows(IllegalArgumentException.class, () -> b.add(1, 0, true, new int[0]));
            assertThrows(IllegalArgumentException.class, () -> b.add(1, -1, true));
            assertThrows(IllegalArgumentException.class, () -> b.add(1, ctx.positionsPerSequence(), true));
            assertEquals(0, b.size(), "rejected tokens must leave the batch unchanged");
            for (int i = 0; i < 4; i++) b.add(1 + i, i, true, 0, 1);
            assertThrows(IllegalStateException.class, () -> b.add(1, 4, true));
            assertEquals(4, b.size());
        }
        assertStillWorks();
    }

    @Test
    void batchLargerThanNBatchIsRejected() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> ctx.newBatch(N_BATCH + 1));
        // a batch built for a context with a larger n_batch, handed to this one
        try (Context big = model.newContext(new ContextParams(N_CTX, 64, 64, 1, 1, false));
             Batch b = big.newBatch(N_BATCH + 4)) {
            for (int i = 0; i < N_BATCH + 4; i++) b.add(1, i, false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ctx.decode(b));
            assertTrue(e.getMessage().contains("n_batch"), e.getMessage());
        }
        assertStillWorks();
    }

    @Test
    void emptyBatchIsRejected() {
        try (Batch b = ctx.newBatch(2)) {
            assertThrows(IllegalArgumentException.class, () -> ctx.decode(b));
        }
        assertStillWorks();
    }

    @Test
    void logitsRowNotRequestedIsRejected() {
        ctx.clearMemory();
        try (Batch b = ctx.newBatch(4)) {
            b.add(1, 0, false).add(300, 1, true).add(301, 2, false);
            ctx.decode(b);
            assertThrows(IllegalArgumentException.class, () -> ctx.logits(0));
            assertThrows(IllegalArgumentException.class, () -> ctx.logits(2));
            assertThrows(IllegalArgumentException.class, () -> ctx.logits(3));
            assertThrows(IllegalArgumentException.class, () -> ctx.logits(-1));
            assertThrows(IllegalArgumentException.class, () -> ctx.logits(N_BATCH + 100));
            assertDoesNotThrow(() -> ctx.logits(1));
            assertEquals(1, ctx.outputCount());
        }
        assertStillWorks();
    }

    @Test
    void positionsAlreadyUsedOrFullContextFailCleanly() {
        // a token in a sequence at a position before its last one: llama.cpp rejects the batch (rc -1)
        decodePrompt(ctx);
        try (Batch b = ctx.newBatch(1)) {
            b.add(5, 2, true);
            assertThrows(LlamaException.class, () -> ctx.decode(b));
            assertThrows(IllegalArgumentException.class, () -> ctx.logits(0), "a failed decode leaves no logits");
        }
        assertStillWorks();
    }

    @Test
    void badSequenceIdsInMemoryOpsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ctx.maxPosition(N_SEQ));
        assertThrows(IllegalArgumentException.class, () -> ctx.removeTokens(-1, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> ctx.copySequence(0, N_SEQ, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> ctx.keepSequence(99));
        assertStillWorks();
    }

    @Test
    void smallContextWithManySequencesDoesNotAbort() throws IOException {
        // n_batch is clamped to n_ctx (8) while 16 sequences need 16 output rows: llama.cpp used to
        // hit GGML_ASSERT(n_outputs_max <= cparams.n_outputs_max) and abort the JVM on the first decode
        try (Context c = model.newContext(new ContextParams(8, 64, 64, 16, 1, true))) {
            try (Batch b = c.newBatch(Math.min(4, c.batchSize()), 16)) {
                b.add(1, 0, true, 0).add(300, 1, true, 0, 1);
                c.decode(b);
                assertEquals(2, c.outputCount());
                for (float x : c.logits(1).toArray(ValueLayout.JAVA_FLOAT)) assertTrue(Float.isFinite(x));
            }
        }
        assertStillWorks();
    }

    // ---- memory ----------------------------------------------------------------------------

    @Test
    void memoryOperations() {
        float[] full = decodePrompt(ctx);
        int last = PROMPT.length - 1;
        assertEquals(last, ctx.maxPosition(0));
        assertEquals(-1, ctx.maxPosition(1));

        ctx.copySequence(0, 1, -1, -1);
        assertEquals(last, ctx.maxPosition(1));
        assertTrue(ctx.removeTokens(1, 4, -1));
        assertEquals(3, ctx.maxPosition(1));
        assertEquals(last, ctx.maxPosition(0), "removing from seq 1 must not touch seq 0");

        // seq 1 now holds positions 0..3; decoding the rest of the prompt there reproduces seq 0's row
        try (Batch b = ctx.newBatch(PROMPT.length)) {
            for (int i = 4; i < PROMPT.length; i++) b.add(PROMPT[i], i, i == last, 1);
            ctx.decode(b);
            assertClose(full, ctx.logits(PROMPT.length - 1 - 4).toArray(ValueLayout.JAVA_FLOAT));
        }
        assertEquals(last, ctx.maxPosition(1));

        ctx.keepSequence(1);
        assertEquals(-1, ctx.maxPosition(0));
        assertEquals(last, ctx.maxPosition(1));

        ctx.clearMemory();
        assertEquals(-1, ctx.maxPosition(0));
        assertEquals(-1, ctx.maxPosition(1));

        // removing a tail and re-decoding it gives the same logits as the first time
        decodePrompt(ctx);
        assertTrue(ctx.removeTokens(0, 6, -1));
        assertEquals(5, ctx.maxPosition(0));
        try (Batch b = ctx.newBatch(2)) {
            b.add(PROMPT[6], 6, false).add(PROMPT[7], 7, true);
            ctx.decode(b);
            assertClose(full, ctx.logits(1).toArray(ValueLayout.JAVA_FLOAT));
        }
    }

    static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        int argE = 0;
        int argA = 0;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-3 + 1e-3 * Math.abs(expected[i]), "logit " + i);
            if (expected[i] > expected[argE]) argE = i;
            if (actual[i] > actual[argA]) argA = i;
        }
        assertEquals(argE, argA);
    }

    // ---- logits ----------------------------------------------------------------------------

    @Test
    void logitsAreAReadOnlyViewOfLlamaGetLogitsIth() throws ReflectiveOperationException {
        ctx.clearMemory();
        try (Batch b = ctx.newBatch(4)) {
            b.add(1, 0, true).add(300, 1, false).add(301, 2, true).add(302, 3, true);
            ctx.decode(b);
            MemorySegment handle = handleOf(ctx);
            for (int i : new int[] {0, 2, 3}) {
                MemorySegment view = ctx.logits(i);
                assertTrue(view.isReadOnly());
                assertEquals((long) ctx.vocabSize() * Float.BYTES, view.byteSize());
                // the FFM API reports writes to a read-only segment as IllegalArgumentException
                assertThrows(IllegalArgumentException.class, () -> view.set(ValueLayout.JAVA_FLOAT, 0, 1f));
                MemorySegment ith = LlamaLib.llama_get_logits_ith(handle, i).reinterpret(view.byteSize());
                assertArrayEquals(ith.toArray(ValueLayout.JAVA_FLOAT), view.toArray(ValueLayout.JAVA_FLOAT), "row of batch index " + i);
            }
            assertEquals(3, ctx.outputCount());
            assertEquals(-1, ctx.outputRow(1));
            assertEquals(2, ctx.outputRow(3));
            assertTrue(ctx.outputLogits().isReadOnly());
            assertEquals(3L * ctx.vocabSize() * Float.BYTES, ctx.outputLogits().byteSize());
        }
    }

    private static MemorySegment handleOf(Context c) throws ReflectiveOperationException {
        Field f = Context.class.getDeclaredField("handle");
        f.setAccessible(true);
        return (MemorySegment) f.get(c);
    }

    @Test
    void perfCountersCountDecodes() {
        ctx.resetCounters();
        assertEquals(0, ctx.decodeCalls());
        decodePrompt(ctx);
        try (Batch b = ctx.newBatch(1)) {
            for (int i = 0; i < 3; i++) {
                b.clear().add(400 + i, PROMPT.length + i, true);
                ctx.decode(b);
            }
        }
        assertEquals(4, ctx.decodeCalls());
        assertEquals(PROMPT.length + 3, ctx.decodedTokens());
        assertTrue(ctx.decodeNanos() > 0);
        PerfData p = ctx.perf();
        // llama.cpp counts the prompt batch as prompt eval and single-token decodes as eval
        assertEquals(PROMPT.length, p.promptTokens());
        assertEquals(3, p.evalTokens());
        assertTrue(p.promptEvalMs() > 0 && p.evalMs() > 0, p.toString());
    }

    // ---- chat templates, progress, logs -----------------------------------------------------

    @Test
    void chatmlTemplate() {
        List<ChatMessage> chat = List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi 🙂 été"));
        String expected = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi 🙂 été<|im_end|>\n<|im_start|>assistant\n";
        assertEquals(expected, ChatTemplates.apply("chatml", chat, true));
        assertEquals(expected.substring(0, expected.length() - "<|im_start|>assistant\n".length()),
                ChatTemplates.apply("chatml", chat, false));
        // a long conversation makes llama.cpp report a size larger than the first buffer
        String big = "x".repeat(5000);
        String out = ChatTemplates.apply("chatml", List.of(new ChatMessage("user", big), new ChatMessage("assistant", big)), true);
        assertEquals("<|im_start|>user\n" + big + "<|im_end|>\n<|im_start|>assistant\n" + big
                + "<|im_end|>\n<|im_start|>assistant\n", out);
        assertThrows(IllegalArgumentException.class,
                () -> ChatTemplates.apply("no-such-template-xyz", chat, true));
    }

    @Test
    void progressCallbackIsCalledAndCanCancel() throws IOException {
        List<Double> seen = new ArrayList<>();
        try (Model m = Model.load(modelPath, ModelParams.defaults().withProgress(p -> {
            seen.add(p);
            return true;
        }))) {
            assertFalse(seen.isEmpty());
            assertEquals(1.0, seen.get(seen.size() - 1), 1e-9);
            for (double p : seen) assertTrue(p >= 0 && p <= 1);
        }
        AtomicInteger calls = new AtomicInteger();
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> Model.load(modelPath, ModelParams.defaults().withProgress(p -> {
                    calls.incrementAndGet();
                    return false;
                })));
        assertTrue(e.getMessage().contains("cancel"), e.getMessage());
        assertTrue(calls.get() >= 1);
        // an exception in the listener must not cross the native frames: it cancels the load
        assertThrows(ModelLoadException.class, () -> Model.load(modelPath, ModelParams.defaults().withProgress(p -> {
            throw new IllegalStateException("boom");
        })));
        assertStillWorks();
    }

    @Test
    void llamaCppLogLinesAreRouted(@TempDir Path dir) throws IOException {
        // valid GGUF, unknown architecture: passes paradec's validator, llama.cpp refuses and logs why
        Path file = new GgufWriter().putString("general.architecture", "no-such-arch").write(dir.resolve("unknown.gguf"));
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> Model.load(file));
            assertTrue(e.getMessage().contains("unknown model architecture"), "llama.cpp's reason belongs in the message: " + e.getMessage());
        } finally {
            System.setErr(saved);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("llama.cpp") && log.contains("no-such-arch"), "captured: " + log);
        for (String line : log.split("\n")) assertFalse(line.isBlank() && !line.isEmpty());
        assertStillWorks();
    }

    /** Found by the fault-injection run of the robustness issue: each used to end the JVM. */
    @Test
    void callsThatAbortedLlamaCppAreRefusedInJava() throws IOException {
        IllegalArgumentException threads = assertThrows(IllegalArgumentException.class, () -> ctx.setThreads(100_000));
        assertTrue(threads.getMessage().contains("512"), threads.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ContextParams(N_CTX, N_BATCH, N_BATCH, 1, 100_000, false));
        try (Context split = model.newContext(new ContextParams(N_CTX, N_BATCH, N_BATCH, N_SEQ, 1, false))) {
            decodePrompt(split);
            IllegalArgumentException copy = assertThrows(IllegalArgumentException.class, () -> split.copySequence(0, 1, 2, 5));
            assertTrue(copy.getMessage().contains("unified"), copy.getMessage());
            split.copySequence(0, 1, -1, -1); // the whole sequence is what a split cache can copy
            assertEquals(split.maxPosition(0), split.maxPosition(1));
        }
        // an Error from the progress listener must not cross the native frames either
        assertThrows(ModelLoadException.class, () -> Model.load(modelPath, ModelParams.defaults().withProgress(p -> {
            throw new StackOverflowError("listener");
        })));
        assertStillWorks();
    }
}
