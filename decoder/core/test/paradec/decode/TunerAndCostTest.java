package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** CostCurve, WindowTuner, LookaheadDecoder.autoWindow and LookaheadDecoder.Planner on synthetic curves. */
class TunerAndCostTest {
    static final CostCurve CPU = FakeCausalModel.CPU_LIKE;
    static final CostCurve GPU = FakeCausalModel.GPU_LIKE;

    // ---- CostCurve

    @Test
    void fromPointsInterpolatesLinearlyAndExtrapolatesProportionally() {
        CostCurve c = CostCurve.fromPoints(new int[] {1, 4, 16}, new double[] {100, 400, 1000});
        assertEquals(100, c.cost(1), 1e-9);
        assertEquals(200, c.cost(2), 1e-9);
        assertEquals(400, c.cost(4), 1e-9);
        assertEquals(550, c.cost(7), 1e-9);
        assertEquals(1000, c.cost(16), 1e-9);
        assertEquals(2000, c.cost(32), 1e-9, "beyond the last point: proportional to k");
        assertEquals(5.5, c.relative(7), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> c.cost(0));
        assertThrows(IllegalArgumentException.class, () -> c.cost(CostCurve.MAX_K + 1));
        CostCurve copy = CostCurve.ofNanosByK(c.nanosByK());
        for (int k = 1; k <= CostCurve.MAX_K; k++) assertEquals(c.cost(k), copy.cost(k));
    }

    @Test
    void theSyntheticCurvesAreWhatTheTestsAssume() {
        assertEquals(0.2e6 + 0.8e6 * 10, CPU.cost(10), 1);
        assertEquals(1.0, GPU.relative(32), 1e-12, "flat up to 32");
        assertEquals(2.0, GPU.relative(64), 1e-12);
    }

    @Test
    void measureOnTheFakeModelGivesAMonotoneCurveAndLeavesTheMemoryEmpty() {
        // a context too small for the depth (none), and one whose batch is smaller than the depth (four chunks)
        for (FakeCausalModel model : new FakeCausalModel[] {FakeCausalModel.builder().maxPositions(48).costCurve(null).build(),
                FakeCausalModel.builder().maxPositions(256).maxBatch(16).costCurve(null).build()}) {
            CostCurve measured = model.costCurve(); // the interface's default: CostCurve.measure(model, 5)
            for (int k = 1; k < CostCurve.MAX_K; k++) {
                assertTrue(measured.cost(k) > 0);
                assertTrue(measured.cost(k) <= measured.cost(k + 1), "monotone at k = " + k + ": " + measured);
            }
            assertEquals(0, model.distinctCells());
            assertTrue(model.counters().forwardCalls() > 0);
        }
    }

    /**
     * A model whose decodes take what llama.cpp's took on code-ar (busy-waited): a decode whose shape differs from
     * the one before pays for a new graph, and every token pays for the context it attends to.
     */
    private static final class GraphReusingModel extends DelegatingCausalModel {
        static final long PER_TOKEN = 60_000;
        static final long PER_CONTEXT_TOKEN = 2_000;
        static final long NEW_GRAPH = 4_000_000;
        int lastShape = -1;

        GraphReusingModel() {
            super(FakeCausalModel.builder().maxPositions(256).costCurve(null).build());
        }

        @Override
        public paradec.logits.LogitsView decode(TokenBatch batch) {
            long cost = batch.size() * (PER_TOKEN + PER_CONTEXT_TOKEN * (inner.storedCount(0) + batch.size()));
            if (batch.size() != lastShape) cost += NEW_GRAPH;
            lastShape = batch.size();
            long until = System.nanoTime() + cost;
            while (System.nanoTime() < until) Thread.onSpinWait();
            return super.decode(batch);
        }
    }

    @Test
    void measureTimesEachDecodeAsAGenerationPaysIt() {
        // after a prompt's worth of context, right after a decode of the same shape: no new graph in the figure,
        // and the context's cost in it
        GraphReusingModel model = new GraphReusingModel();
        CostCurve measured = CostCurve.measure(model, 5);
        for (int k : new int[] {1, 4, 16}) {
            long context = CostCurve.DEPTH + k;
            double expected = k * (GraphReusingModel.PER_TOKEN + GraphReusingModel.PER_CONTEXT_TOKEN * context);
            assertTrue(measured.cost(k) >= expected, "k = " + k + ": " + measured.cost(k) + " < " + expected);
            assertTrue(measured.cost(k) < expected + GraphReusingModel.NEW_GRAPH / 2,
                    "k = " + k + " paid for a new graph: " + measured.cost(k) + " against " + expected);
        }
        assertEquals(0, model.inner.distinctCells(), "the memory is left empty");
    }

    // ---- WindowTuner

    /** A tuner whose acceptance estimate has settled where `calls` observations of (window, accepted) put it. */
    private static WindowTuner settled(CostCurve cost, int maxWindow, int window, int accepted) {
        WindowTuner t = new WindowTuner(cost, maxWindow);
        for (int i = 0; i < 400; i++) t.observe(window, accepted);
        return t;
    }

    @Test
    void acceptanceStartsPessimisticAndFollowsTheObservations() {
        assertEquals(0.25, new WindowTuner(CPU, 16).acceptance(), 1e-12);
        assertEquals(0.0, settled(CPU, 16, 2, 0).acceptance(), 1e-4);
        assertEquals(0.5, settled(CPU, 16, 4, 1).acceptance(), 1e-4);
        assertEquals(0.75, settled(CPU, 16, 8, 3).acceptance(), 1e-4);
        assertEquals(1.0, settled(CPU, 16, 9, 8).acceptance(), 1e-4);
        WindowTuner t = new WindowTuner(CPU, 16);
        t.observe(1, 0);
        assertEquals(0.25, t.acceptance(), 1e-12, "a window of 1 had no guess to judge");
        assertThrows(IllegalArgumentException.class, () -> new WindowTuner(CPU, 0));
    }

    @Test
    void bestWindowOnALinearCurveIsOneUnlessNearlyEveryGuessIsAccepted() {
        assertEquals(1, new WindowTuner(CPU, 16).bestWindow());
        assertEquals(1, settled(CPU, 16, 2, 0).bestWindow());
        assertEquals(1, settled(CPU, 16, 4, 1).bestWindow());
        assertEquals(1, settled(CPU, 16, 8, 3).bestWindow(), "(1 + a) / 1.8 < 1 below a = 0.8");
        assertEquals(16, settled(CPU, 16, 9, 8).bestWindow(), "E(k) ~ k grows faster than 0.2 + 0.8k");
    }

    @Test
    void bestWindowOnAFlatCurveGrowsWithAcceptanceUpToTheFlatPart() {
        assertEquals(1, settled(GPU, 64, 2, 0).bestWindow(), "nothing is accepted: extra rows buy nothing");
        int atHalf = settled(GPU, 64, 4, 1).bestWindow();
        int atThreeQuarters = settled(GPU, 64, 8, 3).bestWindow();
        assertTrue(atHalf > 1 && atHalf < atThreeQuarters && atThreeQuarters <= 32, atHalf + " " + atThreeQuarters);
        assertEquals(32, settled(GPU, 64, 9, 8).bestWindow(), "past 32 every row costs its share again");
        assertEquals(8, settled(GPU, 8, 9, 8).bestWindow(), "capped at maxWindow");
    }

    @Test
    void atWindowOneTheTunerProbesEveryProbeEveryCalls() {
        WindowTuner t = new WindowTuner(CPU, 16);
        for (int round = 0; round < 3; round++) {
            for (int i = 1; i < WindowTuner.PROBE_EVERY; i++) assertEquals(1, t.nextWindow(), "call " + i);
            assertEquals(WindowTuner.PROBE_WINDOW, t.nextWindow(), "probe of round " + round);
        }
        WindowTuner narrow = new WindowTuner(CPU, 2);
        for (int i = 1; i < WindowTuner.PROBE_EVERY; i++) narrow.nextWindow();
        assertEquals(2, narrow.nextWindow(), "a probe never exceeds maxWindow");
        WindowTuner wide = settled(GPU, 64, 8, 3);
        for (int i = 0; i < 2 * WindowTuner.PROBE_EVERY; i++) assertEquals(wide.bestWindow(), wide.nextWindow(), "no probes above 1");
    }

    // ---- lookahead's auto mode

    @Test
    void autoWindowRunsTheBranchOnlyWhereRowsAreNearlyFree() {
        assertEquals(0, LookaheadDecoder.autoWindow(CPU, 4, 4, 8), "a CPU never pays for the branch");
        // GPU: a batch of 1 + (W + 4) * 3 rows costs <= 1.25 x one row up to 40 rows, so W <= 9
        assertEquals(8, LookaheadDecoder.autoWindow(GPU, 4, 4, 8));
        assertEquals(9, LookaheadDecoder.autoWindow(GPU, 4, 4, 16));
        assertEquals(0, LookaheadDecoder.autoWindow(GPU, 8, 32, 32), "even W = 1 would need more than MAX_K rows");
    }

    @Test
    void plannerSendsEveryCandidateWhenRowsAreFree() {
        LookaheadDecoder.Planner p = new LookaheadDecoder.Planner(GPU, 3, 4);
        assertEquals(4, p.candidatesToSend(4));
        assertEquals(2, p.candidatesToSend(2), "no more than available");
        assertEquals(0, p.candidatesToSend(0));
    }

    @Test
    void plannerOnALinearCurveWaitsForEvidenceAndProbesMeanwhile() {
        LookaheadDecoder.Planner p = new LookaheadDecoder.Planner(CPU, 3, 4);
        // the cautious prior does not pay for 4 rows at 3.4x the cost of one
        for (int round = 0; round < 2; round++) {
            for (int i = 1; i < LookaheadDecoder.Planner.PROBE_EVERY; i++) assertEquals(0, p.candidatesToSend(4), "step " + i);
            assertEquals(1, p.candidatesToSend(4), "probe");
        }
        // every single candidate hits and is accepted in full: 4 tokens for 4 rows beats 1 for 1, more rows do not
        for (int i = 0; i < 300; i++) p.observe(1, 3);
        assertEquals(1, p.candidatesToSend(4));
        // misses pull it back to zero (probes aside)
        for (int i = 0; i < 300; i++) p.observe(4, 0);
        assertEquals(0, p.candidatesToSend(4));
        p.observe(0, 3); // a step without candidates teaches nothing
        assertEquals(0, p.candidatesToSend(4));
    }
}
