package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class CompilerThreadsTest {

    @Test
    void recognisesHotSpotsCompilerThreadsByTheirProcName() {
        assertTrue(CompilerThreads.isCompiler("C1 CompilerThre"));
        assertTrue(CompilerThreads.isCompiler("C2 CompilerThre"));
        assertFalse(CompilerThreads.isCompiler("main"));
        assertFalse(CompilerThreads.isCompiler("GC Thread#0"));
        assertFalse(CompilerThreads.isCompiler("VM Thread"));
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void renicesTheNamedThreadsAndNoOther() throws Exception {
        CountDownLatch started = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        Runnable park = () -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Thread target = Thread.ofPlatform().name("pdx-nice-target").start(park);
        Thread other = Thread.ofPlatform().name("pdx-nice-other").start(park);
        try {
            started.await();
            long targetTid = tidOf("pdx-nice-target");
            long otherTid = tidOf("pdx-nice-other");
            int otherBefore = niceOf(otherTid);
            // 19, the highest: raising a thread's nice value is allowed whatever the process's own
            assertEquals(1, CompilerThreads.renice(name -> name.equals("pdx-nice-target"), 19));
            assertEquals(19, niceOf(targetTid));
            assertEquals(otherBefore, niceOf(otherTid));
        } finally {
            release.countDown();
            target.join();
            other.join();
        }
    }

    @Test
    void aMalformedOrOutOfRangePropertyAsksForNothing() throws Exception {
        String old = System.getProperty(CompilerThreads.PROPERTY);
        try {
            java.util.Map<Long, Integer> before = compilerNices();
            for (String v : new String[] {"", "x", "-5", "20", "99999999999"}) {
                System.setProperty(CompilerThreads.PROPERTY, v);
                CompilerThreads.applyProperty();
            }
            java.util.Map<Long, Integer> after = compilerNices();
            after.keySet().retainAll(before.keySet()); // compiler threads come and go
            before.keySet().retainAll(after.keySet());
            assertEquals(before, after);
        } finally {
            if (old == null) System.clearProperty(CompilerThreads.PROPERTY);
            else System.setProperty(CompilerThreads.PROPERTY, old);
        }
    }

    /** Nice value by thread id of this JVM's compiler threads (none off Linux). */
    private static java.util.Map<Long, Integer> compilerNices() throws Exception {
        java.util.Map<Long, Integer> out = new java.util.HashMap<>();
        if (!Files.isDirectory(Path.of("/proc/self/task"))) return out;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    if (!CompilerThreads.isCompiler(Files.readString(task.resolve("comm")).strip())) continue;
                    long tid = Long.parseLong(task.getFileName().toString());
                    out.put(tid, niceOf(tid));
                } catch (java.io.IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return out;
    }

    /** The kernel's id of this process's thread with that name (HotSpot gives a Java thread's name to its native one). */
    private static long tidOf(String name) throws Exception {
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                if (Files.readString(task.resolve("comm")).strip().equals(name)) return Long.parseLong(task.getFileName().toString());
            }
        }
        throw new AssertionError("no thread named " + name + " in /proc/self/task");
    }

    /** The nice value of one of this process's threads, from /proc (field 19 of its stat line). */
    private static int niceOf(long tid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/self/task", Long.toString(tid), "stat"));
        // the name, field 2, is in parentheses and may hold spaces: count fields after its closing one
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Integer.parseInt(after[16]);
    }
}
