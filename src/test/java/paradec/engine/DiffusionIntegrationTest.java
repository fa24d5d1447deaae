package paradec.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import paradec.cli.CliPolicies;
import paradec.cli.Main;
import paradec.diffusion.DenoisingModel;
import paradec.diffusion.DiffusionGenerator;
import paradec.diffusion.DiffusionSettings;
import paradec.diffusion.LowConfidencePolicy;
import paradec.generation.GenerationResult;
import paradec.generation.StopReason;
import paradec.trace.DiffusionStep;
import paradec.trace.TraceEvent;
import paradec.trace.TraceListener;
import paradec.trace.TraceStart;
import paradec.gguf.GgufFile;
import paradec.gguf.GgufWriter;
import paradec.gguf.Synth;
import paradec.gguf.SynthSpec;
import paradec.gguf.TensorInfo;
import paradec.llama.Batch;
import paradec.llama.Context;
import paradec.llama.ContextParams;
import paradec.llama.Model;
import paradec.logits.LogitMath;
import paradec.logits.LogitsView;

/**
 * Diffusion decoding through the real llama.cpp library on tiny synthesized LLaDA (shift_logits false) and
 * Dream (shift_logits true) models: every CLI policy, shift handling, refusals, CFG, traces, early stop.
 */
class DiffusionIntegrationTest {
    static final int THREADS = 1;
    static final int GEN = 16;
    static final int BLOCK = 8;
    static final int STEPS = 8;
    /** The LlamaDenoisingModel instances are made for this many positions. */
    static final int CAPACITY = 32;
    static final int CTX_TRAIN = 128;
    static final String SHIFT_KEY = "diffusion.shift_logits";

    @TempDir
    static Path dir;

    static final Map<String, Path> files = new HashMap<>();
    static final Map<String, Model> models = new HashMap<>();
    static final Map<String, LlamaDenoisingModel> dlms = new HashMap<>();
    /** Per arch: the argmax (mask excluded) at each generated position of prompt + all masks, from raw logits. */
    static final Map<String, int[]> firstStepArgmax = new HashMap<>();
    static int[] prompt;

    @BeforeAll
    static void setUp() throws Exception {
        for (String arch : List.of("llada", "dream", "llama")) {
            Path p = dir.resolve(arch + ".gguf");
            Synth.write(new SynthSpec(arch, 2, 64, 4, 2, 128, CTX_TRAIN, 11, null, 512), p);
            files.put(arch, p);
        }
        files.put("noshift", withoutKey(files.get("dream"), dir.resolve("dream-noshift.gguf"), SHIFT_KEY));
        for (String arch : List.of("llada", "dream")) {
            Model m = Model.load(files.get(arch));
            models.put(arch, m);
            dlms.put(arch, new LlamaDenoisingModel(m, CAPACITY, THREADS));
        }
        // bos + four ordinary pieces; none is the mask or an EOG token
        prompt = new int[] {1, 300, 301, 302, 303};
        for (String arch : List.of("llada", "dream")) {
            Model m = models.get(arch);
            int[] seq = withMasks(prompt, GEN, m.vocab().mask());
            float[][] raw = rawLogits(m, seq);
            boolean shifted = arch.equals("dream");
            int[] expect = new int[GEN];
            for (int i = 0; i < GEN; i++) {
                int p = prompt.length + i;
                float[] row = raw[shifted ? p - 1 : p];
                expect[i] = LogitMath.argmaxExcluding(MemorySegment.ofArray(row), row.length, m.vocab().mask());
            }
            firstStepArgmax.put(arch, expect);
        }
    }

    @AfterAll
    static void tearDown() {
        dlms.values().forEach(LlamaDenoisingModel::close);
        models.values().forEach(Model::close);
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** Copies a GGUF file, entries and tensors, leaving out one metadata key. */
    static Path withoutKey(Path from, Path to, String key) throws Exception {
        try (GgufFile f = GgufFile.open(from)) {
            assertTrue(f.has(key));
            GgufWriter w = new GgufWriter();
            for (String k : f.entries().keySet()) {
                if (!k.equals(key)) w.copy(f, k);
            }
            for (TensorInfo t : f.tensors()) {
                w.addRawTensor(t.name(), t.type(), t.dims(), f.tensorData(t).toArray(ValueLayout.JAVA_BYTE));
            }
            w.write(to);
        }
        return to;
    }

    static int[] withMasks(int[] prompt, int gen, int mask) {
        int[] seq = Arrays.copyOf(prompt, prompt.length + gen);
        Arrays.fill(seq, prompt.length, seq.length, mask);
        return seq;
    }

    /** Every logits row of one decode of {@code seq}, in a context of its own, with no re-alignment. */
    static float[][] rawLogits(Model m, int[] seq) {
        int n = seq.length;
        try (Context ctx = m.newContext(new ContextParams(n, n, n, 1, THREADS, false));
             Batch b = ctx.newBatch(n)) {
            for (int i = 0; i < n; i++) b.add(seq[i], i, true, 0);
            ctx.decode(b);
            float[][] rows = new float[n][];
            for (int i = 0; i < n; i++) rows[i] = ctx.logits(i).toArray(ValueLayout.JAVA_FLOAT);
            return rows;
        }
    }

    static float[][] copyRows(LogitsView v) {
        return copyRows(v, 0, v.rows());
    }

    /** Rows [from, to) copied (the rest null): a view may be overwritten by the next forward call. */
    static float[][] copyRows(LogitsView v, int from, int to) {
        float[][] rows = new float[v.rows()][];
        for (int i = from; i < to; i++) rows[i] = v.row(i).toArray(ValueLayout.JAVA_FLOAT);
        return rows;
    }

    /** Keeps the steps of a trace, checking that a diffusion start event comes first. */
    static TraceListener steps(List<DiffusionStep> into) {
        boolean[] started = {false};
        return e -> {
            if (!started[0]) {
                assertTrue(e instanceof TraceStart t && t.diffusion(), "first event " + e);
                started[0] = true;
            } else {
                into.add(assertInstanceOfStep(e));
            }
        };
    }

    static DiffusionStep assertInstanceOfStep(TraceEvent e) {
        assertTrue(e instanceof DiffusionStep, "event " + e);
        return (DiffusionStep) e;
    }

    static long steps(GenerationResult r) {
        return r.extra("steps", -1);
    }

    static boolean stoppedEarly(GenerationResult r) {
        return (Boolean) r.extras().get("stopped_early");
    }

    /** Counts forward calls; end of generation is switched off unless asked for, so no run stops early by chance. */
    static final class Counting implements DenoisingModel {
        final DenoisingModel inner;
        final boolean eog;
        int calls;

        Counting(DenoisingModel inner, boolean eog) {
            this.inner = inner;
            this.eog = eog;
        }

        @Override public int vocabSize() { return inner.vocabSize(); }
        @Override public int maskToken() { return inner.maskToken(); }
        @Override public int maxSequenceLength() { return inner.maxSequenceLength(); }
        @Override public boolean isEndOfGeneration(int t) { return eog && inner.isEndOfGeneration(t); }

        @Override
        public LogitsView forward(int[] tokens, int from, int to) {
            calls++;
            return inner.forward(tokens, from, to);
        }
    }

    record Run(GenerationResult result, List<DiffusionStep> records, int calls) {}

    static Run run(String arch, String policy, DiffusionSettings s) {
        Counting model = new Counting(dlms.get(arch), false);
        List<DiffusionStep> records = new ArrayList<>();
        GenerationResult r = new DiffusionGenerator().generate(model, prompt, s, CliPolicies.create(policy), null, steps(records));
        return new Run(r, records, model.calls);
    }

    /**
     * Every mask filled; steps numbered 0..n-1; each step's positions lie in its block; blocks in increasing
     * order, each complete before the next starts; every position committed exactly once, with the token the
     * result holds.
     */
    static void checkFilledInBlockOrder(Run run, int mask, int vocab, String what) {
        int[] out = run.result().tokens();
        assertEquals(GEN, out.length, what);
        for (int t : out) {
            assertNotEquals(mask, t, what + ": mask token left in " + Arrays.toString(out));
            assertTrue(t >= 0 && t < vocab, what);
        }
        assertFalse(stoppedEarly(run.result()), what);
        assertEquals(StopReason.MAX_TOKENS, run.result().stopReason(), what);
        boolean[] done = new boolean[GEN];
        int block = 0;
        for (int i = 0; i < run.records().size(); i++) {
            DiffusionStep r = run.records().get(i);
            assertEquals(i, r.step(), what);
            assertTrue(r.blockIndex() >= block, what + ": block " + r.blockIndex() + " after block " + block);
            if (r.blockIndex() > block) {
                for (int p = 0; p < r.blockIndex() * BLOCK; p++) {
                    assertTrue(done[p], what + ": block " + r.blockIndex() + " started with position " + p + " masked");
                }
                block = r.blockIndex();
            }
            assertTrue(r.committedPositions().length > 0, what + ": empty step " + i);
            for (int j = 0; j < r.committedPositions().length; j++) {
                int p = r.committedPositions()[j];
                assertTrue(p >= block * BLOCK && p < (block + 1) * BLOCK,
                        what + ": step " + i + " committed " + p + " outside block " + block);
                assertFalse(done[p], what + ": position " + p + " committed twice");
                done[p] = true;
                assertEquals(out[p], r.tokens()[j], what + ": token at " + p);
            }
        }
        for (int p = 0; p < GEN; p++) assertTrue(done[p], what + ": position " + p + " never committed");
        assertEquals(run.records().size(), steps(run.result()), what);
    }

    static Stream<Arguments> archAndPolicy() {
        return Stream.of("llada", "dream").flatMap(a -> CliPolicies.names().stream().map(p -> Arguments.of(a, p)));
    }

    // ---- 1, 4, 5: every policy -----------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("archAndPolicy")
    void everyPolicyFillsInBlockOrderDeterministically(String arch, String policy) {
        LlamaDenoisingModel dlm = dlms.get(arch);
        int mask = dlm.maskToken();
        int vocab = dlm.vocabSize();
        DiffusionSettings s = DiffusionSettings.of(GEN, BLOCK, STEPS);
        Run a = run(arch, policy, s);
        checkFilledInBlockOrder(a, mask, vocab, policy);
        assertEquals(steps(a.result()), a.calls(), "one forward per step without cfg");
        assertEquals(a.calls(), a.result().forwardCalls());
        assertTrue(steps(a.result()) <= GEN, "at least one token per step");
        if (policy.equals("llada")) {
            assertEquals(STEPS, steps(a.result()), "vanilla NFE == steps");
        }

        // greedy: the first step commits, at each chosen position, the argmax of an independent raw decode
        DiffusionStep first = a.records().get(0);
        int[] expect = firstStepArgmax.get(arch);
        for (int j = 0; j < first.committedPositions().length; j++) {
            int p = first.committedPositions()[j];
            assertEquals(expect[p], first.tokens()[j], policy + ": step 0 token at generated position " + p);
        }

        Run b = run(arch, policy, s);
        assertArrayEquals(a.result().tokens(), b.result().tokens(), "two greedy runs");
        assertEquals(a.records().size(), b.records().size());
        for (int i = 0; i < a.records().size(); i++) {
            assertArrayEquals(a.records().get(i).committedPositions(), b.records().get(i).committedPositions());
        }

        Run c = run(arch, policy, s.withCfgScale(2.0));
        checkFilledInBlockOrder(c, mask, vocab, policy + " cfg");
        assertEquals(2 * steps(c.result()), c.calls(), "two forwards per step with cfg");
        assertEquals(c.calls(), c.result().forwardCalls());
        if (policy.equals("llada")) {
            assertEquals(STEPS, steps(c.result()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llada", "dream"})
    void cfgChangesTheResultAndIsDeterministic(String arch) {
        DiffusionSettings s = DiffusionSettings.of(GEN, BLOCK, STEPS);
        Run plain = run(arch, "llada", s);
        Run g1 = run(arch, "llada", s.withCfgScale(2.0));
        Run g2 = run(arch, "llada", s.withCfgScale(2.0));
        assertArrayEquals(g1.result().tokens(), g2.result().tokens());
        assertFalse(Arrays.equals(plain.result().tokens(), g1.result().tokens()),
                "guidance with the prompt masked out should change some token: " + Arrays.toString(plain.result().tokens()));
        assertEquals(2 * plain.calls(), g1.calls());
    }

    // ---- 2: shift_logits -------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"llada", "dream", "noshift"})
    void forwardRowsAreRawRowsRealignedPerShiftLogits(String which) throws Exception {
        Path file = files.get(which);
        String meta;
        try (GgufFile f = GgufFile.open(file)) {
            meta = f.has(SHIFT_KEY) ? Boolean.toString(f.getBoolean(SHIFT_KEY)) : null;
        }
        boolean expectShift = meta == null || Boolean.parseBoolean(meta);
        assertEquals(which.equals("llada") ? "false" : which.equals("dream") ? "true" : null, meta);
        try (Model m = Model.load(file); LlamaDenoisingModel dlm = new LlamaDenoisingModel(m, CAPACITY, THREADS)) {
            if (meta == null) assertNull(m.metadata(SHIFT_KEY));
            assertEquals(expectShift, dlm.shiftsLogits(), which);
            int[] seq = withMasks(prompt, 8, dlm.maskToken());
            seq[prompt.length + 2] = 400; // some committed tokens among the masks
            seq[prompt.length + 5] = 401;
            float[][] got = copyRows(dlm.forward(seq, 0, seq.length));
            float[][] raw = rawLogits(m, seq);
            assertEquals(seq.length, got.length);
            boolean someDiffer = false;
            for (int p = 1; p < seq.length; p++) {
                int source = expectShift ? p - 1 : p;
                int other = expectShift ? p : p - 1;
                assertArrayEquals(raw[source], got[p], which + ": row " + p + " should be raw row " + source);
                someDiffer |= !Arrays.equals(raw[other], got[p]);
            }
            assertTrue(someDiffer, "rows must tell shifted from unshifted apart");
        }
    }

    /**
     * The generator asks for one block's rows: they must be bit-identical to the same rows of a full-range
     * forward over the same tokens, for a shifting and a non-shifting model, at the start of the sequence
     * (where a shifting model's position 0 reuses row 0), in the middle and for the last block; other rows throw.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llada", "dream"})
    void rangedForwardRowsAreTheFullForwardsRows(String arch) {
        LlamaDenoisingModel dlm = dlms.get(arch);
        assertEquals(arch.equals("dream"), dlm.shiftsLogits(), arch);
        int[] seq = withMasks(prompt, GEN, dlm.maskToken());
        seq[prompt.length + 2] = 400; // some committed tokens among the masks
        seq[prompt.length + 9] = 401;
        int n = seq.length;
        float[][] full = copyRows(dlm.forward(seq, 0, n));
        int firstBlock = prompt.length;
        int lastBlock = prompt.length + GEN - BLOCK;
        int[][] ranges = {
            {0, 1}, {0, 2}, {0, prompt.length + 1}, {1, 2}, {1, 4},
            {firstBlock, firstBlock + BLOCK}, {firstBlock + BLOCK, firstBlock + 2 * BLOCK},
            {lastBlock, n}, {n - 1, n}, {0, n},
        };
        for (int[] range : ranges) {
            int from = range[0];
            int to = range[1];
            String what = arch + " [" + from + ", " + to + ")";
            LogitsView v = dlm.forward(seq, from, to);
            assertEquals(n, v.rows(), what);
            assertEquals(dlm.vocabSize(), v.vocabSize(), what);
            for (int p = from; p < to; p++) {
                float[] row = v.row(p).toArray(ValueLayout.JAVA_FLOAT);
                assertArrayEquals(full[p], row, what + ": row " + p);
                // bit for bit, NaN payloads and signed zeros included
                for (int t = 0; t < row.length; t++) {
                    if (Float.floatToRawIntBits(full[p][t]) != Float.floatToRawIntBits(row[t])) {
                        fail(what + ": row " + p + " token " + t + " differs in its bits");
                    }
                }
            }
            if (from > 0) {
                assertThrows(IndexOutOfBoundsException.class, () -> v.row(from - 1), what);
                assertThrows(IndexOutOfBoundsException.class, () -> v.get(0, 0), what);
            }
            if (to < n) {
                assertThrows(IndexOutOfBoundsException.class, () -> v.row(to), what);
                assertThrows(IndexOutOfBoundsException.class, () -> v.get(n - 1, 0), what);
            }
            assertThrows(IndexOutOfBoundsException.class, () -> v.row(-1), what);
            assertThrows(IndexOutOfBoundsException.class, () -> v.row(n), what);
        }
        // empty, reversed and out-of-sequence ranges are refused
        for (int[] bad : new int[][] {{3, 3}, {4, 2}, {-1, 2}, {0, n + 1}, {n, n + 1}}) {
            assertThrows(IllegalArgumentException.class, () -> dlm.forward(seq, bad[0], bad[1]), Arrays.toString(bad));
        }
        // and the model still answers a whole-sequence request with the same rows afterwards
        assertArrayEquals(full[n - 1], dlm.forward(seq, 0, n).row(n - 1).toArray(ValueLayout.JAVA_FLOAT));
    }

    // ---- 3: refusals -----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"llada", "dream"})
    void oversizeAndMisalignedRequestsAreRefusedBeforeAnyForward(String arch) {
        Counting model = new Counting(dlms.get(arch), false);
        int max = model.maxSequenceLength();
        assertTrue(max >= prompt.length + GEN && max < prompt.length + 2 * GEN, "capacity " + max);
        DiffusionSettings tooLong = DiffusionSettings.of(2 * GEN, BLOCK, STEPS);
        assertThrows(IllegalArgumentException.class,
                () -> new DiffusionGenerator().generate(model, prompt, tooLong, new LowConfidencePolicy(), null, null));
        assertEquals(0, model.calls, "refused before any forward");
        assertThrows(IllegalArgumentException.class, () -> dlms.get(arch).forward(new int[max + 1], 0, max + 1));
        assertThrows(IllegalArgumentException.class, () -> DiffusionSettings.of(GEN, 5, STEPS));
        // still usable afterwards
        GenerationResult r = new DiffusionGenerator().generate(model, prompt, DiffusionSettings.of(GEN, BLOCK, STEPS),
                new LowConfidencePolicy(), null, null);
        assertEquals(GEN, r.tokens().length);
        assertEquals(STEPS, model.calls);
    }

    @Test
    void nonCausalBatchLargerThanMicroBatchIsRefused() throws Exception {
        try (Model m = Model.load(files.get("llama"));
             Context ctx = m.newContext(new ContextParams(64, 64, 16, 1, THREADS, false));
             Batch b = ctx.newBatch(32)) {
            assertEquals(16, ctx.microBatch());
            for (int i = 0; i < 32; i++) b.add(300 + i, i, i == 31, 0);
            ctx.setCausalAttention(false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ctx.decode(b));
            assertTrue(e.getMessage().contains("n_ubatch"), e.getMessage());
            // causal again, the same batch is split into micro-batches and decodes
            ctx.setCausalAttention(true);
            ctx.decode(b);
            assertEquals(1, ctx.outputCount());
        }
    }

    record Cli(int rc, String out, String err) {}

    static Cli cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Cli(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static void assertOneLineError(Cli c, int... codes) {
        assertTrue(Arrays.stream(codes).anyMatch(x -> x == c.rc()), "exit " + c.rc() + ": " + c.err());
        String e = c.err().strip();
        assertTrue(e.startsWith("paradec: "), e);
        assertFalse(e.contains("\n"), "one line: " + e);
    }

    @Test
    void cliRefusesBadDiffusionRequests() {
        String llada = files.get("llada").toString();
        String llama = files.get("llama").toString();
        // prompt + generation beyond the model's trained context
        assertOneLineError(cli("generate", "-m", llada, "-p", "hello", "--gen-length", "256", "--block-length", "256",
                "--steps", "1", "--threads", "1", "--json"), 2, 3);
        assertOneLineError(cli("generate", "-m", llada, "-p", "hello", "--gen-length", "16", "--block-length", "5",
                "--threads", "1", "--json"), 2, 3);
        assertOneLineError(cli("generate", "-m", llada, "-p", "hello", "--gen-length", "16", "--decoder", "jacobi",
                "--threads", "1", "--json"), 2);
        assertOneLineError(cli("generate", "-m", llama, "-p", "hello", "-n", "4", "--decoder", "llada",
                "--threads", "1", "--json"), 2);
        // and a valid request afterwards still works in the same JVM
        Cli ok = cli("generate", "-m", llada, "-p", "hello", "--gen-length", "8", "--block-length", "8", "--steps", "2",
                "--threads", "1", "--json");
        assertEquals(0, ok.rc(), ok.err());
        assertTrue(ok.out().contains("\"forward_calls\":"), ok.out());
    }

    // ---- 6: trace --------------------------------------------------------------------------------

    @Test
    void cliTraceHasHeaderAndCoversEveryPositionOnce() throws Exception {
        Path trace = dir.resolve("trace.jsonl");
        Cli c = cli("generate", "-m", files.get("dream").toString(), "-p", "hello", "--gen-length", "16",
                "--block-length", "8", "--steps", "8", "--decoder", "fast-dllm", "--trace", trace.toString(),
                "--threads", "1", "--json");
        assertEquals(0, c.rc(), c.err());
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(trace));
        // the generation's result closes the trace (trace-view's summary reads it)
        assertTrue(lines.removeLast().contains("\"kind\":\"result\""));
        assertTrue(lines.get(0).contains("\"kind\":\"diffusion-header\""), lines.get(0));
        assertTrue(lines.get(0).contains("\"gen_length\":16"), lines.get(0));
        assertTrue(lines.get(0).contains("\"block_length\":8"), lines.get(0));
        int steps = intField(c.out(), "steps");
        assertEquals(steps, lines.size() - 1, "one line per step");
        int[] seen = new int[16];
        Pattern positions = Pattern.compile("\"positions\":\\[([0-9,]*)\\]");
        for (int i = 1; i < lines.size(); i++) {
            assertTrue(lines.get(i).contains("\"step\":" + (i - 1) + ","), lines.get(i));
            Matcher mt = positions.matcher(lines.get(i));
            assertTrue(mt.find(), lines.get(i));
            for (String s : mt.group(1).split(",")) seen[Integer.parseInt(s)]++;
        }
        String stop = c.out().replaceAll(".*\"stop_reason\":\"([a-z_]+)\".*", "$1").strip();
        if (stop.equals("max_tokens")) {
            for (int p = 0; p < 16; p++) assertEquals(1, seen[p], "position " + p + " in " + lines);
        } else {
            // stopped at an EOG: a prefix was committed, each position at most once
            assertEquals("eog", stop);
            for (int p = 0; p < 16; p++) assertTrue(seen[p] <= 1, "position " + p);
        }
    }

    static int intField(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(json);
        if (!m.find()) fail("no " + name + " in " + json);
        return Integer.parseInt(m.group(1));
    }

    // ---- 7: early stop ---------------------------------------------------------------------------

    /** The native model with the EOS logit raised at one generated position, so EOS is committed there early. */
    static final class EosAt implements DenoisingModel {
        final LlamaDenoisingModel inner;
        final int position;
        final int eos;
        int calls;

        EosAt(LlamaDenoisingModel inner, int position, int eos) {
            this.inner = inner;
            this.position = position;
            this.eos = eos;
        }

        @Override public int vocabSize() { return inner.vocabSize(); }
        @Override public int maskToken() { return inner.maskToken(); }
        @Override public int maxSequenceLength() { return inner.maxSequenceLength(); }
        @Override public boolean isEndOfGeneration(int t) { return inner.isEndOfGeneration(t); }

        @Override
        public LogitsView forward(int[] tokens, int from, int to) {
            calls++;
            float[][] rows = copyRows(inner.forward(tokens, from, to), from, to);
            if (position >= from && position < to) rows[position][eos] += 50f;
            int vocab = inner.vocabSize();
            return new LogitsView() {
                @Override public int rows() { return rows.length; }
                @Override public int vocabSize() { return vocab; }
                @Override public MemorySegment row(int r) {
                    if (r < from || r >= to) throw new IndexOutOfBoundsException("row " + r + " outside [" + from + ", " + to + ")");
                    return MemorySegment.ofArray(rows[r]);
                }
            };
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llada", "dream"})
    void earlyStopAfterEosWithEverythingBeforeItCommitted(String arch) {
        int eos = models.get(arch).vocab().eos();
        assertTrue(dlms.get(arch).isEndOfGeneration(eos));
        int eosRel = 3;
        EosAt model = new EosAt(dlms.get(arch), prompt.length + eosRel, eos);
        List<DiffusionStep> records = new ArrayList<>();
        GenerationResult r = new DiffusionGenerator().generate(model, prompt, DiffusionSettings.of(GEN, BLOCK, STEPS),
                new LowConfidencePolicy(), null, steps(records));
        int[] out = r.tokens();
        assertEquals(GEN, out.length);
        assertEquals(eos, out[eosRel]);
        // replay the steps: the run must end at the first step after which 0..eosRel are all committed
        boolean[] done = new boolean[GEN];
        int stopStep = -1;
        for (DiffusionStep rec : records) {
            assertEquals(-1, stopStep, "a step after the EOS prefix was complete");
            for (int p : rec.committedPositions()) done[p] = true;
            boolean prefix = true;
            for (int p = 0; p <= eosRel; p++) prefix &= done[p];
            if (prefix) stopStep = rec.step();
        }
        assertTrue(stopStep >= 0);
        assertEquals(stopStep + 1, model.calls, "no forward after the stop");
        assertEquals(model.calls, r.forwardCalls());
        assertTrue(model.calls < STEPS, "stopped before the step budget");
        assertTrue(stoppedEarly(r));
        assertEquals(StopReason.END_OF_GENERATION, r.stopReason());
        for (int p = eosRel + 1; p < GEN; p++) {
            if (!done[p]) assertEquals(eos, out[p], "padding at " + p);
        }
        for (int t : out) assertNotEquals(model.maskToken(), t);

        GenerationResult trimmed = new DiffusionGenerator().generate(new EosAt(dlms.get(arch), prompt.length + eosRel, eos),
                prompt, DiffusionSettings.of(GEN, BLOCK, STEPS).withTrimAtEog(true), new LowConfidencePolicy(), null, null);
        int firstEos = 0;
        while (out[firstEos] != eos) firstEos++;
        assertArrayEquals(Arrays.copyOf(out, firstEos), trimmed.tokens(), "trimmed before the first EOS");
    }
}
