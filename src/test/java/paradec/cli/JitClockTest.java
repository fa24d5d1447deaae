package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.CompilationMXBean;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** bench's warm-up goes on while the JIT compiles more than 5% of a pass's time. */
class JitClockTest {
    static final class FakeJit implements CompilationMXBean {
        long millis;

        @Override public String getName() { return "fake"; }
        @Override public boolean isCompilationTimeMonitoringSupported() { return true; }
        @Override public long getTotalCompilationTime() { return millis; }
        @Override public ObjectName getObjectName() { return null; }
    }

    @Test
    void busyWhileCompilingTakesMoreThanFivePercentOfAPass() {
        FakeJit fake = new FakeJit();
        BenchCommand.JitClock clock = new BenchCommand.JitClock(fake);
        long before = clock.millis();
        fake.millis += 60; // 60 ms of compiling in a 1 s pass: 6%
        assertTrue(clock.busy(before, 1_000_000_000L));
        before = clock.millis();
        fake.millis += 40; // 4%
        assertFalse(clock.busy(before, 1_000_000_000L));
    }

    @Test
    void withoutTheBeanItIsNeverBusyAndThisJvmHasOne() {
        assertFalse(new BenchCommand.JitClock(null).busy(0, 1));
        BenchCommand.JitClock real = BenchCommand.JitClock.of();
        long first = real.millis();
        assertTrue(first > 0, "a JVM that ran these tests has compiled something");
        assertTrue(real.millis() >= first);
    }
}
