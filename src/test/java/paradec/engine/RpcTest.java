package paradec.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import paradec.cli.Main;
import paradec.generation.GenerationResult;
import paradec.llama.ModelParams;
import paradec.llama.Rpc;
import paradec.testing.TestModels;

/**
 * llama.cpp's RPC backend on loopback: a ggml-rpc-server started here computes every layer, and the tokens
 * are the local run's. A server that dies or freezes mid-generation ends that generation with a clear error
 * and exit code, in a child JVM so that a failure to contain it is seen as a crash, not as a lost test run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RpcTest {
    static final String PROMPT = "def fibonacci(n):";
    Process server;
    String endpoint;

    @BeforeAll
    void startServer() throws Exception {
        server = startRpcServer();
        endpoint = "127.0.0.1:" + portOf(server);
    }

    @AfterAll
    void stopServer() {
        if (server != null) server.destroyForcibly();
    }

    private static final java.util.Map<Process, Integer> PORTS = new java.util.concurrent.ConcurrentHashMap<>();

    static int portOf(Process p) {
        return PORTS.get(p);
    }

    /** A ggml-rpc-server on a free loopback port, one thread, answering HELLO before this returns. */
    static Process startRpcServer() throws Exception {
        Path binary = TestModels.nativeDir().resolve("ggml-rpc-server");
        assertTrue(Files.isExecutable(binary), binary + " is missing: make native builds it (GGML_RPC=ON)");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Process p = new ProcessBuilder(binary.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port), "-t", "1")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        PORTS.put(p, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                Rpc.probe("127.0.0.1:" + port, Duration.ofSeconds(2));
                return p;
            } catch (IOException notYet) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IllegalStateException("ggml-rpc-server did not come up on port " + port, notYet);
                }
                Thread.sleep(100);
            }
        }
    }

    @Test
    void everyDecoderGivesTheLocalTokensWhenEveryLayerRunsOnTheServer() throws IOException {
        Path file = TestModels.root().resolve("models/code-ar.gguf");
        try (ParadecModel local = ParadecModel.load(file, ModelParams.defaults(), 1);
             ParadecModel remote = ParadecModel.load(file, ModelParams.defaults().withGpuLayers(-1).withRpcServers(List.of(endpoint)), 1)) {
            int[] prompt = local.tokenize(PROMPT);
            int[] reference = local.generate(prompt, GenerationRequest.of("ar").maxTokens(32)).tokens();
            for (String decoder : List.of("ar", "jacobi", "lookahead")) {
                GenerationResult r = remote.generate(prompt, GenerationRequest.of(decoder).maxTokens(32));
                assertArrayEquals(reference, r.tokens(), decoder + " on the RPC server");
            }
        }
    }

    @Test
    void aDiffusionPolicyGivesTheLocalTokensOnTheServer() throws IOException {
        Path file = TestModels.root().resolve("models/code-dlm.gguf");
        try (ParadecModel local = ParadecModel.load(file, ModelParams.defaults(), 1);
             ParadecModel remote = ParadecModel.load(file, ModelParams.defaults().withGpuLayers(-1).withRpcServers(List.of(endpoint)), 1)) {
            int[] prompt = local.tokenize(PROMPT);
            GenerationRequest request = GenerationRequest.of("fast-dllm").maxTokens(32);
            assertArrayEquals(local.generate(prompt, request).tokens(), remote.generate(prompt, request).tokens());
        }
    }

    @Test
    void anUnreachableServerIsAClearErrorBeforeLlamaCppConnects() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Path file = TestModels.root().resolve("models/code-ar.gguf");
        IOException e = assertThrows(IOException.class, () -> ParadecModel.load(file,
                ModelParams.defaults().withGpuLayers(-1).withRpcServers(List.of("127.0.0.1:" + closedPort)).withRpcTimeout(Duration.ofSeconds(2)), 1));
        assertTrue(e.getMessage().contains("127.0.0.1:" + closedPort) && e.getMessage().contains("cannot be reached"), e.getMessage());
        // a listener that never answers HELLO: the timeout, not a hang
        try (ServerSocket silent = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            long t0 = System.nanoTime();
            IOException quiet = assertThrows(IOException.class, () -> Rpc.probe("127.0.0.1:" + silent.getLocalPort(), Duration.ofSeconds(1)));
            assertTrue(quiet.getMessage().contains("did not answer"), quiet.getMessage());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
        }
        assertThrows(IllegalArgumentException.class, () -> ModelParams.defaults().withRpcServers(List.of("no-port")));
        assertThrows(IllegalArgumentException.class, () -> ModelParams.defaults().withRpcServers(List.of("h:70000")));
        assertThrows(IllegalArgumentException.class, () -> ModelParams.defaults().withRpcServers(List.of("[::1]:50052")));
    }

    @Test
    void cliUsageErrorsForBadRpcOptions() {
        for (String[] bad : List.of(new String[] {"--rpc", "nohost"}, new String[] {"--rpc", "h:0"}, new String[] {"--rpc", "a:1,a:1"},
                new String[] {"--tensor-split", "1,x"}, new String[] {"--tensor-split", "0,0"}, new String[] {"--rpc-timeout", "0"})) {
            List<String> args = new ArrayList<>(List.of("generate", "-p", "hi", "-n", "2"));
            args.addAll(List.of(bad));
            var err = new java.io.ByteArrayOutputStream();
            int rc = Main.run(args.toArray(new String[0]), new java.io.PrintStream(new java.io.ByteArrayOutputStream()), new java.io.PrintStream(err));
            assertEquals(Main.USAGE, rc, String.join(" ", bad) + " -> " + err);
            assertTrue(err.toString().contains(bad[0]), err.toString());
        }
    }

    /** What a generation in a child JVM did when its RPC server was killed or frozen under it. */
    record ChildRun(int exitCode, String stderr, long millis) {}

    @Test
    void aServerKilledMidGenerationEndsItWithExitCode3AndTheJvmLives(@TempDir Path dir) throws Exception {
        Process victim = startRpcServer();
        try {
            ChildRun r = generateInChild(dir, "127.0.0.1:" + portOf(victim), "60", () -> victim.destroyForcibly());
            assertEquals(Main.BAD_INPUT, r.exitCode(), r.stderr());
            assertTrue(r.stderr().contains("RPC server") && r.stderr().contains("lost"), r.stderr());
            assertNoCrashFile(dir);
        } finally {
            victim.destroyForcibly();
        }
    }

    @Test
    void aFrozenServerIsDeclaredLostAfterTheTimeoutNotAHang(@TempDir Path dir) throws Exception {
        Process victim = startRpcServer();
        try {
            // long enough that a busy machine's slow load or context set-up is not taken for a frozen server
            ChildRun r = generateInChild(dir, "127.0.0.1:" + portOf(victim), "10", () -> signal(victim, "STOP"));
            assertEquals(Main.BAD_INPUT, r.exitCode(), r.stderr());
            assertTrue(r.stderr().contains("no answer for 10 s"), r.stderr());
            assertNoCrashFile(dir);
        } finally {
            signal(victim, "CONT");
            victim.destroyForcibly();
        }
    }

    /**
     * Runs {@code paradec generate --rpc ...} for many tokens in a child JVM, does something to the server
     * once tokens are streaming, and returns how the child ended (within 60 s, else the test fails).
     */
    private static ChildRun generateInChild(Path dir, String endpoint, String timeoutSeconds, Runnable toTheServer) throws Exception {
        Path out = dir.resolve("out.txt"), err = dir.resolve("err.txt");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                "-Dparadec.native.dir=" + TestModels.nativeDir(), "-Dorg.slf4j.simpleLogger.defaultLogLevel=off",
                "-cp", System.getProperty("java.class.path"), "paradec.cli.Main", "generate",
                "-m", TestModels.root().resolve("models/code-ar.gguf").toString(), "-p", PROMPT, "-n", "100000", "--ctx", "8192",
                "--threads", "1", "--rpc", endpoint, "--rpc-timeout", timeoutSeconds);
        long t0 = System.nanoTime();
        Process child = new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (Files.size(out) < 200) {
                assertTrue(child.isAlive(), "the child ended before streaming: " + Files.readString(err));
                assertTrue(System.nanoTime() < deadline, "no tokens streamed within 60 s");
                Thread.sleep(20);
            }
            toTheServer.run();
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child hung after its RPC server went away");
            return new ChildRun(child.exitValue(), Files.readString(err), (System.nanoTime() - t0) / 1_000_000);
        } finally {
            child.destroyForcibly();
        }
    }

    private static void signal(Process p, String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertNoCrashFile(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().startsWith("hs_err_pid")), "a JVM crash file appeared");
        }
    }
}
