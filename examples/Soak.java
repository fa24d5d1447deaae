import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import paradec.decode.SamplingSettings;
import paradec.decode.SpecDiffDecoder;
import paradec.diffusion.DiffusionSettings;
import paradec.engine.GenerationRequest;
import paradec.engine.ParadecModel;
import paradec.llama.ModelParams;

/**
 * The soak benchmark (not a unit test; {@code make soak} runs it and writes docs/soak.md and docs/soak.svg):
 * <ol>
 * <li>many short generations in one JVM, round robin over every decoder: ar, jacobi, lookahead and
 * specdiff on code-ar, every unmasking policy (and dico with the prefix KV cache) on code-dlm, greedy and sampled;</li>
 * <li>load/close cycles over the four shipped models, each with a tokenization and a short generation;</li>
 * <li>{@code paradec serve} in a child JVM under concurrent clients for some minutes: completions, chat,
 * streams read to the end and streams dropped after the first event.</li>
 * </ol>
 * RSS ({@code VmRSS}) and open descriptors ({@code /proc/PID/fd}) are sampled along the way. The heap is
 * committed and touched up front ({@code -Xms = -Xmx}, {@code -XX:+AlwaysPreTouch}) so that RSS shows native
 * memory; the heap in use after a GC is recorded beside it.
 *
 * <pre>
 * java -Xms512m -Xmx512m -XX:+AlwaysPreTouch --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector \
 *      -cp "target/paradec.jar:target/lib/*" examples/Soak.java [ROOT]
 * </pre>
 * System properties: soak.generations (10000), soak.cycles (300), soak.serveSeconds (300), soak.clients (16),
 * soak.out (ROOT/docs).
 */
public class Soak {
    record Sample(double x, long rssKb, int fds, long heapKb, double seconds) {}

    static final long START = System.nanoTime();

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        int generations = Integer.getInteger("soak.generations", 10_000);
        int cycles = Integer.getInteger("soak.cycles", 300);
        int serveSeconds = Integer.getInteger("soak.serveSeconds", 300);
        int clients = Integer.getInteger("soak.clients", 16);
        Path out = Path.of(System.getProperty("soak.out", root.resolve("docs").toString()));
        Path codeAr = root.resolve("models/code-ar.gguf");
        Path codeDlm = root.resolve("models/code-dlm.gguf");

        List<Sample> genSamples = new ArrayList<>();
        Map<String, Integer> perDecoder = new TreeMap<>();
        Map<String, Long> nanosPerDecoder = new TreeMap<>();
        int failedGenerations = 0;
        long genStart = System.nanoTime();
        try (ParadecModel ar = ParadecModel.load(codeAr, ModelParams.defaults(), 2);
             ParadecModel dlm = ParadecModel.load(codeDlm, ModelParams.defaults(), 2)) {
            SpecDiffDecoder specdiff = new SpecDiffDecoder(dlm.drafter(256), 4, 2);
            List<String> policies = List.of("llada", "random", "origin", "entropy", "margin", "fast-dllm", "fast-dllm-factor", "eb", "klass", "dico");
            List<String> decoders = new ArrayList<>(List.of("ar", "jacobi", "lookahead", "specdiff"));
            decoders.addAll(policies);
            decoders.add("dico+prefix-cache");
            String[] prompts = {"def f(x):", "class Queue:\n    def __init__(self", "import os\n", "    return "};
            genSamples.add(sample(0));
            for (int i = 0; i < generations; i++) {
                String name = decoders.get(i % decoders.size());
                String prompt = prompts[(i / decoders.size()) % prompts.length];
                // every other round is sampled rather than greedy
                SamplingSettings sampling = (i / decoders.size()) % 2 == 0 ? SamplingSettings.greedy() : new SamplingSettings(0.8, 40, 0.95, i);
                try {
                    GenerationRequest r;
                    ParadecModel m;
                    if (name.equals("specdiff")) {
                        m = ar;
                        r = GenerationRequest.defaults().decoder(specdiff).maxTokens(6);
                    } else if (policies.contains(name) || name.startsWith("dico+")) {
                        m = dlm;
                        r = GenerationRequest.of(name.startsWith("dico+") ? "dico" : name)
                                .diffusion(DiffusionSettings.of(4, 4, 2).withSeed(i)).maxTokens(4);
                        if (name.startsWith("dico+")) r = r.diffusionCache(1);
                    } else {
                        m = ar;
                        r = GenerationRequest.of(name).maxTokens(6);
                    }
                    long t = System.nanoTime();
                    m.generate(prompt, r.sampling(sampling));
                    nanosPerDecoder.merge(name, System.nanoTime() - t, Long::sum);
                    perDecoder.merge(name, 1, Integer::sum);
                } catch (RuntimeException e) {
                    failedGenerations++;
                    System.err.println("generation " + i + " (" + name + ") failed: " + e);
                }
                if ((i + 1) % 250 == 0) {
                    Sample s = sample(i + 1);
                    genSamples.add(s);
                    System.out.printf(Locale.ROOT, "generations %6d  rss %7d kB  fds %3d  heap %6d kB  %.0f s%n", i + 1, s.rssKb, s.fds, s.heapKb, s.seconds);
                }
            }
        }
        double genSeconds = (System.nanoTime() - genStart) / 1e9;

        List<Sample> cycleSamples = new ArrayList<>();
        List<Path> models = List.of(codeAr, codeDlm, root.resolve("models/tasks-ar.gguf"), root.resolve("models/tasks-dlm.gguf"));
        int failedCycles = 0;
        cycleSamples.add(sample(0));
        long cycleStart = System.nanoTime();
        for (int i = 0; i < cycles; i++) {
            Path file = models.get(i % models.size());
            try (ParadecModel m = ParadecModel.load(file, ModelParams.defaults(), 2)) {
                boolean tasks = file.getFileName().toString().startsWith("tasks");
                String prompt = tasks ? "12+34=" : "def f(x):";
                m.tokenize(prompt);
                GenerationRequest r = m.isDiffusion() ? GenerationRequest.of("llada").diffusion(DiffusionSettings.of(4, 4, 2)).maxTokens(4)
                        : GenerationRequest.of("ar").maxTokens(4);
                m.generate(prompt, r);
            } catch (IOException | RuntimeException e) {
                failedCycles++;
                System.err.println("cycle " + i + " (" + file.getFileName() + ") failed: " + e);
            }
            if ((i + 1) % 20 == 0) {
                Sample s = sample(i + 1);
                cycleSamples.add(s);
                System.out.printf(Locale.ROOT, "load/close %4d  rss %7d kB  fds %3d  heap %6d kB%n", i + 1, s.rssKb, s.fds, s.heapKb);
            }
        }
        double cycleSeconds = (System.nanoTime() - cycleStart) / 1e9;

        ServeResult serve = serve(root, codeAr, serveSeconds, clients);

        Files.createDirectories(out);
        Files.writeString(out.resolve("soak.svg"), svg(genSamples, cycleSamples, serve.samples));
        Map<String, String> meanMs = new TreeMap<>();
        nanosPerDecoder.forEach((k, v) -> meanMs.put(k, String.format(Locale.ROOT, "%d x %.1f ms", perDecoder.get(k), v / 1e6 / perDecoder.get(k))));
        System.out.println("per decoder: " + meanMs);
        Files.writeString(out.resolve("soak.md"), report(generations, genSeconds, meanMs, failedGenerations, genSamples,
                cycles, cycleSeconds, failedCycles, cycleSamples, serveSeconds, clients, serve));
        System.out.println("wrote " + out.resolve("soak.md") + " and soak.svg");
    }

    // ---- paradec serve under concurrent clients --------------------------------------------------

    record ServeResult(List<Sample> samples, Map<String, Integer> outcomes, Sample quietBefore, Sample quietAfter, int exitCode, long requests) {}

    static ServeResult serve(Path root, Path model, int seconds, int clients) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> command = List.of(javaBin, "-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch", "--enable-native-access=ALL-UNNAMED",
                "--add-modules", "jdk.incubator.vector", "-Dparadec.root=" + root, "-cp", System.getProperty("java.class.path"),
                "paradec.cli.Main", "serve", "-m", model.toString(), "--port", Integer.toString(port), "--parallel", "4", "--threads", "2");
        Path log = Files.createTempFile("soak-serve", ".log");
        Process server = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long pid = server.pid();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        URI base = URI.create("http://127.0.0.1:" + port);
        for (int tries = 0; ; tries++) {
            try {
                if (http.send(HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) break;
            } catch (IOException e) {
                if (tries > 600 || !server.isAlive()) throw new IllegalStateException("the server did not come up: " + Files.readString(log));
                Thread.sleep(100);
            }
        }
        Map<String, Integer> outcomes = new ConcurrentHashMap<>();
        AtomicLong requests = new AtomicLong();
        AtomicInteger inFlight = new AtomicInteger();
        var running = new java.util.concurrent.atomic.AtomicBoolean(true);
        var paused = new java.util.concurrent.atomic.AtomicBoolean(false);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = Thread.ofPlatform().name("soak-client-" + c).start(() -> {
                SplittableRandom random = new SplittableRandom(client);
                while (running.get()) {
                    if (paused.get()) {
                        sleep(50);
                        continue;
                    }
                    inFlight.incrementAndGet();
                    String outcome;
                    try {
                        outcome = oneRequest(http, base, port, random);
                    } catch (Exception e) {
                        outcome = "client error " + e.getClass().getSimpleName();
                    } finally {
                        inFlight.decrementAndGet();
                    }
                    requests.incrementAndGet();
                    outcomes.merge(outcome, 1, Integer::sum);
                }
            });
            threads.add(t);
        }
        // a warm-up, then a quiet moment (no request in flight) as the baseline
        Thread.sleep(20_000);
        Sample quietBefore = quiet(paused, inFlight, pid, 0);
        List<Sample> samples = new ArrayList<>();
        long t0 = System.nanoTime();
        while ((System.nanoTime() - t0) / 1e9 < seconds) {
            Thread.sleep(10_000);
            Sample s = processSample((System.nanoTime() - t0) / 1e9, pid);
            samples.add(s);
            System.out.printf(Locale.ROOT, "serve %4.0f s  rss %7d kB  fds %3d  requests %d%n", s.x, s.rssKb, s.fds, requests.get());
        }
        Sample quietAfter = quiet(paused, inFlight, pid, seconds);
        running.set(false);
        paused.set(false);
        for (Thread t : threads) t.join();
        server.destroy(); // SIGTERM: the server's shutdown hook closes it
        boolean ended = server.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        if (!ended) server.destroyForcibly().waitFor();
        int exit = server.exitValue();
        Files.deleteIfExists(log);
        return new ServeResult(samples, new TreeMap<>(outcomes), quietBefore, quietAfter, exit, requests.get());
    }

    static Sample quiet(java.util.concurrent.atomic.AtomicBoolean paused, AtomicInteger inFlight, long pid, double x) throws Exception {
        paused.set(true);
        while (inFlight.get() > 0) Thread.sleep(20);
        Thread.sleep(2_000); // the server finishes writing and closes the exchanges
        Sample s = processSample(x, pid);
        paused.set(false);
        return s;
    }

    static final String[] PROMPTS = {"def f(x):", "class Stack:", "import sys\n", "for i in range("};
    static final String[] DECODERS = {"ar", "jacobi", "lookahead"};

    /** One request of a random kind; returns its outcome ("200", "503", "dropped mid-stream", ...). */
    static String oneRequest(HttpClient http, URI base, int port, SplittableRandom random) throws Exception {
        String prompt = PROMPTS[random.nextInt(PROMPTS.length)];
        String decoder = DECODERS[random.nextInt(DECODERS.length)];
        int kind = random.nextInt(4);
        String json = switch (kind) {
            case 0, 1, 3 -> "{\"prompt\":\"" + prompt.replace("\n", "\\n") + "\",\"max_tokens\":8,\"decoder\":\"" + decoder + "\""
                    + (kind == 0 ? "" : ",\"stream\":true") + "}";
            default -> "{\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt.replace("\n", "\\n") + "\"}],\"max_tokens\":8,\"decoder\":\""
                    + decoder + "\"}";
        };
        String path = kind == 2 ? "/v1/chat/completions" : "/v1/completions";
        if (kind == 3) return dropMidStream(port, path, json);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && kind == 1 && !r.body().contains("data: [DONE]")) return "200 stream without [DONE]";
        return Integer.toString(r.statusCode());
    }

    /** A streaming request whose client hangs up after the first event. */
    static String dropMidStream(int port, String path, String json) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(120_000);
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            OutputStream o = s.getOutputStream();
            o.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            o.write(body);
            o.flush();
            InputStream in = s.getInputStream();
            StringBuilder seen = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0) {
                seen.append((char) b);
                if (seen.indexOf("data: ") >= 0 && seen.charAt(seen.length() - 1) == '\n') break;
            }
            String status = seen.length() > 12 ? seen.substring(9, 12) : "no response";
            return status.equals("200") ? "dropped mid-stream (200)" : status;
        }
    }

    // ---- samples ------------------------------------------------------------------------------------

    static Sample sample(double x) {
        System.gc();
        long heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1024;
        Sample p = processSample(x, ProcessHandle.current().pid());
        return new Sample(x, p.rssKb, p.fds, heap, p.seconds);
    }

    static Sample processSample(double x, long pid) {
        long rss = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int fds;
        try (var list = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds = (int) list.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new Sample(x, rss, fds, -1, (System.nanoTime() - START) / 1e9);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Least-squares slope of RSS (kB) against x over the samples from {@code fromX} on. */
    static double slope(List<Sample> samples, double fromX) {
        List<Sample> s = samples.stream().filter(p -> p.x >= fromX).toList();
        double mx = s.stream().mapToDouble(Sample::x).average().orElse(0);
        double my = s.stream().mapToDouble(Sample::rssKb).average().orElse(0);
        double num = 0, den = 0;
        for (Sample p : s) {
            num += (p.x - mx) * (p.rssKb - my);
            den += (p.x - mx) * (p.x - mx);
        }
        return den == 0 ? 0 : num / den;
    }

    // ---- the report ------------------------------------------------------------------------------------

    static String report(int generations, double genSeconds, Map<String, String> perDecoder, int failedGenerations, List<Sample> gen,
                         int cycles, double cycleSeconds, int failedCycles, List<Sample> cyc, int serveSeconds, int clients, ServeResult serve) {
        StringBuilder md = new StringBuilder();
        double warm = Math.min(2000, generations / 5.0);
        Sample genWarm = gen.stream().filter(s -> s.x >= warm).findFirst().orElse(gen.get(0));
        Sample genLast = gen.get(gen.size() - 1);
        Sample cycWarm = cyc.stream().filter(s -> s.x >= cycles / 5.0).findFirst().orElse(cyc.get(0));
        Sample cycLast = cyc.get(cyc.size() - 1);
        md.append("# Soak: memory and descriptors over a long run\n\n");
        md.append("Written by `make soak` (`examples/Soak.java`) on ").append(Instant.now().toString(), 0, 10)
                .append(", run once under `nice` on the shared 2-core development VM (other jobs were running: times are noisy, memory and descriptor counts are not).\n\n");
        md.append("    make soak    # = nice -n 10 java -Xms512m -Xmx512m -XX:+AlwaysPreTouch ... examples/Soak.java .\n\n");
        md.append("The heap is committed and touched at start (`-Xms` = `-Xmx`, `AlwaysPreTouch`), so RSS growth is native memory "
                + "(llama.cpp, arenas, JIT code); the Java heap in use after a full GC is recorded beside it.\n\n");
        md.append("![RSS and descriptors](soak.svg)\n\n");
        md.append("| phase | work | RSS growth after warm-up | descriptors (warm-up -> end) | failures |\n|---|---|---|---|---|\n");
        md.append(String.format(Locale.ROOT, "| generations | %d in %.0f s, %d decoders | **%.1f kB per 1,000 generations** (least squares from %.0f on; %d -> %d kB) | %d -> %d | %d |%n",
                generations, genSeconds, perDecoder.size(), slope(gen, warm) * 1000, warm, genWarm.rssKb, genLast.rssKb, genWarm.fds, genLast.fds, failedGenerations));
        md.append(String.format(Locale.ROOT, "| load/close | %d cycles in %.0f s over 4 models | %.1f kB per 100 cycles (%d -> %d kB) | %d -> %d | %d |%n",
                cycles, cycleSeconds, slope(cyc, cycles / 5.0) * 100, cycWarm.rssKb, cycLast.rssKb, cycWarm.fds, cycLast.fds, failedCycles));
        long bad = serve.outcomes.entrySet().stream().filter(e -> !e.getKey().startsWith("200") && !e.getKey().startsWith("dropped")
                && !e.getKey().equals("503")).mapToLong(Map.Entry::getValue).sum();
        md.append(String.format(Locale.ROOT, "| serve | %d clients, %d s, %d requests | %.1f kB per minute (quiet: %d -> %d kB) | quiet: %d -> %d | %d (503: %d) |%n%n",
                clients, serveSeconds, serve.requests, slope(serve.samples, serveSeconds / 5.0) * 60, serve.quietBefore.rssKb, serve.quietAfter.rssKb,
                serve.quietBefore.fds, serve.quietAfter.fds, bad, serve.outcomes.getOrDefault("503", 0)));
        md.append("## Generations\n\nIn one JVM, round robin: ar, jacobi, lookahead (6 tokens) and specdiff (code-dlm drafting 4 tokens in 2 steps) on "
                + "`models/code-ar.gguf`; every unmasking policy, and dico with the prefix KV cache, on `models/code-dlm.gguf` (4 positions, "
                + "block 4, 2 steps). Every other round is sampled (temperature 0.8, top-k 40, top-p 0.95) instead of greedy. Per decoder, generations x mean wall time: ");
        md.append(perDecoder.toString()).append(".\n\n| generations | RSS kB | descriptors | heap after GC kB |\n|---|---|---|---|\n");
        for (int i = 0; i < gen.size(); i += Math.max(1, gen.size() / 20)) row(md, gen.get(i));
        row(md, genLast);
        md.append("\n## Load/close cycles\n\ncode-ar, code-dlm, tasks-ar, tasks-dlm in turn, each loaded, a prompt tokenized, 4 tokens generated, closed.\n\n"
                + "| cycles | RSS kB | descriptors | heap after GC kB |\n|---|---|---|---|\n");
        for (Sample s : cyc) row(md, s);
        md.append("\n## paradec serve\n\n`paradec serve -m models/code-ar.gguf --parallel 4 --threads 2` in a child JVM; ").append(clients)
                .append(" client threads send, without pause, requests of four kinds in random order: a completion, a completion streamed "
                        + "to the end, a chat completion, and a streamed completion whose client closes the socket after the first event; "
                        + "8 tokens, decoder ar, jacobi or lookahead. Outcomes: ").append(serve.outcomes)
                .append(". Server exit code after SIGTERM: ").append(serve.exitCode).append(
                        " (143 = ended by the signal, the JVM's usual code; the shutdown hook closed server and model).\n\n"
                        + "Descriptor counts during the run include the open connections; the quiet samples are taken with no request in flight.\n\n"
                        + "| seconds | RSS kB | descriptors |\n|---|---|---|\n");
        md.append(String.format(Locale.ROOT, "| quiet, before | %d | %d |%n", serve.quietBefore.rssKb, serve.quietBefore.fds));
        for (Sample s : serve.samples) md.append(String.format(Locale.ROOT, "| %.0f | %d | %d |%n", s.x, s.rssKb, s.fds));
        md.append(String.format(Locale.ROOT, "| quiet, after | %d | %d |%n", serve.quietAfter.rssKb, serve.quietAfter.fds));
        return md.toString();
    }

    static void row(StringBuilder md, Sample s) {
        md.append(String.format(Locale.ROOT, "| %.0f | %d | %d | %d |%n", s.x, s.rssKb, s.fds, s.heapKb));
    }

    static String svg(List<Sample> gen, List<Sample> cyc, List<Sample> serve) {
        int w = 900, h = 260;
        StringBuilder s = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + (h + 20)
                + "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        panel(s, 10, "RSS (MB) over generations", gen, "generations");
        panel(s, 310, "RSS (MB) over load/close cycles", cyc, "cycles");
        panel(s, 610, "serve: RSS (MB) over seconds", serve, "seconds");
        return s.append("</svg>\n").toString();
    }

    static void panel(StringBuilder s, int x0, String title, List<Sample> pts, String xLabel) {
        int pw = 270, ph = 190, top = 30;
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-weight=\"bold\">%s</text>%n", x0, title));
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n", x0 + 40, top, pw - 40, ph));
        if (pts.isEmpty()) return;
        double maxX = pts.stream().mapToDouble(Sample::x).max().orElse(1);
        double minY = pts.stream().mapToLong(Sample::rssKb).min().orElse(0) / 1024.0;
        double maxY = pts.stream().mapToLong(Sample::rssKb).max().orElse(1) / 1024.0;
        // a y range of at least 20 MB, so a flat line looks flat
        double lo = Math.floor(minY - 5), hi = Math.max(Math.ceil(maxY + 5), lo + 20);
        StringBuilder line = new StringBuilder();
        for (Sample p : pts) {
            double px = x0 + 40 + (maxX == 0 ? 0 : p.x / maxX) * (pw - 40);
            double py = top + ph - (p.rssKb / 1024.0 - lo) / (hi - lo) * ph;
            line.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
        }
        s.append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"").append(line).append("\"/>\n");
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f</text>%n", x0 + 37, top + 10, hi));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f</text>%n", x0 + 37, top + ph, lo));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">0</text>%n", x0 + 40, top + ph + 14));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f %s</text>%n", x0 + pw, top + ph + 14, maxX, xLabel));
        int fdFirst = pts.get(0).fds, fdLast = pts.get(pts.size() - 1).fds;
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">descriptors: %d at the first sample, %d at the last</text>%n", x0 + 40, top + ph + 30, fdFirst, fdLast));
    }
}
