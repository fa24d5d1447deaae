package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench's warm-up goes on while the JIT's compilers work more than a share of a pass's time. */
class JitClockTest {
    @Test
    void busyWhileTheCompilersWorkMoreThanTheShare() {
        AtomicLong nanos = new AtomicLong(5_000_000);
        BenchCommand.JitClock clock = new BenchCommand.JitClock(nanos::get, 0.01);
        long before = clock.nanos();
        nanos.addAndGet(11_000_000); // 11 ms of compiling in a 1 s pass: 1.1%
        assertTrue(clock.busy(before, 1_000_000_000L));
        before = clock.nanos();
        nanos.addAndGet(9_000_000); // 0.9%
        assertFalse(clock.busy(before, 1_000_000_000L));
    }

    @Test
    void countsTheCpuTimeOfTheCompilerThreadsOnly(@TempDir Path tasks) throws IOException {
        thread(tasks, "11", "C2 CompilerThre\n", "5000 120 7\n");
        thread(tasks, "12", "java\n", "99999999 1 1\n");
        thread(tasks, "13", "C1 CompilerThre\n", "700 3 2\n");
        thread(tasks, "14", "C2 CompilerThre\n", null); // ended between the listing and the read
        thread(tasks, "15", "GC Thread#0\n", "123456 0 0\n");
        assertEquals(5700, BenchCommand.JitClock.compilerThreadNanos(tasks));
        assertEquals(0, BenchCommand.JitClock.compilerThreadNanos(tasks.resolve("missing")));
    }

    @Test
    void withoutAClockItIsNeverBusyAndThisJvmHasOne() {
        assertFalse(new BenchCommand.JitClock(null, 0.01).busy(0, 1));
        BenchCommand.JitClock real = BenchCommand.JitClock.of();
        long first = real.nanos();
        assertTrue(first > 0, "a JVM that ran these tests has compiled something");
        assertTrue(real.nanos() >= first);
    }

    private static void thread(Path tasks, String tid, String comm, String schedstat) throws IOException {
        Path t = Files.createDirectories(tasks.resolve(tid));
        Files.writeString(t.resolve("comm"), comm);
        if (schedstat != null) Files.writeString(t.resolve("schedstat"), schedstat);
    }
}
