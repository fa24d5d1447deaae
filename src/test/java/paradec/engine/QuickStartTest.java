package paradec.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import paradec.testing.TestModels;

/** examples/QuickStart.java, the README's Java example, compiles against the library and runs. */
class QuickStartTest {
    @Test
    void compilesAndRunsOnTheDefaultModel(@TempDir Path out) throws Exception {
        Path source = TestModels.root().resolve("examples/QuickStart.java");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-d", out.toString(), "-cp", System.getProperty("java.class.path"),
                "--add-modules", "jdk.incubator.vector", "-proc:none", source.toString());
        assertEquals(0, rc, diagnostics.toString(StandardCharsets.UTF_8));

        PrintStream saved = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader())) {
            Method main = loader.loadClass("QuickStart").getMethod("main", String[].class);
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[] {TestModels.root().resolve("models/code-ar.gguf").toString()});
        } finally {
            System.setOut(saved);
        }
        List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
        assertTrue(lines.getFirst().startsWith("def fibonacci(n):"), lines.getFirst());
        String summary = lines.getLast();
        assertTrue(summary.matches("jacobi: \\d+ tokens in \\d+ forward calls .*stopped by (max_tokens|stop_string|eog)"), summary);
        assertTrue(Files.isRegularFile(out.resolve("QuickStart.class")));
    }
}
