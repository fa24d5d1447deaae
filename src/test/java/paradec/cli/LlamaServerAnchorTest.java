package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import paradec.testing.TestModels;

/** bench's llama-server anchors: the server comes up on loopback, answers greedily with its timings, and goes away. */
class LlamaServerAnchorTest {
    @Test
    void plainAndNgramSpeculatingServersReportTheirOwnTimings() throws Exception {
        Path model = TestModels.root().resolve("models/code-ar.gguf");
        LlamaCppTools tools = new LlamaCppTools(TestModels.root(), model, 1);
        List<String> specs = new java.util.ArrayList<>();
        specs.add(null); // the plain server
        specs.addAll(LlamaCppTools.SERVER_SPECULATION);
        for (String spec : specs) {
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

    /** llama-bench's tg anchor runs at the prompt's depth, so its tokens sit where paradec's generated ones do. */
    @Test
    void llamaBenchRunsAtThePromptsDepth() throws Exception {
        Path model = TestModels.root().resolve("models/code-ar.gguf");
        LlamaCppTools tools = new LlamaCppTools(TestModels.root(), model, 1);
        for (int depth : new int[] {0, 17}) {
            BenchCommand.Run run = tools.bench(8, depth, 1, 2);
            assertEquals("llama-bench tg8 (C++)", run.decoder());
            assertTrue(run.tokensPerSecond() > 0 && run.tokens() == 8, run.toString());
        }
    }

    @Test
    void llamaBenchCsvFieldsAreReadFromTheLineAfterTheLastHeader() throws Exception {
        String log = "llama-bench: loading\nbuild_commit,n_depth,avg_ts\n\"abc\",0,\"1.5\"\n"
                + "build_commit,backends,n_depth,avg_ts\n\"abc\",\"CUDA,BLAS\",17,\"2.25\"\n";
        assertEquals("17", LlamaCppTools.csvField(log, "n_depth"));
        assertEquals("2.25", LlamaCppTools.csvField(log, "avg_ts"));
        assertEquals("CUDA,BLAS", LlamaCppTools.csvField(log, "backends"), "a quoted comma stays in its cell");
        assertEquals(List.of("a\"b", "", "c"), LlamaCppTools.csvCells("\"a\"\"b\",,c"));
        assertThrows(java.io.IOException.class, () -> LlamaCppTools.csvField(log, "n_gen"));
        assertThrows(java.io.IOException.class, () -> LlamaCppTools.csvField("no csv here", "avg_ts"));
    }

    /** The whole-process anchor: bin/paradec generate and llama-completion both run, each timed with its own wall clock. */
    @Test
    void oneShotTimesBothWholeProcesses() throws Exception {
        Path model = TestModels.root().resolve("models/code-ar.gguf");
        String line = new LlamaCppTools(TestModels.root(), model, 1).oneShot(TestModels.root(), "def add(a, b):", 8, 3);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "`bin/paradec generate` ([0-9.]+) s \\[([0-9.]+)-([0-9.]+)\\], `llama-completion` ([0-9.]+) s \\[([0-9.]+)-([0-9.]+)\\]: ([0-9.]+)x").matcher(line);
        assertTrue(m.find(), line);
        double paradec = Double.parseDouble(m.group(1));
        double llama = Double.parseDouble(m.group(4));
        assertTrue(paradec > 0 && llama > 0, line);
        assertTrue(Double.parseDouble(m.group(2)) <= paradec && paradec <= Double.parseDouble(m.group(3)), line);
        assertTrue(Double.parseDouble(m.group(5)) <= llama && llama <= Double.parseDouble(m.group(6)), line);
        assertTrue(line.contains("3 interleaved pairs, 8 tokens"), line);
    }

    /** llama-server's draft-simple with the shipped drafter: it comes up, drafts with code-draft, and counts accepted drafts. */
    @Test
    void draftSimpleServerDraftsWithTheSameDraftModel() throws Exception {
        Path model = TestModels.root().resolve("models/code-ar.gguf");
        Path draft = TestModels.root().resolve("models/code-draft.gguf");
        LlamaCppTools tools = new LlamaCppTools(TestModels.root(), model, 1);
        LlamaCppTools.Server server = tools.new Server(LlamaCppTools.DRAFT_SIMPLE, tools.draftArgs(draft, 4));
        try (server) {
            assertEquals("llama-server draft-simple (C++)", server.name());
            int accepted = 0;
            for (String prompt : new String[] {"def fibonacci(n):\n    ", "for i in range(10):\n    print(i)\nfor i in range(10):"}) {
                BenchCommand.Run run = server.complete(prompt, 32, 0, 0);
                assertTrue(run.tokens() > 0 && run.tokens() <= 32, "tokens " + run.tokens());
                assertTrue(run.tokensPerSecond() > 0 && run.calls() >= 1 && run.calls() <= run.tokens(), run.toString());
                accepted += run.tokens() - (int) run.calls();
            }
            // a server that ignored the draft model would accept nothing: every call would give one token
            assertTrue(accepted > 0, "draft-simple accepted no draft token");
        }
    }
}
