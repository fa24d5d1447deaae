package paradec.trace;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hand-made traces, written through the decoders' own trace writer so the tests read the real format. */
final class Traces {
    private Traces() {}

    /**
     * A Jacobi trace of three calls (13 cells: 3 settled, 6 accepted, 3 bonus, 1 rejected):
     * <pre>
     * call 0: pos 3..6   settled 10 | acc 11 | acc 12 | bonus 99            (guess 13 replaced)
     * call 1: pos 6..9   settled 99 | acc 20 | bonus 50 | rejected 22      (guess 21 replaced)
     * call 2: pos 8..12  settled 50 | acc 60 | acc 61 | acc 62 | bonus 63  (bonus past the window)
     * </pre>
     */
    static Path jacobi(Path dir) throws IOException {
        Path f = dir.resolve("jacobi.jsonl");
        try (TraceWriter w = new TraceWriter(Files.newBufferedWriter(f, StandardCharsets.UTF_8))) {
            w.onEvent(TraceStart.ar("jacobi", new int[] {1, 2, 3}));
            w.onEvent(new ArStep("jacobi", 0, 3, new int[] {10, 11, 12, 13}, new int[] {11, 12, 99, 98}, 2, new int[] {11, 12, 99}));
            w.onEvent(new ArStep("jacobi", 1, 6, new int[] {99, 20, 21, 22}, new int[] {20, 50, 60, 70}, 1, new int[] {20, 50}));
            w.onEvent(new ArStep("jacobi", 2, 8, new int[] {50, 60, 61, 62}, new int[] {60, 61, 62, 63}, 3, new int[] {60, 61, 62, 63}));
        }
        return f;
    }

    /** Plain AR: every call one bonus cell. */
    static Path ar(Path dir, int calls) throws IOException {
        Path f = dir.resolve("ar.jsonl");
        try (TraceWriter w = new TraceWriter(Files.newBufferedWriter(f, StandardCharsets.UTF_8))) {
            w.onEvent(TraceStart.ar("ar", new int[] {1, 2}));
            for (int i = 0; i < calls; i++) w.onEvent(new ArStep("ar", i, 1 + i, new int[0], new int[] {100 + i}, 0, new int[] {100 + i}));
        }
        return f;
    }

    /**
     * DiCo-like diffusion: 12 positions in blocks of 4, five steps committing
     * {1,3} {0,2} {4,5,6,7} {8,10,11} {9}: 2+4+8+11+12 = 37 committed cells over the rows.
     */
    static String diffusion() {
        StringWriter out = new StringWriter();
        TraceWriter w = new TraceWriter(out);
        w.onEvent(TraceStart.diffusion("dico", new int[] {1, 2, 3, 4, 5}, 12, 4));
        w.onEvent(new DiffusionStep(0, 0, new int[] {1, 3}, new double[] {0.9, 0.8}, new int[] {11, 13}, "DIVIDE"));
        w.onEvent(new DiffusionStep(1, 0, new int[] {0, 2}, new double[] {0.7, Double.NaN}, new int[] {10, 12}, "CONQUER"));
        w.onEvent(new DiffusionStep(2, 1, new int[] {4, 5, 6, 7}, new double[] {0.5, 0.6, 0.7, 0.8}, new int[] {14, 15, 16, 17}, "FINALIZE"));
        w.onEvent(new DiffusionStep(3, 2, new int[] {8, 10, 11}, new double[] {0.9, 0.9, 0.9}, new int[] {18, 20, 21}, ""));
        w.onEvent(new DiffusionStep(4, 2, new int[] {9}, new double[] {0.99}, new int[] {19}, ""));
        return out.toString();
    }
}
