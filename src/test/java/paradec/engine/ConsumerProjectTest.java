package paradec.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import paradec.llama.ModelParams;
import paradec.llama.NativeLibrary;
import paradec.testing.TestModels;

/**
 * What a Java developer outside this repository does: a Maven project of their own that depends on the
 * installed {@code io.paradec:paradec} and {@code io.paradec:paradec-natives:linux-x86_64}, compiles
 * {@code examples/QuickStart.java}, and runs it on the default model with nothing but
 * {@code --enable-native-access=ALL-UNNAMED}: no paradec variable, no property, a working directory
 * without a build folder. The natives come off the class path.
 *
 * <p>The artifacts must be in the local Maven repository: {@code make test} runs the build as
 * {@code mvn install}, which installs the library and the natives before this module's tests run, and
 * sets {@code paradec.consumer.required} so that their absence fails instead of skipping. A plain
 * {@code mvn test} without a previous {@code make install} skips this test and says why.
 */
class ConsumerProjectTest {
    static final String VERSION = System.getProperty("paradec.version", "0.1.0-SNAPSHOT");
    static final String CLASSIFIER = System.getProperty("paradec.natives.classifier", "linux-x86_64");

    @TempDir
    Path project;

    static Path localRepository() {
        String configured = System.getProperty("maven.repo.local");
        return configured != null ? Path.of(configured) : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    static Path installed(String artifact, String classifier) {
        return localRepository().resolve("io/paradec").resolve(artifact).resolve(VERSION)
                .resolve(artifact + "-" + VERSION + (classifier == null ? "" : "-" + classifier) + ".jar");
    }

    public record Run(int code, String out, String err) {}

    /** A child process with paradec's variable removed from its environment. */
    static Run run(Path dir, List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().remove(NativeLibrary.DIR_ENV);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " ran past " + timeoutSeconds + " s");
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void aProjectOutsideTheRepositoryRunsQuickStartOffTheInstalledArtifacts() throws Exception {
        boolean present = Files.isRegularFile(installed("paradec", null)) && Files.isRegularFile(installed("paradec-natives", CLASSIFIER));
        String missing = "io.paradec:paradec:" + VERSION + " and io.paradec:paradec-natives:" + VERSION
                + ":" + CLASSIFIER + " are not in " + localRepository() + " (make install, or make test, installs them)";
        if (Boolean.getBoolean("paradec.consumer.required")) assertTrue(present, missing);
        Assumptions.assumeTrue(present, missing);

        Files.writeString(project.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>com.example</groupId>
                  <artifactId>uses-paradec</artifactId>
                  <version>1</version>
                  <properties>
                    <maven.compiler.release>22</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                  <dependencies>
                    <dependency>
                      <groupId>io.paradec</groupId>
                      <artifactId>paradec</artifactId>
                      <version>%1$s</version>
                    </dependency>
                    <dependency>
                      <groupId>io.paradec</groupId>
                      <artifactId>paradec-natives</artifactId>
                      <version>%1$s</version>
                      <classifier>%2$s</classifier>
                      <scope>runtime</scope>
                    </dependency>
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
                      <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
                      <plugin><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version></plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(VERSION, CLASSIFIER));
        Path sources = Files.createDirectories(project.resolve("src/main/java"));
        Files.copy(TestModels.root().resolve("examples/QuickStart.java"), sources.resolve("QuickStart.java"));

        List<String> mvn = new ArrayList<>(List.of("mvn", "-B", "-q", "-o", "compile", "dependency:build-classpath",
                "-Dmdep.outputFile=classpath.txt", "-Dmdep.includeScope=runtime"));
        if (System.getProperty("maven.repo.local") != null) mvn.add("-Dmaven.repo.local=" + localRepository());
        Run build = run(project, mvn, 300);
        assertEquals(0, build.code(), "the consumer project's build failed:\n" + build.out() + build.err());
        String classPath = Files.readString(project.resolve("classpath.txt")).strip();
        assertTrue(classPath.contains("paradec-natives-" + VERSION + "-" + CLASSIFIER + ".jar"), classPath);
        assertTrue(classPath.contains("paradec-" + VERSION + ".jar"), classPath);
        assertFalse(classPath.contains("slf4j-simple"), "the library must not bring a logging binding: " + classPath);

        Path model = TestModels.root().resolve("models/code-ar.gguf");
        Run quickStart = run(project, List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", "target/classes" + File.pathSeparator + classPath,
                "QuickStart", model.toString()), 180);
        assertEquals(0, quickStart.code(), quickStart.err());
        assertFalse(Files.exists(project.resolve("build")), "no build folder to fall back on");

        // the text is the library's own greedy continuation: Jacobi is lossless against AR
        String expected;
        try (ParadecModel inProcess = ParadecModel.load(model, ModelParams.defaults(), 1)) {
            expected = inProcess.generate("def fibonacci(n):", GenerationRequest.of("ar").maxTokens(64).stop("\n\n\n")).text();
        }
        String printed = quickStart.out();
        String summary = printed.strip().lines().toList().getLast();
        assertTrue(summary.matches("jacobi: \\d+ tokens in \\d+ forward calls .*stopped by (max_tokens|stop_string|eog)"), summary);
        String generated = printed.substring("def fibonacci(n):".length(), printed.lastIndexOf(summary));
        assertEquals(expected, generated.substring(0, generated.length() - System.lineSeparator().length()));
    }
}
