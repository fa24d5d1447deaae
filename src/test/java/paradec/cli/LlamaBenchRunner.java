package paradec.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import paradec.testing.TestModels;

/** bench's own llama-bench anchor ({@link LlamaCppTools#bench}), for tests and benches outside this package. */
public final class LlamaBenchRunner {
    private LlamaBenchRunner() {}

    /** llama-bench's tg of {@code n} tokens at {@code depth}, one repetition: its avg_ts. */
    public static double tokensPerSecond(Path model, int threads, int n, int depth) {
        try {
            return new LlamaCppTools(TestModels.root(), model, threads).bench(n, depth, 0, 0).tokensPerSecond();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
