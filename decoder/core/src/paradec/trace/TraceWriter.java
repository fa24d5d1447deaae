package paradec.trace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Objects;
import paradec.json.JsonWriter;

/**
 * Writes trace events as JSON Lines, one object per event, for both families:
 * {@code ar-header} / {@code ar-step} for the AR family and {@code diffusion-header} / {@code diffusion}
 * for diffusion (the format {@link TraceFile} reads and the model lab's scripts parse). Flushes after
 * every line so a trace survives a crash; I/O errors surface as {@link UncheckedIOException}.
 * Closing the writer closes the underlying writer.
 */
public final class TraceWriter implements TraceListener, AutoCloseable {
    private final Writer out;

    public TraceWriter(Writer out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    @Override
    public void onEvent(TraceEvent event) {
        line(toJson(event));
    }

    /** The JSON object of one event, without newline. */
    public static String toJson(TraceEvent event) {
        JsonWriter json = new JsonWriter().beginObject();
        switch (event) {
            case TraceStart s when s.diffusion() -> json.field("kind", "diffusion-header").field("prompt_length", s.prompt().length)
                    .field("gen_length", s.genLength()).field("block_length", s.blockLength()).field("policy", s.decoder())
                    .field("prompt", s.prompt());
            case TraceStart s -> json.field("kind", "ar-header").field("decoder", s.decoder()).field("prompt", s.prompt());
            case ArStep s -> json.field("kind", "ar-step").field("decoder", s.decoder()).field("iteration", s.iteration())
                    .field("position", s.position()).field("window", s.window()).field("predictions", s.predictions())
                    .field("accepted", s.accepted()).field("emitted", s.emitted());
            case DiffusionStep r -> json.field("kind", "diffusion").field("step", r.step()).field("block", r.blockIndex())
                    .field("positions", r.committedPositions()).field("confidences", r.confidences()).field("tokens", r.tokens())
                    .field("phase", r.phase());
        }
        return json.endObject().toString();
    }

    /**
     * Ends the trace with what the generation returned (kind {@code result}), so that a reader's summary says what
     * {@code --json} says; {@link TraceFile} takes it as the last line.
     *
     * @param model the model file (its vocabulary labels the picture's cells), or null
     */
    public void result(paradec.generation.GenerationResult r, String model) {
        JsonWriter j = new JsonWriter().beginObject().field("kind", "result").field("generated_tokens", r.generatedTokens())
                .field("forward_calls", r.forwardCalls()).field("stop_reason", r.stopReason().jsonName());
        if (model != null) j.field("model", model);
        line(j.endObject().toString());
    }

    private void line(String json) {
        try {
            out.write(json);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing trace", e);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
