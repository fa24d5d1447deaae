package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import paradec.testing.TestModels;

/** bench's llama-server anchors: the server comes up on loopback, answers greedily with its timings, and goes away. */
class LlamaServerAnchorTest {
    @Test
    void plainAndNgramSpeculatingServersReportTheirOwnTimings() throws Exception {
        Path model = TestModels.root().resolve("models/code-ar.gguf");
        LlamaCppTools tools = new LlamaCppTools(TestModels.root(), model, 1);
        for (String spec : LlamaCppTools.SERVER_SPECULATION) {
            LlamaCppTools.Server server = tools.new Server(spec);
            try (server) {
                BenchCommand.Run run = server.complete("def fibonacci(n):\n    ", 24, 0, 0);
                assertEquals(server.name(), run.decoder());
                assertTrue(run.tokens() > 0 && run.tokens() <= 24, "tokens " + run.tokens());
                assertTrue(run.tokensPerSecond() > 0 && run.calls() >= 1 && run.calls() <= run.tokens(), run.toString());
                assertTrue(run.tokensPerCall() >= 1.0, run.toString());
            }
        }
    }
}
