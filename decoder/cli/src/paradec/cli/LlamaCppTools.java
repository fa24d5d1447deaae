package paradec.cli;

import paradec.diffusion.DiffusionSettings;
import paradec.llama.ChatMessage;
import paradec.llama.ChatTemplates;
import paradec.llama.Model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs llama.cpp's own example programs (built from the same source tree by make native) on the
 * same model and prompt, and reads the speed they report.
 */
final class LlamaCppTools {
    private static final Pattern SPEED = Pattern.compile("decoded\\s+(\\d+) tokens in\\s+([0-9.]+) s(?:econds)?, speed:\\s+([0-9.]+) t/s");
    private static final Pattern ACCEPT = Pattern.compile("n_accept\\s*=\\s*(\\d+)");
    private static final Pattern DIFFUSION_TOTAL =
            Pattern.compile("total time: ([0-9.]+)ms, time per step: ([0-9.]+)ms, sampling time per step: ([0-9.]+)ms");
    private static final Pattern PREDICT = Pattern.compile("n_predict\\s*=\\s*(\\d+)");
    private final Path bin;
    private final Path model;
    private final int threads;
    private final List<String> placement;

    LlamaCppTools(Path root, Path model, int threads) {
        this(root, model, threads, 0);
    }

    /** @param gpuLayers the layers paradec offloads (-1: all), passed to every tool as {@code -ngl} */
    LlamaCppTools(Path root, Path model, int threads, int gpuLayers) {
        // the tools of the build paradec itself runs on (a CUDA build's next to its libraries)
        String dir = System.getProperty(paradec.llama.NativeLibrary.DIR_PROPERTY, System.getenv(paradec.llama.NativeLibrary.DIR_ENV));
        this.bin = dir != null && !dir.isBlank() ? Path.of(dir) : root.resolve("build/llama/bin");
        this.model = model;
        this.threads = threads;
        // the tools' own default offloads everything on a GPU build: give them what paradec gets
        this.placement = List.of("-ngl", Integer.toString(gpuLayers < 0 ? 999 : gpuLayers));
    }

    private List<String> with(List<String> command) {
        List<String> all = new ArrayList<>(command);
        all.addAll(placement);
        return all;
    }

    /**
     * The value of column {@code name} in the first data line after llama-bench's last CSV header ({@code -o csv}),
     * unquoted (a quoted value may hold commas: a GPU build's backends are "CUDA,BLAS").
     *
     * @throws IOException if there is no header, no data line after it, or no such column
     */
    static String csvField(String log, String name) throws IOException {
        List<String> lines = log.lines().filter(l -> !l.isBlank()).toList();
        int header = -1;
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).startsWith("build_commit")) header = i;
        if (header < 0 || header + 1 >= lines.size()) throw new IOException("llama-bench printed no CSV result:\n" + tail(log));
        List<String> names = csvCells(lines.get(header));
        List<String> values = csvCells(lines.get(header + 1));
        int at = names.indexOf(name);
        if (at < 0 || at >= values.size()) throw new IOException("llama-bench's CSV has no " + name + ":\n" + tail(log));
        return values.get(at);
    }

    /** One CSV line's cells: commas inside double quotes belong to the cell, a doubled quote is a quote. */
    static List<String> csvCells(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                if (quoted && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else {
                    quoted = !quoted;
                }
            } else if (c == ',' && !quoted) {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString());
        return cells;
    }

    /** llama-simple: greedy AR in C++. */
    BenchCommand.Run simple(String prompt, int n, int promptIndex, int round) throws IOException {
        String log = execUntil(List.of(bin.resolve("llama-simple").toString(), "-m", model.toString(), "-n", Integer.toString(n), prompt), SPEED);
        Matcher m = SPEED.matcher(log);
        if (!m.find()) throw new IOException("llama-simple printed no speed line:\n" + tail(log));
        int tokens = Integer.parseInt(m.group(1));
        return new BenchCommand.Run("llama-simple (C++)", promptIndex, round, Double.parseDouble(m.group(3)), 1, tokens, tokens, 0, 0, 0, 0, null);
    }

    /**
     * llama-bench's text generation (tg) of n tokens with the same threads: llama.cpp's own AR limit on
     * this machine (one run; its tokens/s is avg_ts of its CSV line). {@code depth} tokens are in the context
     * before the timed ones ({@code -d}, outside llama-bench's timer), so its n tokens sit at the positions
     * paradec's generation after a prompt of that many tokens does: on a small model attention over a longer
     * context is a visible part of a token's cost (code-ar, 2 threads: 12% slower at depth 48 than at 0).
     *
     * @throws IOException if llama-bench fails, prints no CSV result, or ran at another depth
     */
    BenchCommand.Run bench(int n, int depth, int promptIndex, int round) throws IOException {
        List<String> command = with(List.of(bin.resolve("llama-bench").toString(), "-m", model.toString(), "-p", "0",
                "-n", Integer.toString(n), "-d", Integer.toString(depth), "-t", Integer.toString(threads), "-r", "1", "-o", "csv"));
        String log = execUntil(command, Pattern.compile("avg_ts"));
        String ranAt = csvField(log, "n_depth");
        if (!Integer.toString(depth).equals(ranAt)) {
            throw new IOException("llama-bench ran at depth " + ranAt + ", asked " + depth + ":\n" + tail(log));
        }
        double tps = Double.parseDouble(csvField(log, "avg_ts"));
        return new BenchCommand.Run("llama-bench tg" + n + " (C++)", promptIndex, round, tps, 1, n, n, 0, 0, 0, 0, null);
    }

    /**
     * llama-server with one speculation type (or none), started once on loopback with the same threads
     * and kept for the whole bench: its {@code /completion} answer carries its own timings, so process
     * start and HTTP are not counted, as paradec's warm runs count neither.
     */
    final class Server implements AutoCloseable {
        private final String spec;
        private final Process process;
        private final int port;
        private final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();

        Server(String spec) throws IOException {
            this(spec, List.of());
        }

        /** @param extraArgs further llama-server arguments for this speculation type (its draft model) */
        Server(String spec, List<String> extraArgs) throws IOException {
            this.spec = spec;
            Path binary = bin.resolve("llama-server");
            if (!Files.isExecutable(binary)) throw new IOException(binary + " is missing: make native builds it");
            try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = free.getLocalPort();
            }
            List<String> command = new java.util.ArrayList<>(List.of(binary.toString(), "-m", model.toString(), "--host", "127.0.0.1",
                    "--port", Integer.toString(port), "-t", Integer.toString(threads), "-tb", Integer.toString(threads),
                    "-c", "4096", "-np", "1", "--no-webui"));
            if (spec != null) command.addAll(List.of("--spec-type", spec));
            command.addAll(extraArgs);
            command.addAll(placement);
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (true) {
                try {
                    var health = http.send(java.net.http.HttpRequest.newBuilder(uri("/health")).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
                    if (health.statusCode() == 200) break;
                } catch (IOException notYet) {
                    // not listening yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IOException("llama-server" + (spec != null ? " --spec-type " + spec : "") + " did not come up");
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
        }

        private java.net.URI uri(String path) {
            return java.net.URI.create("http://127.0.0.1:" + port + path);
        }

        String name() {
            return "llama-server" + (spec != null ? " " + spec : "") + " (C++)";
        }

        /** One greedy completion; tokens/s and tokens per target call from the server's own timings. */
        BenchCommand.Run complete(String prompt, int n, int promptIndex, int round) throws IOException {
            String body = new paradec.json.JsonWriter().beginObject().field("prompt", prompt).field("n_predict", n)
                    .field("temperature", 0.0).field("top_k", 1).field("cache_prompt", false).endObject().toString();
            java.net.http.HttpResponse<String> response;
            try {
                response = http.send(java.net.http.HttpRequest.newBuilder(uri("/completion"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            if (response.statusCode() != 200) throw new IOException(name() + " answered " + response.statusCode() + ": " + tail(response.body()));
            Object timings = paradec.json.JsonReader.parseObject(response.body()).get("timings");
            if (!(timings instanceof java.util.Map<?, ?> t)) throw new IOException(name() + " gave no timings: " + tail(response.body()));
            int tokens = ((Number) t.get("predicted_n")).intValue();
            long accepted = t.get("draft_n_accepted") instanceof Number a ? a.longValue() : 0;
            long calls = Math.max(1, tokens - accepted); // each target call yields one token plus the accepted drafts
            return new BenchCommand.Run(name(), promptIndex, round, ((Number) t.get("predicted_per_second")).doubleValue(),
                    (double) tokens / calls, calls, tokens, 0, 0, 0, 0, null);
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** llama-lookahead: llama.cpp's lookahead example (W=15, N=5, G=15 built in), greedy. */
    BenchCommand.Run lookahead(String prompt, int n, int promptIndex, int round) throws IOException {
        String log = execUntil(with(List.of(bin.resolve("llama-lookahead").toString(), "-m", model.toString(), "-p", prompt,
                "-n", Integer.toString(n), "-t", Integer.toString(threads), "--temp", "0", "-c", "2048")), SPEED);
        Matcher m = SPEED.matcher(log);
        Matcher predict = PREDICT.matcher(log);
        Matcher accept = ACCEPT.matcher(log);
        if (!m.find()) throw new IOException("llama-lookahead printed no speed line:\n" + tail(log));
        int tokens = Integer.parseInt(m.group(1));
        // every step yields one token plus the accepted ones
        long steps = predict.find() && accept.find() ? Long.parseLong(predict.group(1)) - Long.parseLong(accept.group(1)) : 0;
        return new BenchCommand.Run("llama-lookahead (C++)", promptIndex, round, Double.parseDouble(m.group(3)),
                steps > 0 ? (double) tokens / steps : 0, steps, tokens, 0, 0, 0, 0, null);
    }

    /**
     * One run of llama-diffusion-cli with the same steps per block. Its blocks cover the whole
     * n_ubatch (prompt included) from the prompt's end, so n_ubatch is the prompt plus the
     * generation rounded up to a block, and its steps are blocks x steps-per-block; its
     * tokens/s counts the positions it actually generates.
     */
    BenchCommand.Run diffusion(String rawPrompt, int promptLength, DiffusionSettings settings, int promptIndex, int round,
                               List<String> samplingTimes) throws IOException {
        int blockLength = settings.blockLength();
        int ub = (promptLength + settings.genLength() + blockLength - 1) / blockLength * blockLength;
        int steps = ub / blockLength * settings.stepsPerBlock();
        List<String> command = List.of(bin.resolve("llama-diffusion-cli").toString(), "-m", model.toString(),
                "-p", rawPrompt, "-ub", Integer.toString(ub), "-b", Integer.toString(ub), "-c", Integer.toString(ub),
                "-t", Integer.toString(threads), "--diffusion-steps", Integer.toString(steps),
                "--diffusion-block-length", Integer.toString(blockLength), "--diffusion-algorithm", "4", "--temp", "0");
        command = with(command);
        String log = execUntil(command, DIFFUSION_TOTAL);
        Matcher m = DIFFUSION_TOTAL.matcher(log);
        if (!m.find()) throw new IOException("llama-diffusion-cli printed no timing line in 3 runs:\n" + tail(log));
        double totalMs = Double.parseDouble(m.group(1));
        samplingTimes.add(m.group(3));
        int generated = ub - promptLength;
        // every step computes the whole n_ubatch
        return new BenchCommand.Run("llama-diffusion-cli (C++)", promptIndex, round, generated * 1000.0 / totalMs,
                (double) generated / steps, steps, generated, (long) steps * ub, 0, 0, 0, null);
    }

    /** The llama.cpp tools a user would pick instead of paradec for a model, run on the same prompts. */
    interface Anchors {
        /** The prompt texts both sides see (llama-diffusion-cli wraps its prompt in a chat template). */
        List<String> prompts(List<String> raw);

        List<BenchCommand.Run> run(String rawPrompt, int promptTokens, int promptIndex, int round) throws IOException;

        /** Lines for the report about the anchors' own figures ("" when none). */
        String notes();

        /** Stops what the anchors started (servers). */
        default void close() {}
    }

    static final Anchors NONE = new Anchors() {
        @Override
        public List<String> prompts(List<String> raw) {
            return raw;
        }

        @Override
        public List<BenchCommand.Run> run(String rawPrompt, int promptTokens, int promptIndex, int round) {
            return List.of();
        }

        @Override
        public String notes() {
            return "";
        }
    };

    /** llama.cpp's model-free speculation in llama-server, as a user would turn it on. */
    static final List<String> SERVER_SPECULATION = List.of("ngram-map-k", "ngram-mod");

    /** llama.cpp's classic draft-model speculation: a small AR model drafts greedily, the target verifies. */
    static final String DRAFT_SIMPLE = "draft-simple";

    /**
     * llama-server's arguments for {@link #DRAFT_SIMPLE} with a draft model: the same threads for the drafter, and
     * the draft length when paradec's is a fixed one ({@code draftMax} > 0; else llama-server's default).
     */
    List<String> draftArgs(Path draftModel, int draftMax) {
        List<String> args = new java.util.ArrayList<>(List.of("-md", draftModel.toString(), "-td", Integer.toString(threads),
                "-tbd", Integer.toString(threads)));
        if (draftMax > 0) args.addAll(List.of("--spec-draft-n-max", Integer.toString(draftMax)));
        args.addAll(List.of("-ngld", placement.get(1)));
        return args;
    }

    /** The tools {@code --anchors} may name for an autoregressive model ({@link #DRAFT_SIMPLE} with a draft model only). */
    static final List<String> AR_ANCHORS = List.of("llama-bench", "llama-lookahead", "llama-server", "ngram-map-k", "ngram-mod",
            DRAFT_SIMPLE, "llama-completion");
    /** The tools {@code --anchors} may name for a diffusion model. */
    static final List<String> DIFFUSION_ANCHORS = List.of("llama-diffusion-cli");

    /** The tools a bench of this model may time; {@link #DRAFT_SIMPLE} only beside paradec's draft decoder. */
    static List<String> anchorsOf(Model loaded, boolean drafting) {
        if (loaded.isDiffusion()) return DIFFUSION_ANCHORS;
        return drafting ? AR_ANCHORS : AR_ANCHORS.stream().filter(a -> !a.equals(DRAFT_SIMPLE)).toList();
    }

    /**
     * For an autoregressive model: llama-bench (tg), llama-lookahead, llama-server plain and with its n-gram
     * speculation, and with an autoregressive {@code draftModel} (null: none) llama-server's {@link #DRAFT_SIMPLE}
     * speculation with that draft model; for a diffusion model: llama-diffusion-cli.
     *
     * @param draftMax the draft length llama-server gets (0: its default)
     * @param wanted   the tools to run, names of {@link #AR_ANCHORS} or {@link #DIFFUSION_ANCHORS} (null: all of them;
     *                 llama-completion's one-shot comparison is the bench's own)
     */
    Anchors anchorsFor(Model loaded, int maxNew, DiffusionSettings settings, Path draftModel, int draftMax,
                       java.util.Set<String> wanted) throws IOException {
        java.util.function.Predicate<String> runs = name -> wanted == null || wanted.contains(name);
        if (!loaded.isDiffusion()) {
            // the plain and draft-model servers keep nothing from one request to the next; the n-gram ones are started
            // afresh for every run, since ngram-mod's table outlives a request: from the second round on it
            // would draft the answer it produced for the same prompt before
            Server plain = runs.test("llama-server") ? new Server(null) : null;
            Server drafting;
            try {
                drafting = draftModel == null || !runs.test(DRAFT_SIMPLE) ? null : new Server(DRAFT_SIMPLE, draftArgs(draftModel, draftMax));
            } catch (IOException e) {
                if (plain != null) plain.close();
                throw e;
            }
            return new Anchors() {
                @Override
                public List<String> prompts(List<String> raw) {
                    return raw;
                }

                @Override
                public List<BenchCommand.Run> run(String rawPrompt, int promptTokens, int promptIndex, int round) throws IOException {
                    // llama-simple is left out: it has no thread option and always runs llama.cpp's default of 4
                    List<BenchCommand.Run> timed = new java.util.ArrayList<>();
                    if (runs.test("llama-bench")) {
                        timed.add(bench(maxNew, promptTokens, promptIndex, round));
                    }
                    if (runs.test("llama-lookahead")) {
                        timed.add(lookahead(rawPrompt, maxNew, promptIndex, round));
                    }
                    if (plain != null) {
                        timed.add(plain.complete(rawPrompt, maxNew, promptIndex, round));
                    }
                    for (String spec : SERVER_SPECULATION) {
                        if (!runs.test(spec)) continue;
                        try (Server fresh = new Server(spec)) {
                            timed.add(fresh.complete(rawPrompt, maxNew, promptIndex, round));
                        }
                    }
                    if (drafting != null) {
                        timed.add(drafting.complete(rawPrompt, maxNew, promptIndex, round));
                    }
                    return timed;
                }

                @Override
                public String notes() {
                    StringBuilder n = new StringBuilder("\n");
                    if (runs.test("llama-bench")) {
                        n.append("llama-bench runs each prompt's row at that prompt's depth (`-d` its token count, outside its timer), ")
                                .append("so its tokens sit at the positions paradec's generated tokens do.\n");
                    }
                    if (plain != null || drafting != null || SERVER_SPECULATION.stream().anyMatch(runs)) {
                        n.append("llama-server runs on loopback with the same threads, `-c 4096 -np 1`, greedy (`temperature 0, top_k 1`), ")
                                .append("no prompt cache; its tokens/s is its own `timings.predicted_per_second` (generation only, like paradec's ")
                                .append("warm runs), and its tokens per call count each target call as one token plus its accepted drafts.\n");
                    }
                    if (SERVER_SPECULATION.stream().anyMatch(runs)) {
                        n.append("The n-gram speculating servers are started afresh for each run: ngram-mod keeps its n-gram table across ")
                                .append("requests, so a server kept for the whole bench drafts, from the second round on, the answer it ")
                                .append("gave the same prompt before (paradec's decoders start every generation with nothing remembered).\n");
                    }
                    if (drafting != null) {
                        n.append("llama-server ").append(DRAFT_SIMPLE).append(" drafts with `-md ").append(draftModel.getFileName())
                                .append("` on the same threads, ").append(draftMax > 0 ? "`--spec-draft-n-max " + draftMax + "` (paradec's --draft-length)"
                                        : "its default draft length (paradec's draft: --draft-length auto)").append(".\n");
                    }
                    return n.toString();
                }

                @Override
                public void close() {
                    try {
                        if (plain != null) plain.close();
                    } finally {
                        if (drafting != null) drafting.close();
                    }
                }
            };
        }
        List<String> samplingTimes = new java.util.ArrayList<>();
        return new Anchors() {
            @Override
            public List<String> prompts(List<String> raw) {
                // llama-diffusion-cli always wraps the prompt in a chat template (chatml when the model has none):
                // both sides then see the same tokens
                String template = loaded.chatTemplate() != null ? loaded.chatTemplate() : "chatml";
                return raw.stream().map(p -> ChatTemplates.apply(template, List.of(new ChatMessage("user", p)), true)).toList();
            }

            @Override
            public List<BenchCommand.Run> run(String rawPrompt, int promptTokens, int promptIndex, int round) throws IOException {
                return List.of(diffusion(rawPrompt, promptTokens, settings, promptIndex, round, samplingTimes));
            }

            @Override
            public String notes() {
                return samplingTimes.isEmpty() ? "" : "\nllama-diffusion-cli's own 'sampling time per step' (ms), one per run: "
                        + String.join(", ", samplingTimes) + "\n";
            }
        };
    }

    /**
     * Runs a tool until its log holds the line a pattern finds, at most 3 times: llama.cpp logs from a
     * background thread and now and then exits before the last lines are out.
     */
    /**
     * Whole-process time of a one-shot run: {@code bin/paradec generate} (a fresh JVM each time, as a user runs
     * it) against {@code llama-completion}, the same model, prompt, tokens and threads, greedy, in {@code pairs}
     * interleaved pairs. The report's line with the medians, spreads and the median of paired ratios.
     */
    String oneShot(Path root, String prompt, int tokens, int pairs) throws IOException {
        Path launcher = root.resolve("bin/paradec");
        if (!Files.isExecutable(launcher)) return "";
        List<String> paradec = List.of(launcher.toString(), "generate", "-m", model.toString(), "-p", prompt, "-n", Integer.toString(tokens),
                "-t", Integer.toString(threads), "--temp", "0");
        List<String> llama = with(List.of(bin.resolve("llama-completion").toString(), "-m", model.toString(), "-p", prompt,
                "-n", Integer.toString(tokens), "-t", Integer.toString(threads), "--temp", "0", "-no-cnv"));
        double[] a = new double[pairs];
        double[] b = new double[pairs];
        double[] ratio = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            // alternate which side goes first, so neither always meets a cold or a warm page cache
            if (i % 2 == 0) {
                a[i] = wallSeconds(paradec);
                b[i] = wallSeconds(llama);
            } else {
                b[i] = wallSeconds(llama);
                a[i] = wallSeconds(paradec);
            }
            ratio[i] = a[i] / b[i];
        }
        return String.format(java.util.Locale.ROOT, "\nOne-shot, whole process (%d interleaved pairs, %d tokens, the first prompt, %d threads): "
                        + "`bin/paradec generate` %.3f s [%.3f-%.3f], `llama-completion` %.3f s [%.3f-%.3f]: %.2fx [%.2f-%.2f] its time "
                        + "(median of paired ratios).\n",
                pairs, tokens, threads, Report.median(a), Report.min(a), Report.max(a), Report.median(b), Report.min(b), Report.max(b),
                Report.median(ratio), Report.min(ratio), Report.max(ratio));
    }

    private static double wallSeconds(List<String> command) throws IOException {
        long t = System.nanoTime();
        exec(command);
        return (System.nanoTime() - t) / 1e9;
    }

    static String execUntil(List<String> command, Pattern wanted) throws IOException {
        String log = "";
        for (int attempt = 1; attempt <= 3; attempt++) {
            log = exec(command);
            if (wanted.matcher(log).find()) break;
        }
        return log;
    }

    /** Runs a tool and returns stdout+stderr; a failing tool is an IOException with its last lines. */
    static String exec(List<String> command) throws IOException {
        Path log = Files.createTempFile("paradec-llama", ".log");
        try {
            Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(600, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.get(0) + " did not finish in 600 s");
            }
            // lenient: a tool prints its model's tokens, and a random or byte-level model's need not be UTF-8
            // (readString would throw MalformedInputException and end the whole bench)
            String text = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) throw new IOException(command.get(0) + " exited with " + p.exitValue() + ":\n" + tail(text));
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.get(0));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    static String tail(String s) {
        String[] lines = s.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 8), lines.length));
    }
}
