package paradec.cli;

import java.nio.file.Path;
import java.util.Map;
import paradec.generation.GenerationResult;
import paradec.json.JsonWriter;

/** The JSON object printed by {@code generate --json}, for both families. */
final class Results {
    private Results() {}

    static String toJson(Path model, GenerationResult r) {
        return toJson(model, r, null);
    }

    /** @param seed the sampling seed, written when sampling (null for greedy runs) */
    static String toJson(Path model, GenerationResult r, Long seed) {
        long memory = r.extra("memory_nanos", 0);
        JsonWriter j = new JsonWriter().beginObject()
                .field("model", model.toString())
                .field("decoder", r.decoder())
                .field("prompt_tokens", r.promptTokens())
                .field("generated_tokens", r.generatedTokens())
                .field("tokens", r.tokens())
                .field("text", r.text())
                .field("forward_calls", r.forwardCalls())
                .field("wall_ms", r.wallNanos() / 1e6)
                .field("decode_ms", (r.nativeNanos() - memory) / 1e6)
                .field("kv_ops_ms", memory / 1e6)
                .field("java_ms", r.javaNanos() / 1e6)
                .field("tokens_per_second", r.tokensPerSecond())
                .field("tokens_per_call", r.tokensPerCall());
        for (Map.Entry<String, Object> e : r.extras().entrySet()) {
            if (e.getKey().equals("memory_nanos")) continue;
            switch (e.getValue()) {
                case Boolean b -> j.field(e.getKey(), b);
                case Integer i -> j.field(e.getKey(), (long) i);
                case Long l -> j.field(e.getKey(), l);
                case Number n -> j.field(e.getKey(), n.doubleValue());
                default -> j.field(e.getKey(), String.valueOf(e.getValue()));
            }
        }
        if (r.extras().containsKey("steps")) j.field("nfe", r.extra("steps", 0));
        if (seed != null) j.field("seed", seed);
        return j.field("stop_reason", r.stopReason().jsonName()).endObject().toString();
    }
}
