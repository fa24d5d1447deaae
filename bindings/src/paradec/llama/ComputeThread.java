package paradec.llama;

import java.util.Objects;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The one thread of the process whose decodes run on more than one CPU thread, and a way to run work there.
 *
 * <p>Why: llama.cpp's CPU backend built with OpenMP (the default on Linux, and paradec's natives) runs a
 * multi-threaded graph as an OpenMP team of the calling thread, and GNU OpenMP keeps each calling thread's team
 * for as long as that thread lives. Once the process holds more such threads than it has CPUs, libgomp stops
 * letting any team's threads spin at ggml's barriers (a few hundred per decode): they sleep in the kernel after
 * ~100 spins, and every barrier waits for a wake-up. Measured on the 2-core development machine (a C loop of
 * one-token decodes of code-ar on 2 threads, one process): 4,699 tokens/s when one thread decodes, 826 when a
 * second thread decodes in between (5.7x slower), 5,042 when the second thread's decodes use one thread
 * (no team). {@code paradec serve}, whose requests run on whichever pool thread the HTTP server hands them to,
 * was there from its second request on: its thread chooser then kept every decode on 1 thread, and one request at a
 * time it generated at 0.71x llama-server's speed (1.01x with this class; docs/bench-serve.md).
 *
 * <p>So the first platform thread whose decode uses more than one thread becomes the process's team thread, for
 * as long as it lives; a decode on any other thread (any virtual thread too: its carrier changes) uses one thread,
 * which costs it the other cores but never slows the team thread's. A command-line program's main thread takes the
 * role by decoding first and keeps everything in place. A server whose work arrives on many threads calls
 * {@link #start()} first: paradec's own compute thread takes the role, and {@link #call} runs each piece of work
 * there when it is free (one hand-over, tens of microseconds) or else on the caller's thread, on one thread.
 * {@code ParadecModel} runs its generations through {@link #call}.
 *
 * <p>In a build without OpenMP (ggml's own thread pool) none of this applies: every thread decodes on its
 * context's threads and {@link #call} runs work in place.
 */
public final class ComputeThread {
    private ComputeThread() {}

    private static final boolean OPENMP = NativeLibrary.systemInfo().contains("OPENMP = 1");
    /** The team thread; null or dead: none. */
    private static volatile Thread team;
    /** paradec's compute thread, once started. */
    private static volatile Worker worker;

    /** Work that {@link #call} runs in place because the compute thread was busy, running now. */
    private static final AtomicInteger overflowing = new AtomicInteger();
    private static final int CORES = ContextParams.defaultThreads();

    /**
     * The threads a decode on the calling thread may use of the {@code wanted} its context chose: all of them on the
     * team thread while it has the cores to itself; one elsewhere; on the team thread, while work that {@link #call}
     * could not hand over runs beside it (one core each), what those leave of the cores. Without that share the
     * team's threads and the overflow's competed for the development machine's two cores: bursts of four requests to
     * the server (two slots) made 3,711 tokens/s in all against 4,533 with it (medians of 20, one noisy run); 0.90x
     * of the server before the team rule, when every decode ran on one thread (docs/bench-serve.md).
     */
    static int threadsFor(int wanted) {
        if (wanted == 1 || !mayRunTeam()) return 1;
        int beside = overflowing.get();
        return beside == 0 ? wanted : Math.max(1, Math.min(wanted, CORES - beside));
    }

    /**
     * Whether a decode on the calling thread may use more than one thread: it is the team thread, or becomes it
     * now because none lives (platform threads only).
     */
    static boolean mayRunTeam() {
        if (!OPENMP) return true;
        Thread me = Thread.currentThread();
        Thread t = team;
        if (t == me) return true;
        if (t != null && t.isAlive()) return false;
        if (me.isVirtual()) return false;
        synchronized (ComputeThread.class) {
            t = team;
            if (t == me) return true;
            if (t != null && t.isAlive()) return false;
            team = me;
            return true;
        }
    }

    /** The thread whose decodes use more than one thread, or null while none has decoded so (or it ended). */
    public static Thread teamThread() {
        Thread t = team;
        return t != null && t.isAlive() ? t : null;
    }

    /**
     * Starts paradec's compute thread and gives it the team role, unless another live thread holds it.
     *
     * @return whether the compute thread holds the role (always true in a build without OpenMP, where it is not needed)
     */
    public static boolean start() {
        if (!OPENMP) return true;
        synchronized (ComputeThread.class) {
            Worker w = worker;
            Thread t = team;
            if (w != null && t == w) return true;
            if (t != null && t.isAlive()) return false;
            if (w == null) {
                w = new Worker();
                worker = w;
                w.start();
            }
            team = w;
            return true;
        }
    }

    /**
     * Runs work where its decodes can use every thread of their contexts: here when this thread holds the team
     * role or another thread than paradec's compute thread does (a hand-over would gain nothing); on the compute
     * thread when it holds the role and is free (this thread waits, uninterruptibly; an interrupt is kept for
     * after); otherwise here, where decodes use one thread. A virtual thread, which never holds the role, starts
     * the compute thread when no thread holds it. Runtime exceptions and errors of the work reach the caller as
     * they are.
     */
    public static <T> T call(Supplier<T> work) {
        Objects.requireNonNull(work, "work");
        if (!OPENMP) return work.get();
        Thread me = Thread.currentThread();
        Thread t = teamThread();
        if (t == null && me.isVirtual()) {
            start();
            t = teamThread();
        }
        Worker w = worker;
        if (t == me || w == null || t != w) return work.get();
        if (w.busy.compareAndSet(false, true)) return w.run(work);
        overflowing.incrementAndGet();
        try {
            return work.get();
        } finally {
            overflowing.decrementAndGet();
        }
    }

    /** The compute thread: takes one piece of work at a time, hands back its result or throwable. */
    private static final class Worker extends Thread {
        final AtomicBoolean busy = new AtomicBoolean();
        private final SynchronousQueue<Job<?>> jobs = new SynchronousQueue<>();

        Worker() {
            super("paradec-compute");
            setDaemon(true);
        }

        /** Called with {@link #busy} taken for this caller. */
        <T> T run(Supplier<T> work) {
            Job<T> job = new Job<>(work);
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        jobs.put(job);
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                return job.await();
            } finally {
                if (interrupted) Thread.currentThread().interrupt();
            }
        }

        @Override
        public void run() {
            while (true) {
                Job<?> job;
                try {
                    job = jobs.take();
                } catch (InterruptedException e) {
                    continue; // nothing may stop the thread that holds the team role
                }
                job.execute(busy);
            }
        }
    }

    private static final class Job<T> {
        private final Supplier<T> work;
        private T result;
        private Throwable failure;
        private boolean done;

        Job(Supplier<T> work) {
            this.work = work;
        }

        void execute(AtomicBoolean busy) {
            T r = null;
            Throwable f = null;
            try {
                r = work.get();
            } catch (Throwable e) {
                f = e;
            }
            // free before the caller wakes, so that its next call finds the thread free
            busy.set(false);
            synchronized (this) {
                result = r;
                failure = f;
                done = true;
                notifyAll();
            }
        }

        synchronized T await() {
            boolean interrupted = false;
            while (!done) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
            if (failure instanceof RuntimeException e) throw e;
            if (failure instanceof Error e) throw e;
            if (failure != null) throw new IllegalStateException(failure); // a sneaky checked exception
            return result;
        }
    }
}
