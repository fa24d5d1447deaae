package paradec.diffusion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Objects;
import paradec.json.JsonWriter;

/**
 * Writes a diffusion trace as JSON Lines: a header object, then one object per step with fields
 * kind "diffusion", step, block, positions (relative to the generation start), confidences,
 * tokens, phase. Non-finite numbers are written as null. Flushes after every line so a trace
 * survives a crash. I/O errors surface as {@link UncheckedIOException}.
 */
public final class JsonlTraceWriter implements StepListener {

    private final Writer out;

    public JsonlTraceWriter(Writer out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    /** Writes {@code {"kind":"diffusion-header",...}}; call once before the first step. */
    public void header(int promptLength, int genLength, int blockLength, String policy) {
        line(new JsonWriter().beginObject().field("kind", "diffusion-header").field("prompt_length", promptLength)
                .field("gen_length", genLength).field("block_length", blockLength).field("policy", policy).endObject().toString());
    }

    @Override
    public void onStep(StepRecord r) {
        line(toJson(r));
    }

    /** The JSON object for one step, without newline. */
    public static String toJson(StepRecord r) {
        return new JsonWriter().beginObject().field("kind", "diffusion").field("step", r.step()).field("block", r.blockIndex())
                .field("positions", r.committedPositions()).field("confidences", r.confidences()).field("tokens", r.tokens())
                .field("phase", r.phase()).endObject().toString();
    }

    private void line(String json) {
        try {
            out.write(json);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing diffusion trace", e);
        }
    }
}
