package paradec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import paradec.engine.ParadecModel;
import paradec.llama.ModelParams;
import paradec.server.OpenAiServer;

/** {@code paradec serve}: an OpenAI-compatible HTTP server on loopback until the process is stopped. */
final class ServeCommand {
    private ServeCommand() {}

    static final java.util.List<Options.Opt> OPTIONS = Options.table(GenerateCommand.MODEL, java.util.List.of(
            Options.Opt.value("--host", "ADDRESS", "127.0.0.1 (loopback)", "address to listen on"),
            Options.Opt.value("--port", "PORT", "8080", "port to listen on (0: any free one)"),
            Options.Opt.value("--parallel", "N", "2", "requests generated at once, a context each"),
            Options.Opt.value("--queue", "N", "16 x --parallel", "requests waiting for a slot; beyond that 503"),
            Options.Opt.value("--timeout", "SECONDS", "600", "per request, waiting included; then 504")));

    static final String NOTES = """
            OpenAI-compatible: GET /v1/models, POST /v1/completions and /v1/chat/completions ("stream": true for
            server-sent events), GET /health. The request field "decoder" picks any decoder of the model's family.""";

    static int run(String[] args, PrintStream out, PrintStream err) throws UsageException, IOException {
        Options o = Options.parse(args, 1, OPTIONS);
        // a long-lived process: the vector kernels from the first request on
        paradec.logits.LogitMath.useVectorsNow();
        if (!o.positional().isEmpty()) throw new UsageException("unexpected argument '" + o.positional().get(0) + "'");
        Path modelPath = Main.modelPath(o);
        String host = o.getOr("127.0.0.1", "--host");
        int port = o.getInt(8080, 0, 65535, "--port");
        int threads = o.getInt(0, 0, 512, "--threads");
        int parallel = o.getInt(2, 1, 64, "--parallel");
        OpenAiServer.Limits limits = new OpenAiServer.Limits(parallel, o.getInt(16 * parallel, 0, 1 << 16, "--queue"),
                java.time.Duration.ofSeconds(o.getInt(600, 1, 86_400, "--timeout")));
        ParadecModel model = ParadecModel.load(modelPath, Placement.modelParams(o), threads);
        OpenAiServer server = new OpenAiServer(model, modelPath.getFileName().toString(), host, port, limits);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            model.close();
            stopped.countDown();
        }));
        err.println("paradec: serving " + modelPath + " on http://" + host + ":" + server.port() + "/v1 (OpenAI-compatible; "
                + parallel + " slots, " + limits.queue() + " waiting at most, " + limits.timeout().toSeconds() + " s per request; Ctrl-C stops)");
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Main.OK;
    }
}
