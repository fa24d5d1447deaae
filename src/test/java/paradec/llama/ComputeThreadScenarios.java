package paradec.llama;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import paradec.testing.PlainArgmax;
import paradec.testing.TestModels;

/**
 * {@link ComputeThread}'s rules, each scenario in a fresh JVM (the team role lasts as long as its thread): run by
 * {@link ComputeThreadTest} with {@code -Dparadec.fixed-threads=true}, so a context set to 2 threads decodes on 2
 * wherever it may. Prints {@code PASS} at the end; a broken rule ends the child with a message and exit code 1.
 */
public final class ComputeThreadScenarios {
    private static Model model;
    private static int[] prompt;
    private static int reference;

    public static void main(String[] args) throws Exception {
        model = Model.load(TestModels.root().resolve("models/code-ar.gguf"));
        prompt = model.vocab().tokenize("def fibonacci(n):", true, false);
        reference = -1; // each scenario's first decode sets it
        switch (args[0]) {
            case "first-decoder" -> firstDecoder();
            case "compute-thread" -> computeThread();
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.println("PASS");
    }

    /** No start(): the first thread to decode on 2 threads holds the role while it lives, then the next one takes it. */
    private static void firstDecoder() throws Exception {
        Thread main = Thread.currentThread();
        try (Context c = newContext()) {
            Decode first = onOtherThread(false, () -> decode(c));
            reference = first.token;
            check(first.threads == 2, "the first thread to decode does so on 2 threads: " + first);
            check(ComputeThread.teamThread() == null, "the role ends with its thread");
            check(decode(c).threads == 2, "the main thread takes the role at its first decode");
            check(ComputeThread.teamThread() == main, "the main thread holds the role");
            check(onOtherThread(false, () -> decode(c)).threads == 1, "another platform thread decodes on 1 thread");
            check(onOtherThread(true, () -> decode(c)).threads == 1, "a virtual thread decodes on 1 thread");
            check(!ComputeThread.start(), "start() leaves the role to the live main thread");
            Decode called = onOtherThread(false, () -> ComputeThread.call(() -> decode(c)));
            check(called.thread.equals("other") && called.threads == 1,
                    "call() from another thread runs there when a thread other than the compute thread holds the role: " + called);
            check(ComputeThread.call(() -> decode(c)).thread.equals("main"), "call() from the team thread runs in place");
            check(decode(c).threads == 2, "the main thread still decodes on 2 threads");
        }
    }

    /** start() first, as the server does: work handed to call() runs on the compute thread while it is free. */
    private static void computeThread() throws Exception {
        check(ComputeThread.start(), "start() takes the role when no thread holds it");
        check(ComputeThread.teamThread() != null && ComputeThread.teamThread().getName().equals("paradec-compute"), "the compute thread holds the role");
        try (Context c = newContext()) {
            reference = ComputeThread.call(() -> decode(c)).token;
            check(decode(c).threads == 1, "the main thread decodes on 1 thread");
            for (int i = 0; i < 20; i++) {
                Decode d = ComputeThread.call(() -> decode(c));
                check(d.thread.equals("paradec-compute") && d.threads == 2, "call " + i + " from the main thread ran on the compute thread: " + d);
            }
            Decode fromVirtual = onOtherThread(true, () -> ComputeThread.call(() -> decode(c)));
            check(fromVirtual.thread.equals("paradec-compute") && fromVirtual.threads == 2, "a virtual thread's call ran on the compute thread: " + fromVirtual);
            String nested = ComputeThread.call(() -> ComputeThread.call(() -> Thread.currentThread().getName()));
            check(nested.equals("paradec-compute"), "a call from the compute thread runs in place (no deadlock): " + nested);
        }
        IllegalStateException thrown = new IllegalStateException("from the work");
        check(failure(() -> {
            throw thrown;
        }) == thrown, "a runtime exception reaches the caller as it is");
        AssertionError error = new AssertionError("an error");
        check(failure(() -> {
            throw error;
        }) == error, "an error reaches the caller as it is");
        Thread.currentThread().interrupt();
        String after = ComputeThread.call(() -> "done");
        check(after.equals("done") && Thread.interrupted(), "an interrupted caller waits for the result and keeps its interrupt");
        // three callers at once, each with its own context, their work overlapping: one gets the compute thread, the
        // two others run in place on one thread each, and the compute thread's decodes share the cores with them
        List<Context> contexts = List.of(newContext(), newContext(), newContext());
        try {
            CyclicBarrier together = new CyclicBarrier(3);
            List<Decode> done = Collections.synchronizedList(new ArrayList<>());
            List<Thread> callers = new ArrayList<>();
            for (Context c : contexts) {
                callers.add(Thread.ofPlatform().name("caller").start(() -> done.add(ComputeThread.call(() -> {
                    await(together);
                    Decode d = decode(c);
                    await(together);
                    return d;
                }))));
            }
            for (Thread t : callers) t.join();
            check(done.size() == 3, "three calls returned: " + done);
            int share = Math.max(1, Math.min(2, ContextParams.defaultThreads() - 2));
            long onCompute = done.stream().filter(d -> d.thread.equals("paradec-compute") && d.threads == share).count();
            long inPlace = done.stream().filter(d -> d.thread.equals("caller") && d.threads == 1).count();
            check(onCompute == 1 && inPlace == 2, "one call on the compute thread (" + share + " threads beside two others), two in place "
                    + "(1 thread): " + done);
            Decode alone = ComputeThread.call(() -> decode(contexts.get(0)));
            check(alone.thread.equals("paradec-compute") && alone.threads == 2, "with the others done, 2 threads again: " + alone);
        } finally {
            for (Context c : contexts) c.close();
        }
    }

    record Decode(String thread, int threads, int token) {}

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Context newContext() {
        return model.newContext(new ContextParams(256, 64, 64, 1, 2, false));
    }

    /** Decodes the prompt; the thread it ran on, the threads llama.cpp used, the greedy next token (checked). */
    private static Decode decode(Context c) {
        try (Context.Lease lease = c.acquire(); Batch batch = c.newBatch(64)) {
            c.clearMemory();
            for (int i = 0; i < prompt.length; i++) batch.add(prompt[i], i, i == prompt.length - 1);
            c.decode(batch);
            int token = PlainArgmax.of(c.logits(prompt.length - 1));
            check(reference < 0 || token == reference, "the decode gave another token: " + token + " against " + reference);
            return new Decode(Thread.currentThread().getName(), c.threadsInUse(), token);
        }
    }

    private static <T> T onOtherThread(boolean virtual, java.util.function.Supplier<T> work) throws InterruptedException {
        Object[] out = new Object[1];
        Throwable[] failed = new Throwable[1];
        Runnable r = () -> {
            try {
                out[0] = work.get();
            } catch (Throwable e) {
                failed[0] = e;
            }
        };
        Thread t = virtual ? Thread.ofVirtual().name("other-virtual").start(r) : Thread.ofPlatform().name("other").start(r);
        t.join();
        if (failed[0] != null) throw new IllegalStateException(failed[0]);
        @SuppressWarnings("unchecked") T result = (T) out[0];
        return result;
    }

    private static Throwable failure(java.util.function.Supplier<Object> work) {
        try {
            ComputeThread.call(work);
            return null;
        } catch (Throwable e) {
            return e;
        }
    }

    private static void check(boolean ok, String rule) {
        if (ok) return;
        System.out.println("FAILED: " + rule);
        System.exit(1);
    }
}
