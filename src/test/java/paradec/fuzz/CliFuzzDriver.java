package paradec.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import paradec.cli.Main;
import paradec.testing.TestModels;

/**
 * Runs in a child JVM ({@link ChildJvm}): hostile command lines through {@link Main#run}, many per child.
 * Arguments: the first case, the seed, the number of cases, a scratch folder. Each case is a pure function
 * of (seed, index) ({@link #args}), so a reported case is reproduced by its index.
 *
 * <p>A case is OK when it ends with exit 0, 2 (usage) or 3 (bad model or input), with, unless it is 0, exactly
 * one line on stderr that starts with "paradec: ", and no stack trace anywhere on stderr (the command's or the
 * JVM's own). Everything else is BAD; a case that kills or hangs the child is seen by the parent.
 */
public final class CliFuzzDriver {
    private CliFuzzDriver() {}

    static final Pattern STACK_TRACE = Pattern.compile("(?m)^\\s+at [\\w.$/]+\\(|Exception in thread|^Caused by: ");

    public static void main(String[] args) throws Exception {
        int from = Integer.parseInt(args[0]);
        long seed = Long.parseLong(args[1]);
        int count = Integer.parseInt(args[2]);
        Path scratch = Path.of(args[3]);
        PrintStream realErr = System.err;
        PrintStream realOut = System.out;
        ChildJvm.cases(from, count, 90, i -> ChildJvm.printable(String.join(" ", args(seed, i, scratch)), 300), i -> {
            String[] command = args(seed, i, scratch);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            ByteArrayOutputStream stray = new ByteArrayOutputStream();
            // what the code prints on the process's own streams (another thread, a library) is checked too
            System.setErr(new PrintStream(stray, true, StandardCharsets.UTF_8));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int rc;
            try {
                rc = Main.run(command, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            } finally {
                System.setErr(realErr);
                System.setOut(realOut);
            }
            String e = err.toString(StandardCharsets.UTF_8);
            String s = stray.toString(StandardCharsets.UTF_8);
            String first = e.lines().findFirst().orElse("");
            String verdict = verdict(rc, e, s);
            return (verdict == null ? (rc == 0 ? "OK" : "REFUSED") : "BAD " + verdict) + " rc=" + rc + " " + ChildJvm.printable(first, 200);
        });
    }

    /** null when the outcome keeps the rules, else what broke them. */
    static String verdict(int rc, String err, String stray) {
        if (rc != 0 && rc != 2 && rc != 3) return "exit code " + rc;
        if (STACK_TRACE.matcher(err).find() || STACK_TRACE.matcher(stray).find()) {
            return "a stack trace on stderr: " + ChildJvm.printable(err + stray, 600);
        }
        if (rc != 0) {
            // warnings (options the decoder ignores, a context past the trained length) may come before the error
            List<String> lines = err.lines().filter(l -> !l.startsWith("warning: ")).toList();
            if (lines.size() != 1 || !lines.get(0).startsWith("paradec: ")) {
                return "the error is not one 'paradec: ' line: " + ChildJvm.printable(err, 400);
            }
        }
        return null;
    }

    // ---- the cases ---------------------------------------------------------------------------------

    static final String[] MODELS = {"code-ar", "code-dlm", "tasks-ar", "tasks-dlm"};
    static final String[] DECODERS = {"ar", "jacobi", "lookahead", "specdiff", "draft", "llada", "random", "origin", "entropy", "margin",
        "fast-dllm", "fast-dllm-factor", "eb", "klass", "dico", "vanilla", "", "AR", "dico ", "no-such", "-1", "\u0000", "llada,ar"};
    static final String[] NUMBERS = {"-1", "0", "1", "2", "3", "7", "16", "-2147483648", "2147483647", "2147483648", "99999999999999999999",
        "1e3", "0x10", " 4", "4 ", "", "abc", "NaN", "Infinity", "-Infinity", "-0", "1.5", "\u0660", "+3", "1_000", "\u0000"};
    static final String[] FRACTIONS = {"-1", "0", "0.5", "1", "1.0000001", "2", "100", "1e308", "-1e-308", "NaN", "Infinity", "", "x", "0x1p-3",
        "4.9e-324", " 0.9"};
    static final String[] LONGS = {"0", "-1", "42", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "x", ""};

    /** Value options by command, each with its pool of values ({@code null}: a number from NUMBERS). */
    static String[] valueFor(String option, SplittableRandom r, Path scratch) {
        return switch (option) {
            case "--temp", "--top-p", "--threshold", "--factor", "--cfg" -> new String[] {FRACTIONS[r.nextInt(FRACTIONS.length)]};
            case "--seed" -> new String[] {LONGS[r.nextInt(LONGS.length)]};
            case "--decoder" -> new String[] {DECODERS[r.nextInt(DECODERS.length)]};
            case "--decoders" -> new String[] {DECODERS[r.nextInt(DECODERS.length)] + (r.nextBoolean() ? "," + DECODERS[r.nextInt(DECODERS.length)] : "")};
            case "--task" -> new String[] {new String[] {"add", "sort", "path", "plan", "code", "ADD", "", "none"}[r.nextInt(8)]};
            case "--kv-cache" -> new String[] {new String[] {"none", "prefix", "dual", "", "x"}[r.nextInt(5)]};
            case "--guess-init" -> new String[] {new String[] {"lookup", "random", "prompt", "x", ""}[r.nextInt(5)]};
            case "--window" -> new String[] {r.nextInt(4) == 0 ? "auto" : NUMBERS[r.nextInt(NUMBERS.length)]};
            case "--stop" -> new String[] {prompt(r, 4)};
            case "--draft-model", "--init-from", "--prompt-file", "--heldout", "--text", "--prompts" -> new String[] {file(r, scratch)};
            case "-m", "--model" -> new String[] {model(r)};
            case "--trace", "--out" -> new String[] {r.nextBoolean() ? scratch.resolve("out-" + r.nextInt(4)).toString() : "/"};
            default -> new String[] {NUMBERS[r.nextInt(NUMBERS.length)]};
        };
    }

    static final String[] GENERATE_OPTIONS = {"-n", "--decoder", "--temp", "--top-k", "--top-p", "--seed", "--ctx", "--threads", "--window",
        "--ngram", "--guesses", "--gen-length", "--block-length", "--steps", "--threshold", "--factor", "--cfg", "--kv-cache", "--cache-refresh",
        "--stop", "--guess-init", "--draft-model", "--draft-length", "--draft-steps", "--init-from", "--prompt-file", "--trace", "--gpu-layers"};
    static final String[] EVAL_OPTIONS = {"--task", "--decoder", "-n", "--gen-length", "--block-length", "--steps", "--threads", "--threshold",
        "--heldout", "--text", "--temp", "--seed", "--window"};
    static final String[] BENCH_OPTIONS = {"--decoders", "--threads", "--window", "--ngram", "--guesses", "--temp", "--seed", "--steps",
        "--block-length", "--prompts", "--out"};

    /** Case {@code i} of a seed: a command line. */
    static String[] args(long seed, int i, Path scratch) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + i);
        List<String> a = new ArrayList<>();
        int command = r.nextInt(20);
        String[] options;
        if (command < 10) {
            a.add("generate");
            options = GENERATE_OPTIONS;
        } else if (command < 14) {
            a.add("tokenize");
            options = new String[0];
            if (r.nextBoolean()) a.add(r.nextBoolean() ? "--vocab-only" : "--no-special");
        } else if (command < 19) {
            a.add("eval");
            // few problems and short answers: each case stays cheap; a hostile --n or -n later overrides these
            a.addAll(List.of("--n", Integer.toString(1 + r.nextInt(2))));
            options = EVAL_OPTIONS;
        } else {
            a.add("bench");
            a.addAll(List.of("--repeat", "1", "-n", Integer.toString(1 + r.nextInt(4)), "--prompts", promptFile(r, scratch)));
            options = BENCH_OPTIONS;
        }
        if (r.nextInt(12) != 0) a.addAll(List.of("-m", model(r)));
        if (!a.get(0).equals("eval") && !a.get(0).equals("bench") && r.nextInt(10) != 0) {
            a.addAll(List.of(r.nextBoolean() ? "-p" : "--prompt", prompt(r, 64)));
        }
        if (a.get(0).equals("generate") && !has(a, "-n")) a.addAll(List.of("-n", Integer.toString(1 + r.nextInt(8))));
        if (a.get(0).equals("generate") && r.nextBoolean()) a.add("--json");
        int extra = options.length == 0 ? 0 : r.nextInt(5);
        for (int k = 0; k < extra; k++) {
            String o = options[r.nextInt(options.length)];
            a.add(o);
            // now and then an option's value is missing (it is the last word) or it is given twice
            if (k == extra - 1 && r.nextInt(10) == 0) break;
            a.addAll(List.of(valueFor(o, r, scratch)));
        }
        switch (r.nextInt(16)) {
            case 0 -> a.add("--no-such-option");
            case 1 -> a.add("stray-positional");
            case 2 -> a.add(r.nextBoolean() ? "--json=1" : "--decoder=");
            case 3 -> a.add(1 + r.nextInt(a.size()), "-");
            default -> { }
        }
        return a.toArray(String[]::new);
    }

    static boolean has(List<String> a, String option) {
        return a.contains(option);
    }

    static String model(SplittableRandom r) {
        Path models = TestModels.root().resolve("models");
        return switch (r.nextInt(24)) {
            case 0 -> "no-such-model.gguf";
            case 1 -> models.toString();          // a folder
            case 2 -> "/dev/null";                // a character device
            case 3 -> models.resolve("code-ar.md").toString();
            case 4 -> "";
            default -> models.resolve(MODELS[r.nextInt(MODELS.length)] + ".gguf").toString();
        };
    }

    /** A hostile prompt: invalid UTF-8 decoded, lone surrogates, NULs, controls, huge, empty, text a task vocabulary lacks. */
    static String prompt(SplittableRandom r, int typical) {
        StringBuilder b = new StringBuilder();
        switch (r.nextInt(11)) {
            case 0 -> { }                                                              // empty
            case 1 -> {                                                                // random bytes as the JVM decodes argv
                byte[] bytes = new byte[1 + r.nextInt(typical)];
                r.nextBytes(bytes);
                b.append(new String(bytes, StandardCharsets.UTF_8));
            }
            case 2 -> {                                                                // any UTF-16 unit: lone surrogates too
                for (int k = 0, n = 1 + r.nextInt(typical); k < n; k++) b.append((char) r.nextInt(0x10000));
            }
            case 3 -> {                                                                // NULs and control characters
                for (int k = 0, n = 1 + r.nextInt(typical); k < n; k++) b.append((char) r.nextInt(0x20));
            }
            case 4 -> b.append("def f(x):\n".repeat(1 + r.nextInt(3000)));             // long: beyond every context
            case 5 -> b.append("12+34=");                                              // a task prompt
            case 6 -> b.append("12+34=").append("abc\u00e9\u4e2d\ud83d\ude00".charAt(r.nextInt(6)));  // characters a task vocabulary lacks
            case 7 -> b.append(new String[] {"<s>", "</s>", "<unk>", "<|mask|>", "<|endoftext|>", "<mask>", "[MASK]"}[r.nextInt(7)]);
            case 8 -> b.append("\ud83d\ude00".repeat(1 + r.nextInt(typical)));         // astral characters
            case 9 -> b.append("\ufeff\u200b\u202e def\r\n\t f():");                   // BOM, zero width, bidi
            default -> b.append("def fibonacci(n):");
        }
        return b.toString();
    }

    static String file(SplittableRandom r, Path scratch) {
        return switch (r.nextInt(6)) {
            case 0 -> "no-such-file.txt";
            case 1 -> scratch.toString();                                  // a folder
            case 2 -> "/dev/null";
            case 3 -> TestModels.root().resolve("models/code-dlm.gguf").toString();
            case 4 -> TestModels.root().resolve("models/tasks-ar.gguf").toString();
            default -> promptFile(r, scratch);
        };
    }

    /** A small file of prompt text: sometimes valid UTF-8, sometimes raw bytes that are not. */
    static String promptFile(SplittableRandom r, Path scratch) {
        Path f = scratch.resolve("prompt-" + r.nextInt(1_000_000) + ".txt");
        try {
            if (r.nextBoolean()) {
                // getBytes, not writeString: a lone surrogate becomes '?' instead of an exception
                Files.write(f, (r.nextBoolean() ? "12+34=\n" : prompt(r, 32).replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
            } else {
                byte[] bytes = new byte[1 + r.nextInt(64)];
                r.nextBytes(bytes);
                Files.write(f, bytes);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return f.toString();
    }
}
