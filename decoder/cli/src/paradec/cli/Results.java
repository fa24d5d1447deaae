package paradec.cli;

import paradec.generation.GenerationResult;
import paradec.diffusion.DiffusionResult;
import paradec.json.JsonWriter;
import paradec.llama.Model;

/** The JSON objects printed by {@code generate --json}. */
final class Results {
    private Results() {}

    static String toJson(Model model, GenerationResult r, String text) {
        double wallMs = r.wallNanos() / 1e6;
        double decodeMs = r.decodeNanos() / 1e6;
        double javaMs = r.javaNanos() / 1e6;
        long guessCalls = Math.max(1, r.forwardCalls());
        return new JsonWriter().beginObject()
                .field("model", model.path().toString())
                .field("decoder", r.decoder())
                .field("prompt_tokens", r.promptTokens())
                .field("generated_tokens", r.generatedTokens())
                .field("tokens", r.tokens())
                .field("text", text)
                .field("forward_calls", r.forwardCalls())
                .field("wall_ms", wallMs)
                .field("decode_ms", decodeMs)
                .field("kv_ops_ms", r.memoryNanos() / 1e6)
                .field("java_ms", javaMs)
                .field("tokens_per_second", r.tokensPerSecond())
                .field("tokens_per_call", r.tokensPerCall())
                .field("mean_accepted_length", (double) (r.generatedTokens()) / guessCalls)
                .field("accepted_guesses", r.acceptedGuesses())
                .field("window", r.window())
                .field("stop_reason", r.stopReason().jsonName())
                .endObject().toString();
    }

    static String toJson(Model model, String decoder, int promptTokens, DiffusionResult r, String text, long wallNanos) {
        double wallMs = wallNanos / 1e6;
        double forwardMs = r.forwardNanos() / 1e6;
        int generated = r.tokens().length;
        return new JsonWriter().beginObject()
                .field("model", model.path().toString())
                .field("decoder", decoder)
                .field("prompt_tokens", promptTokens)
                .field("generated_tokens", generated)
                .field("tokens", r.tokens())
                .field("text", text)
                .field("forward_calls", r.forwardCalls())
                .field("steps", r.steps())
                .field("wall_ms", wallMs)
                .field("decode_ms", forwardMs)
                .field("java_ms", wallMs - forwardMs)
                .field("tokens_per_second", wallNanos == 0 ? 0 : generated * 1e9 / wallNanos)
                .field("tokens_per_call", r.forwardCalls() == 0 ? 0 : (double) generated / r.forwardCalls())
                .field("nfe", r.steps())
                .field("stop_reason", r.stoppedEarly() ? "eog" : "gen_length")
                .endObject().toString();
    }
}
