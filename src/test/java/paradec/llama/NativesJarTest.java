package paradec.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import paradec.testing.TestModels;

/**
 * The natives jar (io.paradec:paradec-natives:linux-x86_64, what {@code make install} installs) is
 * enough to run paradec: with no folder configured the libraries come off the class path, extracted
 * once into the cache. A native build of another llama.cpp than the bindings' is refused.
 */
class NativesJarTest {
    @TempDir
    Path dir;

    /** The jar as bindings/natives packs it, from the staging folder make native fills. */
    Path nativesJar() throws IOException {
        Path staging = TestModels.nativeDir().resolve("../natives").normalize();
        Assumptions.assumeTrue(Files.isRegularFile(staging.resolve(NativeLibrary.BUILD_INFO)), "no natives staged by make native");
        Path jar = dir.resolve("paradec-natives-linux-x86_64.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            try (var files = Files.list(staging)) {
                for (Path f : files.toList()) {
                    out.putNextEntry(new JarEntry("paradec/natives/linux-x86_64/" + f.getFileName()));
                    Files.copy(f, out);
                    out.closeEntry();
                }
            }
        }
        return jar;
    }

    record Run(int code, String out, String err) {}

    Run paradec(List<String> jvmOptions, String classPath, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classPath, "paradec.cli.Main"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().remove(NativeLibrary.DIR_ENV);
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void theNativesJarAloneRunsAGeneration() throws Exception {
        Path jar = nativesJar();
        Path cache = dir.resolve("cache");
        String model = TestModels.root().resolve("models/code-ar.gguf").toString();
        Run r = paradec(List.of("-Dparadec.cache.dir=" + cache), System.getProperty("java.class.path") + ":" + jar,
                "generate", "-m", model, "-p", "def f(x):", "-n", "4", "--json", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"generated_tokens\":4"), r.out());
        try (var found = Files.walk(cache)) {
            assertTrue(found.anyMatch(f -> f.getFileName().toString().equals("libllama.so")), "extracted into " + cache);
        }
        // a second run reuses what was extracted
        Run again = paradec(List.of("-Dparadec.cache.dir=" + cache), System.getProperty("java.class.path") + ":" + jar,
                "generate", "-m", model, "-p", "def f(x):", "-n", "4", "--json", "--threads", "1");
        assertEquals(0, again.code(), again.err());
    }

    @Test
    void aBuildOfAnotherLlamaCppIsRefused() throws Exception {
        Path other = dir.resolve("other-build");
        Files.createDirectories(other);
        try (var libs = Files.list(TestModels.nativeDir())) {
            for (Path f : libs.filter(f -> f.getFileName().toString().matches("lib(ggml|llama).*")).toList()) {
                Files.copy(f, other.resolve(f.getFileName()));
            }
        }
        Files.writeString(other.resolve(NativeLibrary.BUILD_INFO), "llama.cpp.commit=0123456789abcdef0123456789abcdef01234567\n");
        Run r = paradec(List.of("-D" + NativeLibrary.DIR_PROPERTY + "=" + other), System.getProperty("java.class.path"),
                "generate", "-m", TestModels.root().resolve("models/code-ar.gguf").toString(), "-p", "x", "-n", "1");
        assertTrue(r.code() != 0, r.out());
        assertTrue(r.err().contains("was built from llama.cpp 0123456789ab") && r.err().contains("make native"), r.err());
    }
}
