package paradec.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import paradec.llama.Rpc;
import paradec.llama.RpcServerLostException;

/**
 * The thread a model on RPC servers does its native work on, watched from the caller's thread.
 *
 * <p>llama.cpp has no way back from a lost RPC server: its call never returns (paradec's abort hook parks
 * the aborting thread, see {@link Rpc}), or it waits forever on a server that stopped answering. So the
 * work runs here and the caller waits with a watchdog: a lost endpoint, or no heartbeat (a decode that
 * returned, load progress) for the timeout, ends the wait with {@link RpcServerLostException}, and this
 * thread is left behind.
 */
final class RpcWorker {
    private static final long POLL_MILLIS = 50;

    private final List<String> endpoints;
    private final long timeoutNanos;
    private final ExecutorService thread;
    private final AtomicLong beats = new AtomicLong();
    private volatile LongSupplier decodes = () -> 0;
    private volatile String lost;

    RpcWorker(List<String> endpoints, Duration timeout) {
        this.endpoints = List.copyOf(endpoints);
        this.timeoutNanos = timeout.toNanos();
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "paradec-rpc " + String.join(",", endpoints));
            t.setDaemon(true); // a thread stuck on a lost server must not keep the JVM from exiting
            return t;
        });
    }

    /** Counts load progress as a heartbeat. */
    void beat() {
        beats.incrementAndGet();
    }

    /** Where the decode heartbeat comes from once the model is loaded. */
    void watchDecodes(LongSupplier decodesReturned) {
        this.decodes = decodesReturned;
    }

    /** Why the servers are lost, or null while they answer. */
    String lostReason() {
        if (lost != null) return lost;
        for (String e : endpoints) {
            String why = Rpc.lostReason(e);
            if (why != null) return lost = "RPC server " + e + " lost: " + why;
        }
        return null;
    }

    /**
     * Runs work on this worker's thread and returns its result, or throws what it threw.
     *
     * @throws RpcServerLostException when a server is lost or makes no progress for the timeout
     */
    <T> T call(Callable<T> work) {
        String why = lostReason();
        if (why != null) throw new RpcServerLostException(why);
        Future<T> result = thread.submit(work);
        long lastBeat = heartbeat();
        long quietSince = System.nanoTime();
        while (true) {
            try {
                return result.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException notYet) {
                why = lostReason();
                if (why != null) throw new RpcServerLostException(why);
                long beat = heartbeat();
                if (beat != lastBeat) {
                    lastBeat = beat;
                    quietSince = System.nanoTime();
                } else if (System.nanoTime() - quietSince > timeoutNanos) {
                    String silent = "no answer for " + Duration.ofNanos(timeoutNanos).toSeconds() + " s";
                    Rpc.markLost(endpoints, silent);
                    lost = "RPC server " + String.join(",", endpoints) + " lost: " + silent;
                    throw new RpcServerLostException(lost);
                }
            } catch (ExecutionException failed) {
                Throwable cause = failed.getCause();
                if (cause instanceof RuntimeException e) throw e;
                if (cause instanceof Error e) throw e;
                if (cause instanceof IOException e) throw new UncheckedIOException(e);
                throw new IllegalStateException(cause);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the RPC servers", interrupted);
            }
        }
    }

    private long heartbeat() {
        return beats.get() + decodes.getAsLong();
    }

    /** Lets the thread end once its queue is empty; a thread stuck on a lost server just stays parked. */
    void shutdown() {
        thread.shutdown();
    }
}
