package paradec.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import paradec.decode.SamplingSettings;
import paradec.engine.GenerationRequest;
import paradec.engine.ParadecModel;
import paradec.generation.GenerationResult;
import paradec.generation.StopReason;
import paradec.json.JsonReader;
import paradec.json.JsonWriter;
import paradec.llama.ChatMessage;

/**
 * An OpenAI-compatible HTTP server over one {@link ParadecModel}: {@code GET /v1/models},
 * {@code POST /v1/completions} and {@code POST /v1/chat/completions}, each with {@code "stream": true}
 * as server-sent events. paradec's own fields: {@code "decoder"} (any decoder name of the model's
 * family, default its first) in the request, {@code "paradec"} (forward calls, tokens per call,
 * tokens per second) in the response. Requests run in parallel, each on a context of its own.
 */
public final class OpenAiServer implements AutoCloseable {
    private final ParadecModel model;
    private final String modelId;
    private final HttpServer http;
    private final ExecutorService workers;
    private final AtomicLong ids = new AtomicLong();

    /**
     * Starts serving on {@code host:port} (port 0 picks a free one).
     *
     * @param parallel requests generated at once; more wait in the queue
     */
    public OpenAiServer(ParadecModel model, String modelId, String host, int port, int parallel) throws IOException {
        this.model = model;
        this.modelId = modelId;
        this.http = HttpServer.create(new InetSocketAddress(host, port), 64);
        this.workers = Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "paradec-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(workers);
        http.createContext("/", this::handle);
        http.start();
    }

    /** The port the server listens on. */
    public int port() {
        return http.getAddress().getPort();
    }

    private void handle(HttpExchange ex) {
        try {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            switch (path) {
                case "/v1/models", "/models" -> {
                    if (!method.equals("GET")) throw new HttpError(405, "use GET");
                    send(ex, 200, new JsonWriter().beginObject().field("object", "list").beginArray("data").beginObject()
                            .field("id", modelId).field("object", "model").field("owned_by", "paradec").endObject().endArray()
                            .endObject().toString());
                }
                case "/v1/completions", "/completions" -> complete(ex, method, false);
                case "/v1/chat/completions", "/chat/completions" -> complete(ex, method, true);
                case "/health" -> send(ex, 200, "{\"status\":\"ok\"}");
                default -> throw new HttpError(404, "no such endpoint: " + path);
            }
        } catch (HttpError e) {
            sendError(ex, e.status, e.getMessage());
        } catch (IllegalArgumentException e) {
            sendError(ex, 400, e.getMessage());
        } catch (IllegalStateException e) {
            sendError(ex, 503, e.getMessage());
        } catch (RuntimeException | IOException e) {
            sendError(ex, 500, "internal error: " + e);
        } finally {
            ex.close();
        }
    }

    private void complete(HttpExchange ex, String method, boolean chat) throws IOException {
        if (!method.equals("POST")) throw new HttpError(405, "use POST");
        Map<String, Object> body;
        try {
            body = JsonReader.parseObject(new String(ex.getRequestBody().readNBytes(16 << 20), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "request body is not a JSON object: " + e.getMessage());
        }
        String prompt = chat ? chatPrompt(body.get("messages")) : text(body.get("prompt"), "prompt");
        int maxTokens = (int) number(body, "max_tokens", 64, 1, 1 << 20);
        SamplingSettings sampling = new SamplingSettings(number(body, "temperature", 0, 0, 100),
                (int) number(body, "top_k", 40, 0, 1 << 20), number(body, "top_p", 1, 0, 1),
                (long) number(body, "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE));
        String decoder = body.get("decoder") instanceof String d ? d : model.defaultDecoders().get(0);
        model.checkDecoder(decoder);
        GenerationRequest request = GenerationRequest.of(decoder).maxTokens(maxTokens).sampling(sampling)
                .stop(stops(body.get("stop")).toArray(String[]::new));
        String id = (chat ? "chatcmpl-" : "cmpl-") + ids.incrementAndGet();
        long created = System.currentTimeMillis() / 1000;
        int[] promptTokens = model.tokenize(prompt);
        if (Boolean.TRUE.equals(body.get("stream"))) {
            stream(ex, request, promptTokens, id, created, chat);
            return;
        }
        GenerationResult r = model.generate(promptTokens, request);
        JsonWriter j = header(new JsonWriter().beginObject(), id, chat ? "chat.completion" : "text_completion", created)
                .beginArray("choices").beginObject().field("index", 0);
        if (chat) j.name("message").beginObject().field("role", "assistant").field("content", r.text()).endObject();
        else j.field("text", r.text());
        j.field("finish_reason", finishReason(r.stopReason())).endObject().endArray();
        j.name("usage").beginObject().field("prompt_tokens", promptTokens.length).field("completion_tokens", r.generatedTokens())
                .field("total_tokens", promptTokens.length + r.generatedTokens()).endObject();
        j.name("paradec").beginObject().field("decoder", r.decoder()).field("forward_calls", r.forwardCalls())
                .field("tokens_per_call", r.tokensPerCall()).field("tokens_per_second", r.tokensPerSecond()).endObject();
        send(ex, 200, j.endObject().toString());
    }

    private void stream(HttpExchange ex, GenerationRequest request, int[] prompt, String id, long created, boolean chat) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        String object = chat ? "chat.completion.chunk" : "text_completion";
        GenerationResult r;
        try {
            r = model.generate(prompt, request.onText(piece -> {
                try {
                    event(out, chunk(id, object, created, chat, piece, null));
                    return true;
                } catch (IOException e) {
                    return false; // the client went away: stop generating for it
                }
            }));
        } catch (RuntimeException e) {
            event(out, new JsonWriter().beginObject().name("error").beginObject().field("message", String.valueOf(e.getMessage()))
                    .endObject().endObject().toString());
            return;
        }
        event(out, chunk(id, object, created, chat, "", finishReason(r.stopReason())));
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private String chunk(String id, String object, long created, boolean chat, String text, String finish) {
        JsonWriter j = header(new JsonWriter().beginObject(), id, object, created).beginArray("choices").beginObject().field("index", 0);
        if (chat) j.name("delta").beginObject().field("content", text).endObject();
        else j.field("text", text);
        if (finish != null) j.field("finish_reason", finish);
        return j.endObject().endArray().endObject().toString();
    }

    private JsonWriter header(JsonWriter j, String id, String object, long created) {
        return j.field("id", id).field("object", object).field("created", created).field("model", modelId);
    }

    private static void event(OutputStream out, String json) throws IOException {
        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String finishReason(StopReason reason) {
        return switch (reason) {
            case MAX_TOKENS, CONTEXT_FULL -> "length";
            case END_OF_GENERATION, STOP_STRING -> "stop";
            case CANCELLED -> "cancelled";
        };
    }

    private String chatPrompt(Object messages) {
        if (!(messages instanceof List<?> list) || list.isEmpty()) throw new IllegalArgumentException("\"messages\" must be a non-empty array");
        List<ChatMessage> chat = new ArrayList<>();
        for (Object m : list) {
            if (!(m instanceof Map<?, ?> msg) || !(msg.get("role") instanceof String role) || !(msg.get("content") instanceof String content)) {
                throw new IllegalArgumentException("every message needs a string \"role\" and \"content\"");
            }
            chat.add(new ChatMessage(role, content));
        }
        return model.chatPrompt(chat);
    }

    private static String text(Object v, String name) {
        if (v instanceof String s) return s;
        if (v instanceof List<?> l && l.size() == 1 && l.get(0) instanceof String s) return s;
        throw new IllegalArgumentException("\"" + name + "\" must be a string");
    }

    private static List<String> stops(Object v) {
        if (v == null) return List.of();
        if (v instanceof String s) return s.isEmpty() ? List.of() : List.of(s);
        if (v instanceof List<?> l) {
            List<String> out = new ArrayList<>();
            for (Object o : l) {
                if (!(o instanceof String s)) throw new IllegalArgumentException("\"stop\" must hold strings");
                if (!s.isEmpty()) out.add(s);
            }
            return out;
        }
        throw new IllegalArgumentException("\"stop\" must be a string or an array of strings");
    }

    private static double number(Map<String, Object> body, String key, double fallback, double min, double max) {
        Object v = body.get(key);
        if (v == null) return fallback;
        if (!(v instanceof Number n)) throw new IllegalArgumentException("\"" + key + "\" must be a number");
        double d = n.doubleValue();
        if (!(d >= min && d <= max)) throw new IllegalArgumentException("\"" + key + "\" must be in [" + min + ", " + max + "], got " + d);
        return d;
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static void sendError(HttpExchange ex, int status, String message) {
        try {
            send(ex, status, new JsonWriter().beginObject().name("error").beginObject().field("message", String.valueOf(message))
                    .field("type", status < 500 ? "invalid_request_error" : "server_error").field("code", status)
                    .endObject().endObject().toString());
        } catch (IOException | UncheckedIOException e) {
            // the response was already under way (a stream) or the client is gone
        }
    }

    private static final class HttpError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        HttpError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** Stops accepting requests, lets running ones finish for up to a second, then stops the workers. */
    @Override
    public void close() {
        http.stop(1);
        workers.shutdownNow();
    }
}
