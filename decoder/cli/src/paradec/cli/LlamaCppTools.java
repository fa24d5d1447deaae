package paradec.cli;

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
    private static final Pattern PREDICT = Pattern.compile("n_predict\\s*=\\s*(\\d+)");
    private final Path bin;
    private final Path model;
    private final int threads;

    LlamaCppTools(Path root, Path model, int threads) {
        String dir = System.getProperty("paradec.native.dir");
        this.bin = dir != null ? Path.of(dir) : root.resolve("build/llama/bin");
        this.model = model;
        this.threads = threads;
    }

    /** llama-simple: greedy AR in C++. */
    BenchCommand.Run simple(String prompt, int n, int promptIndex, int round) throws IOException {
        String log = exec(List.of(bin.resolve("llama-simple").toString(), "-m", model.toString(), "-n", Integer.toString(n), prompt));
        Matcher m = SPEED.matcher(log);
        if (!m.find()) throw new IOException("llama-simple printed no speed line:\n" + tail(log));
        int tokens = Integer.parseInt(m.group(1));
        return new BenchCommand.Run("llama-simple (C++)", promptIndex, round, Double.parseDouble(m.group(3)), 1, tokens, tokens, 0, 0, 0, null);
    }

    /** llama-lookahead: llama.cpp's lookahead example (W=15, N=5, G=15 built in), greedy. */
    BenchCommand.Run lookahead(String prompt, int n, int promptIndex, int round) throws IOException {
        String log = exec(List.of(bin.resolve("llama-lookahead").toString(), "-m", model.toString(), "-p", prompt,
                "-n", Integer.toString(n), "-t", Integer.toString(threads), "--temp", "0", "-c", "2048"));
        Matcher m = SPEED.matcher(log);
        Matcher predict = PREDICT.matcher(log);
        Matcher accept = ACCEPT.matcher(log);
        if (!m.find()) throw new IOException("llama-lookahead printed no speed line:\n" + tail(log));
        int tokens = Integer.parseInt(m.group(1));
        // every step yields one token plus the accepted ones
        long steps = predict.find() && accept.find() ? Long.parseLong(predict.group(1)) - Long.parseLong(accept.group(1)) : 0;
        return new BenchCommand.Run("llama-lookahead (C++)", promptIndex, round, Double.parseDouble(m.group(3)),
                steps > 0 ? (double) tokens / steps : 0, steps, tokens, 0, 0, 0, null);
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
            String text = Files.readString(log, StandardCharsets.UTF_8);
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
