package paradec.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import paradec.engine.ParadecModel;
import paradec.gguf.SynthSpec;
import paradec.json.JsonReader;
import paradec.llama.ModelParams;
import paradec.testing.TestModels;

/**
 * What the server takes on: one slot busy with a long streamed generation, one request waiting in a queue
 * of one, the next answered 503 at once; the streaming client disconnects and its generation stops, which
 * frees the slot for the waiting one; a request past its timeout gets 504 (an error event when streamed).
 * The long generations run on a synthesized 4-layer model with a 32k vocabulary, slow enough to be caught
 * in the middle.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerLimitsTest {
    static final String LONG = "{\"prompt\":\"Once upon a time\",\"max_tokens\":1800,\"stream\":true}";
    ParadecModel model;
    final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    void load() throws Exception {
        Path file = TestModels.synth("llama-spm-l4-e256-c2048", new SynthSpec("llama", 4, 256, 8, 4, 768, 2048, 7,
                TestModels.vocab("llama-spm"), 0));
        model = ParadecModel.load(file, ModelParams.defaults(), 1);
    }

    @AfterAll
    void close() {
        model.close();
    }

    HttpResponse<String> post(OpenAiServer server, String body) throws Exception {
        return client.send(request(server, body), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest request(OpenAiServer server, String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    Map<String, Object> health(OpenAiServer server) throws Exception {
        return JsonReader.parseObject(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    void awaitHealth(OpenAiServer server, Predicate<Map<String, Object>> condition) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, Object> h = health(server);
        while (!condition.test(h)) {
            assertTrue(System.nanoTime() < until, "server never reached the expected state: " + h);
            Thread.sleep(5);
            h = health(server);
        }
    }

    /** A raw HTTP/1.1 client, so that the test decides when the connection goes away. */
    static Socket openStream(OpenAiServer server, String body) throws Exception {
        Socket socket = new Socket("127.0.0.1", server.port());
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.contains("data: ")) {
            // status line, headers, chunk sizes: until the first event
        }
        assertTrue(line != null, "the stream ended before its first event");
        return socket;
    }

    @Test
    void aFullQueueIs503AndADisconnectedStreamFreesItsSlot() throws Exception {
        try (OpenAiServer server = new OpenAiServer(model, "slow", "127.0.0.1", 0, new OpenAiServer.Limits(1, 1, Duration.ofMinutes(5)))) {
            Socket streaming = openStream(server, LONG);
            awaitHealth(server, h -> ((Number) h.get("slots_busy")).intValue() == 1);
            CompletableFuture<HttpResponse<String>> queued = client.sendAsync(request(server, "{\"prompt\":\"Hello\",\"max_tokens\":4}"),
                    HttpResponse.BodyHandlers.ofString());
            awaitHealth(server, h -> ((Number) h.get("queued")).intValue() == 1);

            HttpResponse<String> refused = post(server, "{\"prompt\":\"Hello\",\"max_tokens\":4}");
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("\"error\"") && refused.body().contains("server busy"), refused.body());
            assertTrue(!queued.isDone(), "the queued request waits while the slot is busy");

            streaming.close(); // the client goes away mid-stream
            HttpResponse<String> served = queued.get();
            assertEquals(200, served.statusCode(), served.body());
            awaitHealth(server, h -> ((Number) h.get("cancelled")).intValue() == 1 && ((Number) h.get("slots_busy")).intValue() == 0);
            Map<String, Object> h = health(server);
            assertEquals(1L, h.get("rejected"));
            assertEquals(1L, h.get("served"));
        }
    }

    @Test
    void aRequestPastItsTimeoutIsStopped() throws Exception {
        try (OpenAiServer server = new OpenAiServer(model, "slow", "127.0.0.1", 0, new OpenAiServer.Limits(1, 0, Duration.ofMillis(300)))) {
            long start = System.nanoTime();
            HttpResponse<String> plain = post(server, LONG.replace(",\"stream\":true", ""));
            assertEquals(504, plain.statusCode(), plain.body());
            assertTrue(plain.body().contains("timeout"), plain.body());
            HttpResponse<String> streamed = post(server, LONG);
            assertEquals(200, streamed.statusCode());
            assertTrue(streamed.body().contains("\"type\":\"timeout\""), streamed.body());
            assertTrue(streamed.body().strip().endsWith("data: [DONE]"), streamed.body());
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(30).toNanos(), "stopped near the timeout, not after 1800 tokens");
            assertEquals(2L, health(server).get("timed_out"));
        }
    }
}
