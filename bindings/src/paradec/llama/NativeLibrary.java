package paradec.llama;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import java.io.InputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import paradec.llama.internal.LlamaLib;
import paradec.llama.internal.ggml_log_callback;

/**
 * Finds, loads and initialises libllama and ggml once per JVM.
 *
 * <p>The library is looked up, in order: on the class path (the {@code io.paradec:paradec-natives}
 * jar of this platform, extracted once to a cache folder per build, {@code ~/.cache/paradec/natives}
 * or under {@code paradec.cache.dir}), then in the folder of the system property {@value #DIR_PROPERTY},
 * of the environment variable {@value #DIR_ENV}, and the build folder {@code build/llama/bin} that
 * {@code make native} fills (relative to {@code paradec.root} or the working directory).
 *
 * <p>A build made by {@code make native} carries {@value #BUILD_INFO}, which names the llama.cpp
 * commit it was built from; a build of another commit than the one the bindings were generated for
 * ({@value #LLAMA_CPP_COMMIT}) is refused with a clear message instead of calling into a different ABI.
 *
 * <p>llama.cpp's log lines go to the slf4j logger {@code llama.cpp}, unless the system property
 * {@value #LOG_PROPERTY} is {@code off} when the library loads: then they stay in native code (the command line
 * does this unless {@code --verbose}, whose logger is off anyway). A model that fails to load still names
 * llama.cpp's reason: the log is routed from then on and the load tried once more to read it.
 */
public final class NativeLibrary {
    public static final String DIR_PROPERTY = "paradec.native.dir";
    public static final String DIR_ENV = "PARADEC_NATIVE_DIR";
    static final String BUILD_DIR = "build/llama/bin";
    /** The llama.cpp commit (v0.5.0) whose llama.h the bindings were generated from. */
    public static final String LLAMA_CPP_COMMIT = "de3ff815ea7d559ee917f063901b8986f038abc6";
    /** The file {@code make native} writes beside the libraries: commit, platform, libraries. */
    public static final String BUILD_INFO = "paradec-native.properties";
    /** Class-path folders of the natives jars, most capable first. */
    private static final String[] CLASSPATH_PLATFORMS = {"linux-x86_64-cuda", "linux-x86_64"};

    // ggml before llama: the symbol lookup of the bindings only sees libraries loaded here.
    private static final String[] LIBRARIES = {"libggml-base.so", "libggml-cpu.so", "libggml-cuda.so", "libggml-rpc.so", "libggml.so", "libllama.so"};
    /** System property: {@code off} keeps llama.cpp's log lines out of Java (read when the library loads). */
    public static final String LOG_PROPERTY = "paradec.nativeLog";

    /** slf4j's logger, made on the first routed line: a run that routes nothing never starts slf4j. */
    private static final class Log {
        static final Logger NATIVE = LoggerFactory.getLogger("llama.cpp");
    }

    private static volatile boolean logRouted;

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
            checkBuild(dir);
            String nativeAccess = nativeAccessProblem();
            // JDK 22-25 only warn (several lines naming System::load); a later JDK refuses: either way, one
            // line that says what to add, before the first restricted call
            if (nativeAccess != null) System.err.println(nativeAccess);
            try {
                for (String lib : LIBRARIES) {
                    Path p = dir.resolve(lib);
                    if (Files.exists(p)) System.load(p.toAbsolutePath().toString());
                }
            } catch (IllegalCallerException e) {
                throw new IllegalStateException(nativeAccess != null ? nativeAccess : e.getMessage(), e);
            }
            if ("off".equals(System.getProperty(LOG_PROPERTY))) silenceLog();
            else routeLog();
            LlamaLib.llama_backend_init();
            // A build with GGML_BACKEND_DL keeps CPU/CUDA backends in separate modules; this finds them.
            LlamaLib.ggml_backend_load_all();
            loadedFrom = dir;
            return dir;
        }
    }

    /**
     * The line to print when the JVM was started without native access for paradec's module, or null when
     * it has it: {@code --enable-native-access=ALL-UNNAMED} on the class path, {@code =paradec.llama} on
     * the module path.
     */
    static String nativeAccessProblem() {
        Module module = NativeLibrary.class.getModule();
        if (module.isNativeAccessEnabled()) return null;
        String flag = "--enable-native-access=" + (module.isNamed() ? module.getName() : "ALL-UNNAMED");
        return "paradec: native access is not enabled: start java with " + flag
                + " (paradec calls llama.cpp through the FFM API; this JDK warns, a later one refuses)";
    }

    private static Path locate() {
        List<String> tried = new ArrayList<>();
        Path extracted = fromClassPath(tried);
        if (extracted != null) return extracted;
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

    /** The natives jar's libraries, extracted once per build into the cache; null when no such jar is on the class path. */
    private static Path fromClassPath(List<String> tried) {
        for (String platform : CLASSPATH_PLATFORMS) {
            String base = "/paradec/natives/" + platform + "/";
            try (InputStream info = NativeLibrary.class.getResourceAsStream(base + BUILD_INFO)) {
                if (info == null) continue;
                byte[] infoBytes = info.readAllBytes();
                Properties p = new Properties();
                p.load(new java.io.ByteArrayInputStream(infoBytes));
                String cache = System.getProperty("paradec.cache.dir");
                Path root = cache != null ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache", "paradec");
                Path dir = root.resolve("natives").resolve(platform + "-" + p.getProperty("llama.cpp.commit", "unknown").substring(0, 12)
                        + "-" + Integer.toHexString(java.util.Arrays.hashCode(infoBytes)));
                Files.createDirectories(dir);
                for (String lib : p.getProperty("libraries", "").split(",")) {
                    if (lib.isBlank()) continue;
                    // a plain file name: a listed "../x" must not write outside the cache folder
                    if (!lib.strip().matches("lib[A-Za-z0-9._-]+\\.so")) throw new IOException("the natives jar lists a bad library name: " + lib);
                    Path target = dir.resolve(lib.strip());
                    if (Files.isRegularFile(target)) continue;
                    try (InputStream in = NativeLibrary.class.getResourceAsStream(base + lib.strip())) {
                        if (in == null) throw new IOException("the natives jar lists " + lib + " but does not hold it");
                        // another JVM may extract at the same time: write aside, then move into place
                        Path tmp = Files.createTempFile(dir, lib.strip(), ".part");
                        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                Files.write(dir.resolve(BUILD_INFO), infoBytes);
                return dir;
            } catch (IOException e) {
                tried.add("class path natives for " + platform + " (" + e.getMessage() + ")");
            }
        }
        tried.add("class path (no io.paradec:paradec-natives jar)");
        return null;
    }

    /** Refuses a build of another llama.cpp than the bindings': its structs and functions may differ. */
    static void checkBuild(Path dir) {
        Path info = dir.resolve(BUILD_INFO);
        if (!Files.isRegularFile(info)) return; // a build made by hand: nothing to check against
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(info)) {
            p.load(in);
        } catch (IOException e) {
            throw new IllegalStateException(info + ": unreadable (" + e.getMessage() + ")", e);
        }
        String commit = p.getProperty("llama.cpp.commit", "");
        if (!commit.equals(LLAMA_CPP_COMMIT)) {
            throw new IllegalStateException("the native library in " + dir + " was built from llama.cpp " + commit
                    + ", but paradec's bindings were generated for " + LLAMA_CPP_COMMIT + " (v0.5.0): rebuild it with 'make native'");
        }
    }

    /** Sends llama.cpp's log lines to slf4j from now on (what happens unless {@value #LOG_PROPERTY} is off). */
    static synchronized void routeLog() {
        if (logRouted) return;
        MemorySegment callback = ggml_log_callback.allocate(NativeLibrary::onLog, Arena.global());
        LlamaLib.llama_log_set(callback, MemorySegment.NULL);
        logRouted = true;
    }

    /** Whether llama.cpp's log lines reach Java (and {@link #firstError()} can see them). */
    static boolean logRouted() {
        return logRouted;
    }

    /**
     * Leaves llama.cpp's log lines in native code. llama.cpp calls its log callback for every line of every level:
     * a Java callback costs an upcall a line (~200 in a model load) and a stub that takes a young JVM 10-20 ms to
     * make (phase marks of a one-shot generate). The silent callback is libc's {@code abs}: it reads its first
     * argument (the level) and touches nothing; the text and user data are left unread in argument registers, which
     * the C calling conventions of x86-64 and AArch64 leave to the caller. Without it, the log is routed.
     */
    private static void silenceLog() {
        var abs = Linker.nativeLinker().defaultLookup().find("abs");
        if (abs.isEmpty()) {
            routeLog();
            return;
        }
        LlamaLib.llama_log_set(abs.get(), MemorySegment.NULL);
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
            case 4 -> Log.NATIVE.error(line);
            case 3 -> Log.NATIVE.warn(line);
            case 2 -> Log.NATIVE.info(line);
            default -> Log.NATIVE.debug(line);
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
