package paradec.cli;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Lowers the scheduling priority of some of this JVM's threads, found by name (Linux only; elsewhere nothing).
 *
 * <p>Why: a short run (one {@code generate}) starts while the JIT compiler has a long queue, and on a small machine its
 * compiler thread takes a core from ggml's workers, whose spinning barriers then wait for the thread that lost its
 * slice. At nice 19 the compiler runs on what ggml leaves. {@code bin/paradec} asks for it on one-shot commands
 * ({@code -Dparadec.compilerNice=19}); long-running ones keep the JVM's defaults.
 */
final class CompilerThreads {
    /** The system property that asks {@link Main} for it: the nice value to give the JIT compiler threads. */
    static final String PROPERTY = "paradec.compilerNice";
    private static final Path TASKS = Path.of("/proc/self/task");
    private static final int PRIO_PROCESS = 0; // with a thread id, setpriority applies to that thread alone (Linux)

    private CompilerThreads() {}

    /** Whether a thread's name (as /proc shows it: 15 bytes at most) is one of HotSpot's JIT compiler threads. */
    static boolean isCompiler(String name) {
        return name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler") || name.startsWith("JVMCI");
    }

    /** Applies {@link #PROPERTY} if it is set to a nice value in 0..19; never throws. */
    static void applyProperty() {
        String value = System.getProperty(PROPERTY);
        if (value == null) return;
        try {
            int nice = Integer.parseInt(value.trim());
            if (nice >= 0 && nice <= 19) renice(CompilerThreads::isCompiler, nice);
        } catch (NumberFormatException e) {
            // a malformed value asks for nothing
        }
    }

    /**
     * Sets the nice value of this process's threads whose name matches. Raising a nice value needs no privilege.
     *
     * @return how many threads it was set for (0 where /proc or setpriority is missing)
     */
    static int renice(Predicate<String> name, int nice) {
        Optional<MethodHandle> setpriority = Setpriority.HANDLE;
        if (setpriority.isEmpty() || !Files.isDirectory(TASKS)) return 0;
        int done = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                int tid;
                String comm;
                try {
                    tid = Integer.parseInt(task.getFileName().toString());
                    comm = Files.readString(task.resolve("comm")).strip();
                } catch (IOException | NumberFormatException e) {
                    continue; // the thread ended meanwhile
                }
                if (name.test(comm) && (int) setpriority.get().invokeExact(PRIO_PROCESS, tid, nice) == 0) done++;
            }
        } catch (Throwable e) {
            // best effort: the run goes on at the default priorities
        }
        return done;
    }

    private static final class Setpriority {
        static final Optional<MethodHandle> HANDLE = find();

        private static Optional<MethodHandle> find() {
            try {
                Linker linker = Linker.nativeLinker();
                Optional<MemorySegment> symbol = linker.defaultLookup().find("setpriority");
                return symbol.map(s -> linker.downcallHandle(s, FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)));
            } catch (RuntimeException | Error e) {
                return Optional.empty();
            }
        }
    }
}
