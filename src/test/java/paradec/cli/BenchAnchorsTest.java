package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import paradec.testing.TestModels;

/** Which of llama.cpp's tools bench times: --against-llama-cpp alone, --anchors naming some, and names it refuses. */
class BenchAnchorsTest {
    static Set<String> anchors(boolean diffusion, boolean drafting, String... args) throws UsageException {
        String[] all = new String[args.length + 1];
        all[0] = "bench";
        System.arraycopy(args, 0, all, 1, args.length);
        try (paradec.llama.Model model = paradec.llama.Model.load(TestModels.root().resolve(diffusion ? "models/code-dlm.gguf" : "models/code-ar.gguf"))) {
            return BenchCommand.anchors(Options.parse(all, 1, BenchCommand.OPTIONS), LlamaCppTools.anchorsOf(model, drafting));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void noComparisonUnlessAsked() throws UsageException {
        assertNull(anchors(false, false));
        assertNull(anchors(true, false, "--repeat", "2"));
    }

    @Test
    void againstLlamaCppAloneTimesEveryToolOfTheModelsFamily() throws UsageException {
        assertEquals(List.of("llama-bench", "llama-lookahead", "llama-server", "ngram-map-k", "ngram-mod", "llama-completion"),
                List.copyOf(anchors(false, false, "--against-llama-cpp")), "draft-simple only beside the draft decoder");
        assertTrue(anchors(false, true, "--against-llama-cpp").contains("draft-simple"));
        assertEquals(List.of("llama-diffusion-cli"), List.copyOf(anchors(true, false, "--against-llama-cpp")));
    }

    @Test
    void anchorsNamesTheToolsAndImpliesTheComparison() throws UsageException {
        assertEquals(List.of("llama-bench"), List.copyOf(anchors(false, false, "--anchors", "llama-bench")));
        assertEquals(List.of("ngram-mod", "llama-bench"),
                List.copyOf(anchors(false, true, "--against-llama-cpp", "--anchors", " ngram-mod,llama-bench,ngram-mod")));
    }

    @Test
    void unknownEmptyOrOtherFamilysNamesAreUsageErrors() {
        for (String[] bad : List.of(new String[] {"llama-simple"}, new String[] {""}, new String[] {"llama-bench,"},
                new String[] {"llama-diffusion-cli"})) {
            UsageException e = assertThrows(UsageException.class, () -> anchors(false, true, "--anchors", bad[0]));
            assertTrue(e.getMessage().startsWith("--anchors: "), e.getMessage());
        }
        UsageException noDraft = assertThrows(UsageException.class, () -> anchors(false, false, "--anchors", "draft-simple"));
        assertTrue(noDraft.getMessage().contains("needs an autoregressive model, the draft decoder"), noDraft.getMessage());
        assertThrows(UsageException.class, () -> anchors(true, false, "--anchors", "llama-bench"));
    }
}
