package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The report's comparison with llama.cpp's tools: medians, paired runs and best runs, each its own way. */
class ReportAgainstToolsTest {
    static BenchCommand.Run run(String decoder, int prompt, int round, double tps) {
        return new BenchCommand.Run(decoder, prompt, round, tps, 1, 128, 128, 0, 0, 0, 0, null);
    }

    @Test
    void theThreeRatiosAreComputedFromTheirOwnRuns() {
        List<BenchCommand.Run> runs = new ArrayList<>();
        // paradec ar: 100, 200, 300, 400; llama-bench in the same slots: 200, 100, 300, 800 (paired: 0.5, 2, 1, 0.5)
        double[] ar = {100, 200, 300, 400};
        double[] tool = {200, 100, 300, 800};
        for (int i = 0; i < 4; i++) {
            runs.add(run("ar", i % 2, i / 2, ar[i]));
            runs.add(run("llama-bench tg128 (C++)", i % 2, i / 2, tool[i]));
        }
        runs.add(run("llama-bench tg128 (C++)", 5, 5, 50)); // no paradec run in its slot: medians and best only
        String table = Report.againstTools(runs);
        // medians 250 against 200 (five runs); paired 0.5, 0.5, 1, 2: median 0.75, p25 0.5, p75 1.25; best 400 / 800
        assertTrue(table.contains("| ar | llama-bench tg128 | 1.25x | 0.75x [0.50-1.25] (4) | 0.50x |"), table);
        assertEquals(3, table.lines().count(), table);
    }

    @Test
    void noToolNoTable() {
        assertEquals("", Report.againstTools(List.of(run("ar", 0, 0, 1), run("jacobi", 0, 0, 2))));
    }

    @Test
    void everyDecoderMeetsEveryTool() {
        List<BenchCommand.Run> runs = List.of(run("ar", 0, 0, 1), run("jacobi", 0, 0, 2), run("llama-bench tg8 (C++)", 0, 0, 1),
                run("llama-server ngram-mod (C++)", 0, 0, 4));
        String table = Report.againstTools(runs);
        assertEquals(2 + 4, table.lines().count(), table);
        assertTrue(table.contains("| jacobi | llama-server ngram-mod | 0.50x | 0.50x [0.50-0.50] (1) | 0.50x |"), table);
    }

    @Test
    void quantilesInterpolate() {
        assertEquals(1.75, Report.quantile(new double[] {1, 2, 3}, 0.375), 1e-12);
        assertEquals(3, Report.quantile(new double[] {1, 2, 3}, 1), 1e-12);
        assertEquals(0, Report.quantile(new double[0], 0.5), 1e-12);
    }
}
