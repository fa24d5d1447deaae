package paradec.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import paradec.engine.GenerationRequest;
import paradec.engine.ParadecModel;
import paradec.json.JsonReader;
import paradec.llama.ModelParams;
import paradec.testing.TestModels;

/** The OpenAI-compatible endpoints on loopback, over the shipped AR and diffusion models. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiServerTest {
    ParadecModel ar;
    ParadecModel dlm;
    OpenAiServer arServer;
    OpenAiServer dlmServer;
    final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws IOException {
        ar = ParadecModel.load(TestModels.root().resolve("models/code-ar.gguf"), ModelParams.defaults(), 1);
        dlm = ParadecModel.load(TestModels.root().resolve("models/tasks-dlm.gguf"), ModelParams.defaults(), 1);
        arServer = new OpenAiServer(ar, "code-ar", "127.0.0.1", 0, 4);
        dlmServer = new OpenAiServer(dlm, "tasks-dlm", "127.0.0.1", 0, 2);
    }

    @AfterAll
    void stop() {
        arServer.close();
        dlmServer.close();
        ar.close();
        dlm.close();
    }

    HttpResponse<String> post(OpenAiServer server, String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    static String choiceText(String json, boolean chat) {
        Map<String, Object> choice = (Map<String, Object>) ((List<Object>) JsonReader.parseObject(json).get("choices")).get(0);
        return chat ? (String) ((Map<String, Object>) choice.get("message")).get("content") : (String) choice.get("text");
    }

    @Test
    void completionsAreTheLibrarysGreedyText() throws Exception {
        String expected = ar.generate("def fibonacci(n):", GenerationRequest.of("ar").maxTokens(24)).text();
        for (String decoder : List.of("ar", "jacobi", "lookahead")) {
            HttpResponse<String> r = post(arServer, "/v1/completions",
                    "{\"prompt\":\"def fibonacci(n):\",\"max_tokens\":24,\"decoder\":\"" + decoder + "\"}");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(expected, choiceText(r.body(), false), decoder);
            Map<String, Object> json = JsonReader.parseObject(r.body());
            assertEquals("length", ((Map<?, ?>) ((List<?>) json.get("choices")).get(0)).get("finish_reason"));
            assertEquals(24L, ((Map<?, ?>) json.get("usage")).get("completion_tokens"));
            assertEquals(decoder, ((Map<?, ?>) json.get("paradec")).get("decoder"));
        }
        HttpResponse<String> models = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + arServer.port() + "/v1/models"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(models.body().contains("\"id\":\"code-ar\""), models.body());
    }

    @Test
    void streamingSendsTheSameTextInPieces() throws Exception {
        String whole = choiceText(post(arServer, "/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"def f(x):\"}],\"max_tokens\":20}").body(), true);
        HttpResponse<String> stream = post(arServer, "/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"def f(x):\"}],\"max_tokens\":20,\"stream\":true}");
        assertEquals(200, stream.statusCode());
        StringBuilder joined = new StringBuilder();
        List<String> events = stream.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        assertEquals("[DONE]", events.getLast());
        for (String e : events.subList(0, events.size() - 1)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> choice = (Map<String, Object>) ((List<Object>) JsonReader.parseObject(e).get("choices")).get(0);
            joined.append(((Map<?, ?>) choice.get("delta")).get("content"));
        }
        assertEquals(whole, joined.toString());
        assertTrue(events.size() > 3, "streamed in pieces: " + events.size());
    }

    @Test
    void badRequestsGetClearErrors() throws Exception {
        assertEquals(400, post(arServer, "/v1/completions", "not json").statusCode());
        assertEquals(400, post(arServer, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":-3}").statusCode());
        HttpResponse<String> wrongFamily = post(arServer, "/v1/completions", "{\"prompt\":\"x\",\"decoder\":\"dico\"}");
        assertEquals(400, wrongFamily.statusCode());
        assertTrue(wrongFamily.body().contains("diffusion model"), wrongFamily.body());
        assertEquals(400, post(arServer, "/v1/chat/completions", "{\"messages\":[]}").statusCode());
        assertEquals(404, post(arServer, "/v1/nothing", "{}").statusCode());
        // an untokenizable prompt for the task model is a 400, not a dead server
        assertEquals(400, post(dlmServer, "/v1/completions", "{\"prompt\":\"hi\"}").statusCode());
    }

    @Test
    void parallelRequestsAndADiffusionModel() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            runs.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + arServer.port() + "/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"import os\",\"max_tokens\":16,\"decoder\":\"jacobi\"}")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        String first = null;
        for (var f : runs) {
            HttpResponse<String> r = f.get();
            assertEquals(200, r.statusCode(), r.body());
            if (first == null) first = choiceText(r.body(), false);
            assertEquals(first, choiceText(r.body(), false));
        }
        HttpResponse<String> sum = post(dlmServer, "/v1/completions", "{\"prompt\":\"0052+1945=\",\"max_tokens\":8,\"decoder\":\"llada\"}");
        assertEquals(200, sum.statusCode(), sum.body());
        assertEquals("01997", choiceText(sum.body(), false));
    }

    @Test
    void samplingFieldsAndStopAreHonoured() throws Exception {
        String greedy = choiceText(post(arServer, "/v1/completions", "{\"prompt\":\"import os\",\"max_tokens\":32}").body(), false);
        // top_p that keeps only the most likely token is greedy, whatever the temperature
        assertEquals(greedy, choiceText(post(arServer, "/v1/completions",
                "{\"prompt\":\"import os\",\"max_tokens\":32,\"temperature\":1.5,\"top_p\":0.000001,\"seed\":9}").body(), false));
        // a seed reproduces a sampled completion; another seed gives another
        String sampled = "{\"prompt\":\"import os\",\"max_tokens\":32,\"temperature\":1.5,\"seed\":%d}";
        String a = choiceText(post(arServer, "/v1/completions", sampled.formatted(11)).body(), false);
        assertEquals(a, choiceText(post(arServer, "/v1/completions", sampled.formatted(11)).body(), false));
        assertTrue(!a.equals(choiceText(post(arServer, "/v1/completions", sampled.formatted(12)).body(), false)), a);
        assertTrue(!a.equals(greedy), "temperature 1.5 samples");
        // stop: the text ends before the first stop string, finish_reason "stop"
        int cut = greedy.indexOf('\n', 2);
        assertTrue(cut > 0, greedy);
        String stop = greedy.substring(cut, Math.min(greedy.length(), cut + 2));
        HttpResponse<String> stopped = post(arServer, "/v1/completions", new paradec.json.JsonWriter().beginObject().field("prompt", "import os")
                .field("max_tokens", 32).beginArray("stop").value(stop).endArray().endObject().toString());
        assertEquals(greedy.substring(0, greedy.indexOf(stop)), choiceText(stopped.body(), false));
        assertTrue(stopped.body().contains("\"finish_reason\":\"stop\""), stopped.body());
    }
}
