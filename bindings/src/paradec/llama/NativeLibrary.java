package paradec.llama;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import paradec.llama.internal.LlamaLib;
import paradec.llama.internal.ggml_log_callback;

/**
 * Finds, loads and initialises libllama and ggml once per JVM.
 *
 * <p>The library folder is looked up, in order, from the system property {@value #DIR_PROPERTY},
 * the environment variable {@value #DIR_ENV}, and the build folder {@code build/llama/bin} that
 * {@code make native} fills (relative to {@code paradec.root} or the working directory).
 */
public final class NativeLibrary {
    public static final String DIR_PROPERTY = "paradec.native.dir";
    public static final String DIR_ENV = "PARADEC_NATIVE_DIR";
    static final String BUILD_DIR = "build/llama/bin";

    // ggml before llama: the symbol lookup of the bindings only sees libraries loaded here.
    private static final String[] LIBRARIES = {"libggml-base.so", "libggml.so", "libllama.so"};
    private static final Logger NATIVE_LOG = LoggerFactory.getLogger("llama.cpp");

    private static volatile Path loadedFrom;
    private static final StringBuilder pendingLine = new StringBuilder();
    private static int pendingLevel = 2;

    private NativeLibrary() {}

    /**
     * Loads the native library if not yet loaded.
     *
     * @return the folder it was loaded from
     * @throws IllegalStateException if no folder holds libllama.so; the message names every place looked at
     */
    public static Path ensureLoaded() {
        Path dir = loadedFrom;
        if (dir != null) return dir;
        synchronized (NativeLibrary.class) {
            if (loadedFrom != null) return loadedFrom;
            dir = locate();
            for (String lib : LIBRARIES) {
                Path p = dir.resolve(lib);
                if (Files.exists(p)) System.load(p.toAbsolutePath().toString());
            }
            installLogRouting();
            LlamaLib.llama_backend_init();
            // A build with GGML_BACKEND_DL keeps CPU/CUDA backends in separate modules; this finds them.
            LlamaLib.ggml_backend_load_all();
            loadedFrom = dir;
            return dir;
        }
    }

    private static Path locate() {
        List<String> tried = new ArrayList<>();
        String prop = System.getProperty(DIR_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            Path p = Path.of(prop);
            if (Files.isRegularFile(p.resolve("libllama.so"))) return p;
            tried.add("system property " + DIR_PROPERTY + "=" + prop + " (no libllama.so there)");
        } else {
            tried.add("system property " + DIR_PROPERTY + " (not set)");
        }
        String env = System.getenv(DIR_ENV);
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            if (Files.isRegularFile(p.resolve("libllama.so"))) return p;
            tried.add("environment variable " + DIR_ENV + "=" + env + " (no libllama.so there)");
        } else {
            tried.add("environment variable " + DIR_ENV + " (not set)");
        }
        Path root = Path.of(System.getProperty("paradec.root", "."));
        Path build = root.resolve(BUILD_DIR).toAbsolutePath().normalize();
        if (Files.isRegularFile(build.resolve("libllama.so"))) return build;
        tried.add("build folder " + build + " (run 'make native')");
        throw new IllegalStateException("libllama.so not found; looked at: " + String.join("; ", tried));
    }

    private static void installLogRouting() {
        MemorySegment callback = ggml_log_callback.allocate(NativeLibrary::onLog, Arena.global());
        LlamaLib.llama_log_set(callback, MemorySegment.NULL);
    }

    // llama.cpp logs in pieces; a line is complete at '\n', and level 5 (CONT) continues the last one.
    private static void onLog(int level, MemorySegment text, MemorySegment userData) {
        if (text.equals(MemorySegment.NULL)) return;
        String piece = Strings.fromC(text);
        synchronized (pendingLine) {
            if (level != 5) pendingLevel = level;
            pendingLine.append(piece);
            int nl;
            while ((nl = pendingLine.indexOf("\n")) >= 0) {
                emit(pendingLevel, pendingLine.substring(0, nl));
                pendingLine.delete(0, nl + 1);
            }
        }
    }

    // the first llama.cpp error line since the last clearError(), per thread: folded into exception
    // messages, so that callers (the CLI) can report one line instead of pointing at the log
    private static final ThreadLocal<String> firstError = new ThreadLocal<>();

    static void clearError() {
        firstError.remove();
    }

    /** The first llama.cpp error line logged on this thread since {@link #clearError()}, or null. */
    static String firstError() {
        return firstError.get();
    }

    private static void emit(int level, String line) {
        if (line.isBlank()) return;
        if (level == 4 && firstError.get() == null) firstError.set(line.strip());
        switch (level) {
            case 4 -> NATIVE_LOG.error(line);
            case 3 -> NATIVE_LOG.warn(line);
            case 2 -> NATIVE_LOG.info(line);
            default -> NATIVE_LOG.debug(line);
        }
    }

    /** llama.cpp's description of the CPU features and backends it was built with. */
    public static String systemInfo() {
        ensureLoaded();
        return Strings.fromC(LlamaLib.llama_print_system_info());
    }

    /** True when the loaded build can offload layers to a GPU. */
    public static boolean supportsGpuOffload() {
        ensureLoaded();
        return LlamaLib.llama_supports_gpu_offload();
    }
}
