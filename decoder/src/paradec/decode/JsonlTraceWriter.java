package paradec.decode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import paradec.json.JsonWriter;

/** Writes trace steps as JSON Lines: one object per forward call, after a header line. */
public final class JsonlTraceWriter implements TraceSink, AutoCloseable {
    private final BufferedWriter out;

    public JsonlTraceWriter(Path file, String decoder, int[] prompt) throws IOException {
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        line(new JsonWriter().beginObject().field("kind", "ar-header").field("decoder", decoder)
                .field("prompt", prompt).endObject());
    }

    @Override
    public void onStep(TraceStep s) {
        line(new JsonWriter().beginObject().field("kind", "ar-step").field("decoder", s.decoder())
                .field("iteration", s.iteration()).field("position", s.position()).field("window", s.window())
                .field("predictions", s.predictions()).field("accepted", s.accepted()).field("emitted", s.emitted())
                .endObject());
    }

    private void line(JsonWriter json) {
        try {
            out.write(json.toString());
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
