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
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * as server-sent events, and {@code GET /health}. paradec's own fields: {@code "decoder"} (any decoder name
 * of the model's family, default its first) in the request, {@code "paradec"} (forward calls, tokens per
 * call, timings) in the response.
 *
 * <p>{@code parallel} requests generate at once, each on a context of its own (the model keeps one per
 * thread); up to {@code queue} more wait for a free slot, and a request beyond that is answered 503 at once.
 * One of the generations at a time runs on paradec's compute thread, whose decodes use the configured threads less
 * a core for each generation beside it; those run on their request's thread, on one core each
 * ({@link paradec.llama.ComputeThread} says why).
 * A request that has not finished {@code timeout} after it arrived (waiting included) is stopped: 504, or an
 * error event when streaming. A streamed generation stops at its next token when the client has gone away;
 * a non-streamed one cannot tell (the JDK's server gives no signal before writing) and ends at the timeout.
 *
 * <p>The JDK's own {@code com.sun.net.httpserver} serves it: no dependency for the library's users, HTTP/1.1
 * with chunked responses is all that server-sent events need, and the generation, not the HTTP layer, is the
 * cost of every request.
 */
public final class OpenAiServer implements AutoCloseable {
    /** How much the server takes on: slots generating at once, requests waiting, time per request. */
    public record Limits(int parallel, int queue, Duration timeout) {
        public Limits {
            if (parallel < 1) throw new IllegalArgumentException("parallel must be >= 1, got " + parallel);
            if (queue < 0) throw new IllegalArgumentException("queue must be >= 0, got " + queue);
            if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }

        /** {@code parallel} slots, 16 waiting per slot, 10 minutes per request. */
        public static Limits of(int parallel) {
            return new Limits(parallel, 16 * parallel, Duration.ofMinutes(10));
        }
    }

    private final ParadecModel model;
    private final String modelId;
    private final Limits limits;
    private final HttpServer http;
    private final ExecutorService workers;
    private final AtomicLong ids = new AtomicLong();
    private final Semaphore slots;
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();

    /** Starts serving with {@link Limits#of(int) Limits.of(parallel)}. */
    public OpenAiServer(ParadecModel model, String modelId, String host, int port, int parallel) throws IOException {
        this(model, modelId, host, port, Limits.of(parallel));
    }

    /** Starts serving on {@code host:port} (port 0 picks a free one). */
    public OpenAiServer(ParadecModel model, String modelId, String host, int port, Limits limits) throws IOException {
        this.model = model;
        this.modelId = modelId;
        this.limits = limits;
        // requests run on whichever pool thread takes them: generations go to the one thread whose decodes use
        // every core (a second thread running OpenMP teams would slow both ~5x), one at a time, the rest on one core
        if (!model.usesRpc()) paradec.llama.ComputeThread.start();
        this.slots = new Semaphore(limits.parallel(), true);
        this.http = HttpServer.create(new InetSocketAddress(host, port), 64);
        // a thread per open exchange; the slots, not this pool, bound the generations
        this.workers = Executors.newCachedThreadPool(r -> {
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
                case "/health" -> send(ex, 200, new JsonWriter().beginObject().field("status", "ok")
                        .field("slots", limits.parallel()).field("slots_busy", limits.parallel() - slots.availablePermits())
                        .field("queued", waiting.get()).field("queue_limit", limits.queue()).field("served", served.get())
                        .field("rejected", rejected.get()).field("cancelled", cancelled.get()).field("timed_out", timedOut.get())
                        .endObject().toString());
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
        long deadline = System.nanoTime() + limits.timeout().toNanos();
        String prompt = chat ? chatPrompt(body.get("messages")) : text(body.get("prompt"), "prompt");
        // max_completion_tokens is the newer name of max_tokens in OpenAI's chat API
        int maxTokens = (int) number(body, body.containsKey("max_completion_tokens") ? "max_completion_tokens" : "max_tokens", 64, 1, 1 << 20);
        double temperature = number(body, "temperature", 0, 0, 100);
        // a sampled request without a seed gets a fresh one (returned in "paradec"), as the command line does
        long seed = body.get("seed") != null ? (long) number(body, "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE)
                : temperature > 0 ? java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1 : 0;
        SamplingSettings sampling = new SamplingSettings(temperature, (int) number(body, "top_k", 40, 0, 1 << 20),
                number(body, "top_p", 1, 0, 1), seed);
        String decoder = body.get("decoder") instanceof String d ? d : model.defaultDecoders().get(0);
        model.checkDecoder(decoder);
        GenerationRequest request = GenerationRequest.of(decoder).maxTokens(maxTokens).sampling(sampling)
                .stop(stops(body.get("stop")).toArray(String[]::new))
                .onToken(token -> System.nanoTime() < deadline);
        String id = (chat ? "chatcmpl-" : "cmpl-") + ids.incrementAndGet();
        long created = System.currentTimeMillis() / 1000;
        int[] promptTokens = model.tokenize(prompt);
        admit(deadline);
        try {
            if (Boolean.TRUE.equals(body.get("stream"))) {
                boolean usage = body.get("stream_options") instanceof Map<?, ?> so && Boolean.TRUE.equals(so.get("include_usage"));
                stream(ex, request, promptTokens, id, created, chat, usage, deadline);
            } else {
                respond(ex, request, promptTokens, id, created, chat, deadline);
            }
        } finally {
            slots.release();
        }
    }

    /** Takes a generation slot: at once, after waiting in the bounded queue, or 503. */
    private void admit(long deadline) {
        if (slots.tryAcquire()) return;
        if (waiting.incrementAndGet() > limits.queue()) {
            waiting.decrementAndGet();
            rejected.incrementAndGet();
            throw new HttpError(503, "server busy: " + limits.parallel() + " requests generating and " + limits.queue()
                    + " waiting; try again later");
        }
        try {
            if (!slots.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                timedOut.incrementAndGet();
                throw new HttpError(503, "no free slot within the request timeout (" + limits.timeout().toSeconds() + " s)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, "server stopping");
        } finally {
            waiting.decrementAndGet();
        }
    }

    private void respond(HttpExchange ex, GenerationRequest request, int[] promptTokens, String id, long created, boolean chat,
                         long deadline) throws IOException {
        GenerationResult r = model.generate(promptTokens, request);
        if (r.stopReason() == StopReason.CANCELLED && System.nanoTime() >= deadline) {
            timedOut.incrementAndGet();
            throw new HttpError(504, "generation ran past the request timeout (" + limits.timeout().toMillis() + " ms) after "
                    + r.generatedTokens() + " tokens");
        }
        served.incrementAndGet();
        JsonWriter j = header(new JsonWriter().beginObject(), id, chat ? "chat.completion" : "text_completion", created)
                .beginArray("choices").beginObject().field("index", 0);
        if (chat) j.name("message").beginObject().field("role", "assistant").field("content", r.text()).endObject();
        else j.field("text", r.text());
        j.field("finish_reason", finishReason(r.stopReason())).endObject().endArray();
        j.name("usage").beginObject().field("prompt_tokens", promptTokens.length).field("completion_tokens", r.generatedTokens())
                .field("total_tokens", promptTokens.length + r.generatedTokens()).endObject();
        paradecFields(j, r, request);
        send(ex, 200, j.endObject().toString());
    }

    /**
     * paradec's extension object: the decoder, forward calls, tokens per call, timings (tokens per second over the
     * whole generation and after its first token, as llama-server's predicted_per_second), the sampling seed.
     */
    private static JsonWriter paradecFields(JsonWriter j, GenerationResult r, GenerationRequest request) {
        j.name("paradec").beginObject().field("decoder", r.decoder()).field("forward_calls", r.forwardCalls())
                .field("tokens_per_call", r.tokensPerCall()).field("tokens_per_second", r.tokensPerSecond())
                .field("generation_tokens_per_second", r.generationTokensPerSecond())
                .field("wall_ms", r.wallNanos() / 1e6).field("native_ms", r.nativeNanos() / 1e6)
                .field("java_ms", (r.wallNanos() - r.nativeNanos()) / 1e6);
        if (request.sampling().temperature() > 0) j.field("seed", request.sampling().seed());
        return j.endObject();
    }

    private void stream(HttpExchange ex, GenerationRequest request, int[] prompt, String id, long created, boolean chat,
                        boolean usage, long deadline) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        String object = chat ? "chat.completion.chunk" : "text_completion";
        boolean[] gone = {false};
        GenerationResult r;
        try {
            if (chat) event(out, header(new JsonWriter().beginObject(), id, object, created).beginArray("choices").beginObject()
                    .field("index", 0).name("delta").beginObject().field("role", "assistant").field("content", "").endObject()
                    .endObject().endArray().endObject().toString());
            r = model.generate(prompt, request.onText(piece -> {
                try {
                    event(out, chunk(id, object, created, chat, piece, null));
                    return true;
                } catch (IOException e) {
                    gone[0] = true;
                    return false; // the client went away: stop generating for it
                }
            }));
        } catch (RuntimeException e) {
            event(out, new JsonWriter().beginObject().name("error").beginObject().field("message", String.valueOf(e.getMessage()))
                    .endObject().endObject().toString());
            return;
        }
        if (gone[0]) {
            cancelled.incrementAndGet();
            return;
        }
        if (r.stopReason() == StopReason.CANCELLED && System.nanoTime() >= deadline) {
            timedOut.incrementAndGet();
            event(out, new JsonWriter().beginObject().name("error").beginObject().field("message", "generation ran past the request timeout ("
                    + limits.timeout().toMillis() + " ms)").field("type", "timeout").field("code", 504).endObject().endObject().toString());
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        served.incrementAndGet();
        event(out, chunk(id, object, created, chat, "", finishReason(r.stopReason())));
        if (usage) {
            JsonWriter j = header(new JsonWriter().beginObject(), id, object, created).beginArray("choices").endArray();
            j.name("usage").beginObject().field("prompt_tokens", prompt.length).field("completion_tokens", r.generatedTokens())
                    .field("total_tokens", prompt.length + r.generatedTokens()).endObject();
            event(out, paradecFields(j, r, request).endObject().toString());
        }
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
            if (!(m instanceof Map<?, ?> msg) || !(msg.get("role") instanceof String role)) {
                throw new IllegalArgumentException("every message needs a string \"role\" and \"content\"");
            }
            chat.add(new ChatMessage(role, content(msg.get("content"))));
        }
        return model.chatPrompt(chat);
    }

    /** A message's content: a string, or OpenAI's array of parts of which only text parts are understood. */
    private static String content(Object v) {
        if (v instanceof String s) return s;
        if (v instanceof List<?> parts) {
            StringBuilder sb = new StringBuilder();
            for (Object p : parts) {
                if (!(p instanceof Map<?, ?> part) || !"text".equals(part.get("type")) || !(part.get("text") instanceof String t)) {
                    throw new IllegalArgumentException("only text content parts are supported ({\"type\":\"text\",\"text\":...})");
                }
                sb.append(t);
            }
            return sb.toString();
        }
        throw new IllegalArgumentException("every message needs a string \"role\" and \"content\"");
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
