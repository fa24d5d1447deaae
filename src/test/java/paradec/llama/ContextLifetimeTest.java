package paradec.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import paradec.testing.PlainArgmax;
import paradec.testing.TestModels;

/** Native lifetimes bound to arenas, and the one-thread-at-a-time rule of a Context. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContextLifetimeTest {
    static final int[] PROMPT = {1, 300, 301, 302, 303, 310, 320, 330};
    static final int N_CTX = 64;

    Path modelPath;
    Model model;

    @BeforeAll
    void setUp() throws IOException {
        modelPath = TestModels.generated(2, 64, 4, 512, 5);
        model = Model.load(modelPath);
    }

    @AfterAll
    void tearDown() {
        model.close();
    }

    Context newContext(Model m) {
        return m.newContext(new ContextParams(N_CTX, 16, 16, 1, 1, true));
    }

    /** Decodes the prompt into seq 0 from an empty memory, last token's logits requested. */
    static void decodePrompt(Context c, Batch b) {
        c.clearMemory();
        b.clear();
        for (int i = 0; i < PROMPT.length; i++) b.add(PROMPT[i], i, i == PROMPT.length - 1);
        c.decode(b);
    }

    static int[] greedy(Context c, int steps) {
        int[] out = new int[steps];
        try (Context.Lease lease = c.acquire(); Batch b = c.newBatch(PROMPT.length)) {
            decodePrompt(c, b);
            int token = PlainArgmax.of(c.logits(PROMPT.length - 1));
            for (int s = 0; s < steps; s++) {
                out[s] = token;
                b.clear().add(token, PROMPT.length + s, true);
                c.decode(b);
                token = PlainArgmax.of(c.logits(0));
            }
        }
        return out;
    }

    // ---- logits views belong to one decode --------------------------------------------------

    @Test
    void logitsViewEndsAtNextDecodeAndAtClose() {
        for (boolean leased : new boolean[] {false, true}) {
            Context c = newContext(model);
            Context.Lease lease = leased ? c.acquire() : null;
            try (Batch b = c.newBatch(PROMPT.length)) {
                decodePrompt(c, b);
                MemorySegment row = c.logits(PROMPT.length - 1);
                MemorySegment all = c.outputLogits();
                float first = row.get(ValueLayout.JAVA_FLOAT, 0);
                assertEquals(first, all.get(ValueLayout.JAVA_FLOAT, 0));
                // asking again within the same decode gives views of the same arena, still valid
                assertEquals(first, c.logits(PROMPT.length - 1).get(ValueLayout.JAVA_FLOAT, 0));
                assertEquals(first, row.get(ValueLayout.JAVA_FLOAT, 0));

                b.clear().add(400, PROMPT.length, true);
                c.decode(b);
                assertThrows(IllegalStateException.class, () -> row.get(ValueLayout.JAVA_FLOAT, 0), "leased=" + leased);
                assertThrows(IllegalStateException.class, () -> all.get(ValueLayout.JAVA_FLOAT, 0));
                assertThrows(IllegalStateException.class, () -> row.toArray(ValueLayout.JAVA_FLOAT));

                MemorySegment row2 = c.logits(0);
                MemorySegment all2 = c.outputLogits();
                assertTrue(Float.isFinite(row2.get(ValueLayout.JAVA_FLOAT, 0)));
                // a failed decode ends the views too
                b.clear().add(5, 2, true); // position already used: llama.cpp rejects the batch
                assertThrows(LlamaException.class, () -> c.decode(b));
                assertThrows(IllegalStateException.class, () -> row2.get(ValueLayout.JAVA_FLOAT, 0));
                assertEquals(0, c.outputLogits().byteSize(), "a failed decode leaves no logits");

                b.clear().add(400, PROMPT.length + 1, true);
                c.decode(b);
                MemorySegment row3 = c.logits(0);
                MemorySegment all3 = c.outputLogits();
                assertTrue(Float.isFinite(row3.get(ValueLayout.JAVA_FLOAT, 0)));
                assertThrows(IllegalStateException.class, () -> all2.get(ValueLayout.JAVA_FLOAT, 0));
                c.close();
                assertThrows(IllegalStateException.class, () -> row3.get(ValueLayout.JAVA_FLOAT, 0));
                assertThrows(IllegalStateException.class, () -> all3.get(ValueLayout.JAVA_FLOAT, 0));
                assertThrows(IllegalStateException.class, () -> c.logits(0));
                assertThrows(IllegalStateException.class, c::outputLogits);
                assertTrue(c.isClosed());
            } finally {
                if (lease != null) lease.close();
            }
            assertDoesNotThrow(c::close);
        }
    }

    @Test
    void logitsViewUnderALeaseEndsWithTheLease() {
        try (Context c = newContext(model); Batch b = c.newBatch(PROMPT.length)) {
            MemorySegment row;
            try (Context.Lease lease = c.acquire()) {
                decodePrompt(c, b);
                row = c.logits(PROMPT.length - 1);
                float x = row.get(ValueLayout.JAVA_FLOAT, 0);
                try (Context.Lease inner = c.acquire()) { // reentrant: the inner lease ends nothing
                    assertTrue(c.isHeldByCurrentThread());
                }
                assertEquals(x, row.get(ValueLayout.JAVA_FLOAT, 0));
            }
            assertFalse(c.isHeldByCurrentThread());
            assertThrows(IllegalStateException.class, () -> row.get(ValueLayout.JAVA_FLOAT, 0));
            // the decode's logits themselves are still there: a new view may be taken
            float[] again = c.logits(PROMPT.length - 1).toArray(ValueLayout.JAVA_FLOAT);
            assertEquals(c.vocabSize(), again.length);
        }
    }

    @Test
    void viewWithoutALeaseMayBeReadByAnotherThread() throws Exception {
        try (Context c = newContext(model); Batch b = c.newBatch(PROMPT.length)) {
            decodePrompt(c, b);
            MemorySegment row = c.logits(PROMPT.length - 1);
            float expected = row.getAtIndex(ValueLayout.JAVA_FLOAT, 3);
            AtomicReference<Float> seen = new AtomicReference<>();
            Thread t = new Thread(() -> seen.set(row.getAtIndex(ValueLayout.JAVA_FLOAT, 3)));
            t.start();
            t.join();
            assertEquals(expected, seen.get());
        }
    }

    // ---- batch ------------------------------------------------------------------------------

    @Test
    void batchAccessorsAfterCloseThrow() {
        try (Context c = newContext(model)) {
            Batch b = c.newBatch(4, 1);
            b.add(1, 0, false).add(300, 1, true);
            assertEquals(300, b.token(1));
            assertEquals(1, b.position(1));
            assertTrue(b.isOutput(1));
            c.decode(b);
            b.close();
            assertThrows(IllegalStateException.class, () -> b.token(0));
            assertThrows(IllegalStateException.class, () -> b.position(1));
            assertThrows(IllegalStateException.class, () -> b.isOutput(1));
            assertThrows(IllegalStateException.class, () -> b.add(2, 2, true));
            assertThrows(IllegalStateException.class, b::clear);
            assertThrows(IllegalStateException.class, () -> c.decode(b));
            assertDoesNotThrow(b::close);
            // the context is unaffected
            try (Batch b2 = c.newBatch(1)) {
                b2.add(301, 2, true);
                c.decode(b2);
                assertTrue(Float.isFinite(c.logits(0).get(ValueLayout.JAVA_FLOAT, 0)));
            }
        }
    }

    @Test
    void manyBatchesAreFreedWithoutHarm() {
        // llama_batch_free runs as the arena's cleanup on a copy of the struct; many rounds of
        // create, fill (all sequence slots), decode and close show that it frees what it should once
        try (Context c = model.newContext(new ContextParams(N_CTX, 16, 16, 4, 1, true))) {
            for (int round = 0; round < 300; round++) {
                try (Batch b = c.newBatch(8, 4)) {
                    c.clearMemory();
                    for (int i = 0; i < 8; i++) b.add(1 + i, i, i == 7, 0, 1, 2, 3);
                    c.decode(b);
                }
            }
            assertEquals(7, c.maxPosition(3));
        }
    }

    @Test
    void closingABatchWhileAnotherThreadDecodesItWaitsForTheDecode() throws Exception {
        Random random = new Random(3);
        try (Context c = model.newContext(new ContextParams(256, 256, 256, 1, 1, true))) {
            for (int round = 0; round < 20; round++) {
                Batch big = c.newBatch(256);
                for (int i = 0; i < 256; i++) big.add(1 + i % 500, i, i == 255);
                AtomicReference<Throwable> outcome = new AtomicReference<>();
                CountDownLatch started = new CountDownLatch(1);
                Thread t = new Thread(() -> outcome.set(catchAll(() -> {
                    try (Context.Lease lease = c.acquire()) {
                        started.countDown();
                        for (int r = 0; r < 1000; r++) {
                            c.clearMemory();
                            c.decode(big);
                        }
                    }
                })));
                t.start();
                started.await();
                Thread.sleep(random.nextInt(15));
                big.close();
                t.join();
                assertNotNull(outcome.get());
                assertEquals(IllegalStateException.class, outcome.get().getClass(), String.valueOf(outcome.get()));
                assertThrows(IllegalStateException.class, () -> big.token(0));
            }
            assertTrue(greedy(c, 3).length == 3);
        }
    }

    /** Bytes in use in glibc's main malloc arena plus its mmapped chunks (mallinfo2), or -1. */
    static long mallocInUse() {
        var linker = java.lang.foreign.Linker.nativeLinker();
        var symbol = linker.defaultLookup().find("mallinfo2");
        if (symbol.isEmpty()) return -1;
        var layout = java.lang.foreign.MemoryLayout.sequenceLayout(10, ValueLayout.JAVA_LONG);
        var mallinfo2 = linker.downcallHandle(symbol.get(), java.lang.foreign.FunctionDescriptor.of(
                java.lang.foreign.MemoryLayout.structLayout(layout)));
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment info = (MemorySegment) mallinfo2.invokeExact((java.lang.foreign.SegmentAllocator) arena);
            // fields: arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost
            return info.getAtIndex(ValueLayout.JAVA_LONG, 7) + info.getAtIndex(ValueLayout.JAVA_LONG, 4);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Test
    void closingABatchFreesItsNativeArrays() {
        // llama_batch_free runs as the arena's cleanup, on a copy of the struct: if it did not run,
        // 2000 batches of 256 tokens x 4 sequences would leak about 2000 * 256 * 37 bytes (19 MB)
        try (Context c = model.newContext(new ContextParams(256, 256, 256, 4, 1, true))) {
            Runnable cycle = () -> {
                try (Batch b = c.newBatch(256, 4)) {
                    b.add(1, 0, true, 0, 1, 2, 3);
                }
            };
            for (int i = 0; i < 200; i++) cycle.run();
            org.junit.jupiter.api.Assumptions.assumeTrue(mallocInUse() >= 0, "no mallinfo2 in this C library");
            // the whole process's heap is measured, and the JIT's own native arenas come and go meanwhile: a leak
            // grows the heap in every round (~19 MB per 2000 batches), noise does not, so the quietest round counts
            long quietest = Long.MAX_VALUE;
            for (int round = 0; round < 3; round++) {
                long before = mallocInUse();
                for (int i = 0; i < 2000; i++) cycle.run();
                quietest = Math.min(quietest, mallocInUse() - before);
            }
            assertTrue(quietest < 2_000_000, "native heap grew by " + quietest + " bytes over 2000 batches in every round");
        }
    }

    // ---- threads ----------------------------------------------------------------------------

    @Test
    void anotherThreadGetsIllegalStateWhileHeld() throws Exception {
        try (Context c = newContext(model); Batch b = c.newBatch(PROMPT.length)) {
            float[] expected;
            try (Context.Lease lease = c.acquire()) {
                decodePrompt(c, b);
                expected = c.logits(PROMPT.length - 1).toArray(ValueLayout.JAVA_FLOAT);
                MemorySegment view = c.logits(PROMPT.length - 1);
                String me = Thread.currentThread().getName();
                AtomicReference<Throwable> decodeErr = new AtomicReference<>();
                AtomicReference<Throwable> logitsErr = new AtomicReference<>();
                AtomicReference<Throwable> removeErr = new AtomicReference<>();
                AtomicReference<Throwable> acquireErr = new AtomicReference<>();
                AtomicReference<Throwable> closeLeaseErr = new AtomicReference<>();
                Thread other = new Thread(() -> {
                    decodeErr.set(catchAll(() -> c.decode(b)));
                    logitsErr.set(catchAll(() -> c.logits(PROMPT.length - 1)));
                    removeErr.set(catchAll(() -> c.removeTokens(0, 0, -1)));
                    acquireErr.set(catchAll(c::acquire));
                    closeLeaseErr.set(catchAll(lease::close));
                }, "intruder");
                other.start();
                other.join();
                for (AtomicReference<Throwable> e : java.util.List.of(decodeErr, logitsErr, removeErr, acquireErr)) {
                    assertNotNull(e.get());
                    assertEquals(IllegalStateException.class, e.get().getClass(), String.valueOf(e.get()));
                    assertEquals("context is in use by thread " + me, e.get().getMessage());
                }
                assertEquals(IllegalStateException.class, closeLeaseErr.get().getClass());
                // the holder's state is unaffected: same logits, same memory, view still valid
                assertArrayEquals(expected, view.toArray(ValueLayout.JAVA_FLOAT));
                assertEquals(PROMPT.length - 1, c.maxPosition(0));
                assertArrayEquals(expected, c.logits(PROMPT.length - 1).toArray(ValueLayout.JAVA_FLOAT));
            }
            // once released another thread may use it
            AtomicReference<Throwable> err = new AtomicReference<>();
            AtomicReference<float[]> row = new AtomicReference<>();
            Thread next = new Thread(() -> err.set(catchAll(() -> {
                try (Context.Lease l = c.acquire()) {
                    decodePrompt(c, b);
                    row.set(c.logits(PROMPT.length - 1).toArray(ValueLayout.JAVA_FLOAT));
                }
            })));
            next.start();
            next.join();
            assertNull(err.get());
            assertArrayEquals(expected, row.get());
        }
    }

    @Test
    void anotherThreadGetsIllegalStateDuringACall() throws Exception {
        // no lease: the holder is inside a decode while another thread calls
        try (Context c = model.newContext(new ContextParams(256, 256, 256, 1, 1, true));
             Batch big = c.newBatch(256)) {
            for (int i = 0; i < 256; i++) big.add(1 + i % 500, i, i == 255);
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger tries = new AtomicInteger();
            CountDownLatch started = new CountDownLatch(1);
            Thread decoder = new Thread(() -> {
                started.countDown();
                for (int r = 0; r < 20; r++) {
                    while (true) {
                        try {
                            c.clearMemory();
                            c.decode(big);
                            break;
                        } catch (IllegalStateException busy) {
                            // the main thread was inside maxPosition: the rule applies both ways
                        }
                    }
                }
            }, "decoder");
            decoder.start();
            started.await();
            while (decoder.isAlive()) {
                tries.incrementAndGet();
                try {
                    c.maxPosition(0);
                } catch (IllegalStateException e) {
                    assertEquals("context is in use by thread decoder", e.getMessage());
                    refused.incrementAndGet();
                }
            }
            decoder.join();
            assertTrue(refused.get() > 0, "tries " + tries.get());
            assertEquals(255, c.maxPosition(0));
        }
    }

    @Test
    void closeDuringAGenerationOnAnotherThread() throws Exception {
        Random random = new Random(42);
        int interrupted = 0;
        for (int round = 0; round < 50; round++) {
            Context c = newContext(model);
            WorkerResult r = runWorkerAndClose(c, c::close, random);
            if (r.outcome != null) {
                assertEquals(IllegalStateException.class, r.outcome.getClass(), String.valueOf(r.outcome));
                assertEquals("context was closed", r.outcome.getMessage());
                interrupted++;
            }
            assertTrue(c.isClosed());
            assertThrows(IllegalStateException.class, c::acquire);
        }
        assertTrue(interrupted > 0, "no close landed during a generation");
        // the model and its other contexts are fine
        try (Context c = newContext(model)) {
            assertEquals(greedy(c, 4).length, 4);
        }
    }

    @Test
    void modelCloseDuringAGenerationOnAnotherThread() throws Exception {
        Random random = new Random(7);
        for (int round = 0; round < 5; round++) {
            Model m = Model.load(modelPath);
            Context c = newContext(m);
            WorkerResult r = runWorkerAndClose(c, m::close, random);
            if (r.outcome != null) {
                assertEquals(IllegalStateException.class, r.outcome.getClass(), String.valueOf(r.outcome));
                assertTrue(java.util.Set.of("context was closed", "model is closed").contains(r.outcome.getMessage()),
                        r.outcome.getMessage());
            }
            assertTrue(c.isClosed());
            assertTrue(m.isClosed());
            assertThrows(IllegalStateException.class, m::vocab);
        }
    }

    record WorkerResult(Throwable outcome, int decodes) {}

    /** A worker generates in a loop under a lease; the caller closes at a random moment. */
    static WorkerResult runWorkerAndClose(Context c, Runnable closer, Random random) throws InterruptedException {
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        AtomicInteger decodes = new AtomicInteger();
        CountDownLatch running = new CountDownLatch(1);
        Thread worker = new Thread(() -> {
            try {
                Batch b = c.newBatch(PROMPT.length);
                try {
                    for (int gen = 0; gen < 1000; gen++) {
                        try (Context.Lease lease = c.acquire()) {
                            decodePrompt(c, b);
                            int token = PlainArgmax.of(c.logits(PROMPT.length - 1));
                            running.countDown();
                            for (int s = 0; s < N_CTX - PROMPT.length; s++) {
                                b.clear().add(token, PROMPT.length + s, true);
                                c.decode(b);
                                decodes.incrementAndGet();
                                token = PlainArgmax.of(c.logits(0));
                            }
                        }
                    }
                } finally {
                    b.close();
                }
            } catch (Throwable t) {
                outcome.set(t);
            } finally {
                running.countDown();
            }
        }, "generator");
        worker.start();
        assertTrue(running.await(30, TimeUnit.SECONDS));
        Thread.sleep(random.nextInt(21));
        closer.run();
        worker.join(TimeUnit.SECONDS.toMillis(60));
        assertFalse(worker.isAlive(), "the worker must stop once the context is closed");
        return new WorkerResult(outcome.get(), decodes.get());
    }

    @Test
    void twoContextsOnOneModelInParallelMatchSingleThreaded() throws Exception {
        int steps = 24;
        int[] expected;
        try (Context c = newContext(model)) {
            expected = greedy(c, steps);
        }
        try (Context c1 = newContext(model); Context c2 = newContext(model)) {
            AtomicReference<int[]> r1 = new AtomicReference<>();
            AtomicReference<int[]> r2 = new AtomicReference<>();
            AtomicReference<Throwable> err = new AtomicReference<>();
            CountDownLatch go = new CountDownLatch(1);
            Thread t1 = new Thread(() -> err.compareAndSet(null, catchAll(() -> {
                go.await();
                for (int i = 0; i < 5; i++) r1.set(greedy(c1, steps));
            })));
            Thread t2 = new Thread(() -> err.compareAndSet(null, catchAll(() -> {
                go.await();
                for (int i = 0; i < 5; i++) r2.set(greedy(c2, steps));
            })));
            t1.start();
            t2.start();
            go.countDown();
            t1.join();
            t2.join();
            assertNull(err.get());
            assertArrayEquals(expected, r1.get());
            assertArrayEquals(expected, r2.get());
        }
    }

    interface Action {
        void run() throws Exception;
    }

    static Throwable catchAll(Action a) {
        try {
            a.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }
}
