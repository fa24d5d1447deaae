package paradec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import paradec.decode.ContextNeeds;
import paradec.decode.CostCurve;
import paradec.engine.GenerationRequest;
import paradec.engine.ParadecModel;
import paradec.generation.GenerationResult;
import paradec.json.JsonWriter;
import paradec.llama.ModelParams;

/**
 * {@code paradec bench}: every decoder on the same prompts in one process, interleaved, with
 * llama.cpp's own tools in the same loop when asked. Speeds are medians with min-max spread;
 * speedups are medians of per-run ratios against the AR run of the same prompt and round.
 */
final class BenchCommand {
    static final List<String> DEFAULT_PROMPTS = List.of(
            "def fibonacci(n):",
            "import os\nimport sys\n\nclass Config:",
            "for i in range(10):\n    print(i)\nfor i in range(10):",
            "The quick brown fox jumps over the lazy dog. The quick brown fox");

    private BenchCommand() {}

    /** How long the warm-up's passes must run without the JIT compiling before the timed runs start. */
    static final long QUIET_NANOS = 1_000_000_000L;
    /**
     * The compilers' share of a pass above which the warm-up goes on. Measured as their threads' CPU time, C2 at
     * 2-5% of a core went on into the timed runs when the warm-up stopped at 5%, competing with ggml's workers.
     */
    static final double CPU_BUSY_SHARE = 0.01;
    /** The same, counted by finished compilations (no per-thread clock): a long compilation shows up late. */
    static final double MXBEAN_BUSY_SHARE = 0.05;

    static final List<Options.Opt> OPTIONS = Options.table(GenerateCommand.MODEL, GenerateCommand.GENERATION, List.of(
            Options.Opt.value("--threads|-t", "N", "physical cores", "CPU threads, the same for paradec (its ceiling) and llama.cpp's tools"),
            Options.Opt.value("--decoders", "LIST", "the model's: ar,jacobi,lookahead or its diffusion policies",
                    "comma-separated decoders, the baseline first (ar for an autoregressive model)"),
            Options.Opt.value("--prompts", "FILE", "built-in code prompts", "prompts, one per line"),
            Options.Opt.value("--repeat", "R", "3", "timed rounds per prompt and decoder"),
            Options.Opt.flag("--against-llama-cpp", "time llama.cpp's own tools on the same model, prompts and threads"),
            Options.Opt.value("--anchors", "LIST", "all the model's", "which tools --against-llama-cpp times (implies it): "
                    + String.join(",", LlamaCppTools.AR_ANCHORS) + " for an autoregressive model, "
                    + String.join(",", LlamaCppTools.DIFFUSION_ANCHORS) + " for a diffusion one"),
            Options.Opt.value("--out", "FILE", null, "write the report (markdown) there"),
            Options.Opt.value("--tokens-per-step", "K", null, "diffusion: steps = generation length / K at every --gen-length"),
            Options.Opt.flag("--json", "print the runs as JSON")));

    static final String NOTES = "Speedups are ratios against the first decoder, measured in one run, interleaved.";

    /**
     * One timed generation; {@code positions} is the rows computed over all its forward calls (0: not known).
     * For an autoregressive model {@code tokensPerSecond} counts from the first token on, as llama.cpp's tools
     * do, and {@code wholeRunTokensPerSecond} includes the prompt's pass (0: not measured, the anchors).
     */
    record Run(String decoder, int prompt, int round, double tokensPerSecond, double tokensPerCall, long calls, int tokens,
               long positions, double decodeMs, double memoryMs, double javaMs, Boolean sameAsAr, double wholeRunTokensPerSecond) {
        Run(String decoder, int prompt, int round, double tokensPerSecond, double tokensPerCall, long calls, int tokens,
            long positions, double decodeMs, double memoryMs, double javaMs, Boolean sameAsAr) {
            this(decoder, prompt, round, tokensPerSecond, tokensPerCall, calls, tokens, positions, decodeMs, memoryMs, javaMs, sameAsAr, 0);
        }
    }

    /** The runs of one model at one generation length, with its report parts. */
    record Section(Path model, String description, int genLength, String baseline, List<Run> runs, List<String> prompts,
                   int maxNew, String table, String extra) {}

    static int run(String[] args, PrintStream out, PrintStream err) throws UsageException, IOException {
        Options o = Options.parse(args, 1, OPTIONS);
        // a long-lived process: its warm-up should compile the vector kernels that the measured runs use
        paradec.logits.LogitMath.useVectorsNow();
        // -m A,B and --gen-length 256,512: one section per model and length, in one process and one report
        List<Path> models = o.has("-m", "--model")
                ? Arrays.stream(o.get("-m", "--model").split(",")).map(String::trim).map(Path::of).toList() : List.of(Main.modelPath(o));
        List<String> lengths = o.has("--gen-length") ? Arrays.stream(o.get("--gen-length").split(",")).map(String::trim).toList() : List.of("");
        int repeat = o.getInt(3, 1, 1000, "--repeat");
        int threads = o.getInt(paradec.llama.ContextParams.defaultThreads(), 1, 1024, "--threads");
        List<Section> sections = new ArrayList<>();
        for (Path model : models) {
            for (String length : lengths) {
                Options so = o.with(model.toString(), "-m", "--model");
                if (!length.isEmpty()) so = so.with(length, "--gen-length");
                if (o.has("--tokens-per-step")) {
                    // steps scale with the length: the same tokens per step at every length
                    int perStep = o.getInt(1, 1, 1 << 16, "--tokens-per-step");
                    int genLength = so.getInt(so.getInt(64, 1, 100_000, "-n"), 1, 1 << 16, "--gen-length");
                    so = so.with(Integer.toString(Math.max(1, genLength / perStep)), "--steps");
                }
                Section s = section(so, model, repeat, threads, err);
                sections.add(s);
                if (!o.has("--json")) {
                    if (sections.size() > 1 || models.size() * lengths.size() > 1) out.println("## " + title(s));
                    out.print(s.table());
                }
            }
        }
        if (o.has("--json")) out.println(Report.json(sections));
        if (o.has("--out")) {
            Section first = sections.get(0);
            boolean lossless = first.baseline().equals("ar");
            String heading = lossless ? "Autoregressive decoders: AR, Jacobi, lookahead" : "Diffusion decoders: unmasking policies";
            String report;
            if (sections.size() == 1) {
                report = Report.document(heading, first.model(), first.description(), String.join(" ", args), repeat, first.prompts(),
                        first.maxNew(), threads, first.table(), first.extra());
            } else {
                StringBuilder body = new StringBuilder(Report.sweepTable(sections)).append('\n');
                for (Section s : sections) {
                    body.append("## ").append(title(s)).append("\n\n").append(s.table()).append('\n').append(s.extra()).append('\n');
                }
                report = Report.sweepDocument(heading, sections, String.join(" ", args), repeat, threads, body.toString());
            }
            Files.writeString(Path.of(o.get("--out")), report, StandardCharsets.UTF_8);
            err.println("wrote " + o.get("--out"));
        }
        return Main.OK;
    }

    static String title(Section s) {
        return s.model().getFileName() + ", " + s.maxNew() + " tokens";
    }

    /** Every decoder of the command line on one model, interleaved and repeated. */
    private static Section section(Options o, Path modelPath, int repeat, int threads, PrintStream err) throws UsageException, IOException {
        int maxNew = o.getInt(64, 1, 100_000, "-n");
        List<String> rawPrompts = o.has("--prompts") ? readPrompts(Path.of(o.get("--prompts"))) : DEFAULT_PROMPTS;
        try (ParadecModel model = ParadecModel.load(modelPath, Placement.modelParams(o), threads)) {
            List<String> decoders = o.has("--decoders")
                    ? Arrays.stream(o.get("--decoders").split(",")).map(String::trim).toList() : model.defaultDecoders();
            // speedups are ratios against the first decoder; for an autoregressive model that must be AR itself
            String baseline = decoders.get(0);
            boolean lossless = baseline.equals("ar");
            if (ParadecModel.AR_DECODERS.contains(baseline) && !lossless) {
                throw new UsageException("--decoders must start with ar: speedups are measured against it");
            }
            for (String d : decoders) {
                try {
                    model.checkDecoder(d);
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--decoders: " + e.getMessage());
                }
            }
            Map<String, GenerationRequest> requests = new LinkedHashMap<>();
            for (String d : decoders) {
                GenerationRequest q = DecoderSpec.request(d, o, model, maxNew);
                // --kv-cache prefix on a diffusion model: each policy with and without the cache, side by side
                if (q.diffusionCache() > 0) {
                    requests.put(d, q.diffusionCache(0));
                    requests.put(d + "+prefix", q);
                } else {
                    requests.put(d, q);
                }
            }
            // each decoder runs on the context it gets from the engine, as a user's would: a context sized for
            // lookahead (a dozen sequences, unified KV) makes every llama_decode slower, AR's by ~6-10% here
            ContextNeeds arNeeds = null;
            for (GenerationRequest q : requests.values()) {
                if (q.decoder() instanceof paradec.decode.ArDecoder) arNeeds = q.decoder().needs();
            }
            Set<String> wanted = anchors(o, LlamaCppTools.anchorsOf(model.model(), decoders.contains("draft")));
            LlamaCppTools.Anchors anchors = wanted != null
                    ? new LlamaCppTools(Main.root(), modelPath, threads, Placement.modelParams(o).gpuLayers()).anchorsFor(model.model(), maxNew, DecoderSpec.diffusionSettings(o, maxNew, 32),
                            // the draft decoder's drafter (checked autoregressive above) drafts for llama-server's draft-simple too
                            decoders.contains("draft") ? Path.of(o.get("--draft-model")) : null,
                            "auto".equals(o.getOr("auto", "--draft-length")) ? 0 : o.getInt(8, 1, 63, "--draft-length"), wanted)
                    : LlamaCppTools.NONE;
            Section section;
            try {
                List<String> prompts = anchors.prompts(rawPrompts);
                int[][] promptTokens = prompts.stream().map(model::tokenize).toArray(int[][]::new);
                // warm-up (JIT, first touch of the weights; not timed): every decoder once on the first prompt, then
                // passes over the prompts until the JIT is quiet (see warm)
                for (GenerationRequest q : requests.values()) model.generate(promptTokens[0], q);
                // and every anchor once, untimed: the first child process loads the JDK's process classes, a thread
                // pool's worker among them, a second subclass of the lock class the decode path takes; C2 had
                // compiled that path for one, so all of it (Context.decode, ArDecoder.generate, ...) was deoptimised
                // and recompiled inside the first timed round (-Xlog:jit+compilation,class+load)
                anchors.run(rawPrompts.get(0), promptTokens[0].length, 0, -1);
                JitClock jit = JitClock.of();
                warm(model, requests, promptTokens, baseline, lossless, jit, 30_000_000_000L);
                // the curves the auto modes decide by, measured once the decode path is compiled as the timed runs
                // will find it (measured first thing, a young JVM's one-token decodes made every window look cheap)
                CostCurve curve = arNeeds == null ? null : model.recalibrateCostCurve(arNeeds, 0);
                // the draft decoder's tuner weighs its drafter's one-token decode: measured now too, on the same machine state
                for (GenerationRequest q : requests.values()) {
                    if (q.decoder() == null) continue;
                    for (Object helper : q.decoder().auxiliaryModels()) {
                        if (helper instanceof paradec.engine.LlamaCausalModel drafter) paradec.engine.CostCurves.recalibrate(drafter);
                    }
                }
                // the curve's decodes of up to 64 tokens deoptimise code the warm-up compiled for its own batch sizes
                // (LlamaCausalModel.decode, Context.views, ThreadChooser.choose: uncommon traps, -XX:+PrintCompilation);
                // recompiled here, not in the timed runs
                warm(model, requests, promptTokens, baseline, lossless, jit, 10_000_000_000L);

                List<Run> runs = new ArrayList<>();
                for (int r = 0; r < repeat; r++) {
                    for (int p = 0; p < prompts.size(); p++) {
                        runs.addAll(round(model, requests, promptTokens[p], p, r, baseline, lossless));
                        runs.addAll(anchors.run(rawPrompts.get(p), promptTokens[p].length, p, r));
                    }
                }
                String versus = Report.againstTools(runs);
                String table = Report.table(runs, baseline) + (versus.isEmpty() ? "" : "\n" + versus);
                String extra = (curve != null ? Report.curveTable(curve) : perStep(runs, baseline)) + anchors.notes();
                section = new Section(modelPath, model.model().description(), requests.get(baseline).maxTokens(), baseline, runs, prompts,
                        requests.get(baseline).maxTokens(), table, extra);
            } finally {
                anchors.close();
            }
            // once llama-server is gone: nothing else of the bench runs beside the one-shot processes
            if (!lossless || wanted == null || !wanted.contains("llama-completion")) return section;
            return new Section(section.model(), section.description(), section.genLength(), section.baseline(), section.runs(),
                    section.prompts(), section.maxNew(), section.table(), section.extra()
                            + oneShot(o, modelPath, threads, section.prompts().get(0), maxNew, repeat));
        }
    }

    /**
     * The whole-process comparison a user of a one-shot command sees (bin/paradec generate against
     * llama-completion), after the warm runs; a launcher that cannot run here leaves a note instead of failing the bench.
     */
    private static String oneShot(Options o, Path modelPath, int threads, String prompt, int maxNew, int repeat) throws UsageException {
        try {
            return new LlamaCppTools(Main.root(), modelPath, threads, Placement.modelParams(o).gpuLayers()).oneShot(Main.root(), prompt, maxNew, 2 * repeat + 1);
        } catch (IOException e) {
            return "\nOne-shot, whole process: not measured (" + e.getMessage().lines().findFirst().orElse("") + ").\n";
        }
    }

    /**
     * The llama.cpp tools to time: null without {@code --against-llama-cpp} or {@code --anchors}, else the ones
     * {@code --anchors} names (all of {@code known}, the model's, without it).
     */
    static Set<String> anchors(Options o, List<String> known) throws UsageException {
        if (!o.has("--against-llama-cpp") && !o.has("--anchors")) return null;
        if (!o.has("--anchors")) return new LinkedHashSet<>(known);
        Set<String> wanted = new LinkedHashSet<>();
        for (String name : o.get("--anchors").split(",", -1)) {
            String n = name.trim();
            if (!known.contains(n)) {
                throw new UsageException("--anchors: " + (n.isEmpty() ? "an empty name" : "'" + n + "'") + " is not one of "
                        + String.join(",", known) + (n.equals(LlamaCppTools.DRAFT_SIMPLE)
                        ? " (draft-simple needs an autoregressive model, the draft decoder and --draft-model)" : ""));
            }
            wanted.add(n);
        }
        return wanted;
    }

    /** Forward and Java time per forward call of the baseline (diffusion reports). */
    private static String perStep(List<Run> runs, String baseline) {
        double[] javaPerCall = runs.stream().filter(r -> r.decoder().equals(baseline)).mapToDouble(r -> r.javaMs() / r.calls()).toArray();
        double[] decodePerCall = runs.stream().filter(r -> r.decoder().equals(baseline)).mapToDouble(r -> r.decodeMs() / r.calls()).toArray();
        return "Greedy. NFE per run is the calls/run column.\n\nPer forward call, " + baseline + ": llama_decode "
                + fmt(Report.median(decodePerCall)) + " ms, Java (statistics of the masked rows, policy, bookkeeping) "
                + fmt(Report.median(javaPerCall)) + " ms (medians).\n";
    }

    static List<String> readPrompts(Path file) throws IOException {
        // one prompt per line; a literal \n inside a line stands for a newline
        List<String> prompts = Main.readText(file).lines()
                .filter(l -> !l.isBlank()).map(l -> l.replace("\\n", "\n")).toList();
        if (prompts.isEmpty()) throw new IllegalArgumentException(file + ": no prompts");
        return prompts;
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }

    static String today() {
        return LocalDate.now().toString();
    }

    static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (IOException e) {
            // not Linux: the CPU name is decoration
        }
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores visible to the JVM";
    }

    static JsonWriter runJson(JsonWriter j, Run r) {
        j.beginObject().field("decoder", r.decoder()).field("prompt", r.prompt()).field("round", r.round())
                .field("tokens_per_second", r.tokensPerSecond()).field("tokens_per_call", r.tokensPerCall())
                .field("forward_calls", r.calls()).field("generated_tokens", r.tokens()).field("positions_computed", r.positions()).field("decode_ms", r.decodeMs()).field("kv_ops_ms", r.memoryMs())
                .field("java_ms", r.javaMs());
        if (r.wholeRunTokensPerSecond() > 0) j.field("tokens_per_second_with_prompt", r.wholeRunTokensPerSecond());
        if (r.sameAsAr() != null) j.field("same_as_ar", r.sameAsAr());
        return j.endObject();
    }

    /**
     * Rounds of every request over every prompt until the JIT has been quiet (see {@link JitClock#busy}) for {@link
     * #QUIET_NANOS} of passes in a row, or {@code limitNanos} have gone by. The compiler thread takes one of the cores
     * ggml's threads use: C2 compiled 50-70 methods a second into the measured runs of a short bench; and one quiet
     * pass of a few short generations is no proof, since a long compilation goes on across passes.
     */
    private static void warm(ParadecModel model, Map<String, GenerationRequest> requests, int[][] prompts, String baseline,
                             boolean lossless, JitClock jit, long limitNanos) {
        long until = System.nanoTime() + limitNanos;
        long quiet = 0;
        for (int pass = 0; quiet < QUIET_NANOS; pass++) {
            long compiling = jit.nanos();
            long passStart = System.nanoTime();
            for (int p = 0; p < prompts.length; p++) {
                if (System.nanoTime() > until) return;
                round(model, requests, prompts[p], p, pass, baseline, lossless);
            }
            long passNanos = System.nanoTime() - passStart;
            quiet = jit.busy(compiling, passNanos) ? 0 : quiet + passNanos;
        }
    }

    /**
     * Every decoder once on one prompt, in an order rotated by round and prompt so no decoder always runs first
     * (caches, turbo, neighbours). The warm-up runs exactly this too, so the timed runs meet no code the JIT has
     * not compiled yet. Runs follow each other without a pause, as llama-bench's timed tokens follow its own start and
     * warm-up run: a 40 ms pause before each run (meant to let the OpenMP workers of the run before stop spinning)
     * made paradec's AR 20-33% slower here (three interleaved pairs), the cores of this VM coming back slow from idle.
     */
    private static List<Run> round(ParadecModel model, Map<String, GenerationRequest> requests, int[] prompt, int p, int r,
                                   String baseline, boolean lossless) {
        List<String> order = new ArrayList<>(requests.keySet());
        Map<String, GenerationResult> results = new LinkedHashMap<>();
        for (int i = 0; i < order.size(); i++) {
            String d = order.get((i + r + p) % order.size());
            results.put(d, model.generate(prompt, requests.get(d)));
        }
        int[] reference = results.get(baseline).tokens();
        List<Run> runs = new ArrayList<>(order.size());
        for (String d : order) {
            GenerationResult g = results.get(d);
            long memory = g.extra("memory_nanos", 0);
            runs.add(new Run(d, p, r, g.generationTokensPerSecond(), g.tokensPerCall(), g.forwardCalls(), g.generatedTokens(),
                    g.extra("positions_computed", 0), (g.nativeNanos() - memory) / 1e6, memory / 1e6, g.javaNanos() / 1e6,
                    lossless ? Arrays.equals(reference, g.tokens()) : null, g.tokensPerSecond()));
        }
        return runs;
    }

    /**
     * How much the JIT compilers have worked, in nanoseconds: their threads' CPU time where Linux reports it per
     * thread (/proc/self/task/N/schedstat), which counts a compilation while it runs; otherwise the JVM's total
     * compilation time (java.management), which counts one only once it finishes; otherwise never busy.
     */
    record JitClock(java.util.function.LongSupplier clock, double busyShare) {
        static final Path TASKS = Path.of("/proc/self/task");

        static JitClock of() {
            if (compilerThreadNanos(TASKS) > 0) return new JitClock(() -> compilerThreadNanos(TASKS), CPU_BUSY_SHARE);
            if (ModuleLayer.boot().findModule("java.management").isEmpty()) return new JitClock(null, 0);
            java.lang.management.CompilationMXBean b = java.lang.management.ManagementFactory.getCompilationMXBean();
            return b != null && b.isCompilationTimeMonitoringSupported()
                    ? new JitClock(() -> b.getTotalCompilationTime() * 1_000_000L, MXBEAN_BUSY_SHARE) : new JitClock(null, 0);
        }

        long nanos() {
            return clock == null ? 0 : clock.getAsLong();
        }

        /** Whether the compilers worked more than {@code busyShare} of a pass that started at {@code before} and took {@code passNanos}. */
        boolean busy(long before, long passNanos) {
            return clock != null && nanos() - before > passNanos * busyShare;
        }

        /**
         * The CPU time of this JVM's compiler threads ("C1 CompilerThre", "C2 CompilerThre" as Linux truncates their
         * names), 0 where {@code tasks} cannot be read.
         */
        static long compilerThreadNanos(Path tasks) {
            long sum = 0;
            try (java.util.stream.Stream<Path> threads = Files.list(tasks)) {
                for (Path t : (Iterable<Path>) threads::iterator) {
                    try {
                        String comm = Files.readString(t.resolve("comm"));
                        if (!comm.startsWith("C1 Compiler") && !comm.startsWith("C2 Compiler")) continue;
                        String stat = Files.readString(t.resolve("schedstat")).trim();
                        int space = stat.indexOf(' ');
                        sum += Long.parseLong(space < 0 ? stat : stat.substring(0, space));
                    } catch (IOException | RuntimeException gone) {
                        // a thread that ended while listed, or a kernel without schedstat: counts nothing
                    }
                }
            } catch (IOException | RuntimeException e) {
                return 0;
            }
            return sum;
        }
    }
}
