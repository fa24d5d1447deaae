package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import paradec.testing.TestModels;

/** The repository layout the project promises. */
class LayoutTest {
    private static final Path ROOT = TestModels.root();

    @ParameterizedTest
    @ValueSource(strings = {"bindings/generated/paradec/llama/internal/LlamaLib.java", "Makefile", "README.md", "pom.xml"})
    void regularFileExists(String path) {
        Path p = ROOT.resolve(path);
        assertTrue(Files.isRegularFile(p), p + " must be a file");
        assertTrue(p.toFile().length() > 0, p + " must not be empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bindings/src", "decoder/src", "gguf-tools/src", "models", "src/test"})
    void directoryExists(String path) {
        assertTrue(Files.isDirectory(ROOT.resolve(path)), ROOT.resolve(path) + " must be a directory");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bin/paradec", ".ci/run"})
    void executableExists(String path) {
        Path p = ROOT.resolve(path);
        assertTrue(Files.isRegularFile(p), p + " must be a file");
        assertTrue(Files.isExecutable(p), p + " must be executable");
    }
}
