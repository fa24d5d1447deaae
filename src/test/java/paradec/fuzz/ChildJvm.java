package paradec.fuzz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import paradec.testing.JavaCommand;

/**
 * Runs fuzz cases in child JVMs, so that a case that kills the process (a native abort, SIGSEGV, a C++
 * exception through a C entry point) or hangs it is seen as such and attributed to that case.
 *
 * <p>The driver (a class with a {@code main(String[] args)} whose first argument is the index of the first
 * case to run) calls {@link #cases} in the child; the parent calls {@link #run}. The driver announces each case
 * on stdout before running it ({@code CASE i}) and ends it with one outcome line ({@code OK i ...},
 * {@code REFUSED i ...} or {@code BAD i ...}). A child that dies is restarted after the case it died on,
 * so one run reports every case that kills it.
 */
final class ChildJvm {
    private ChildJvm() {}

    /** What the cases came to: outcome lines by case and the cases that killed or hung the child. */
    record Result(Map<Integer, String> cases, Map<Integer, String> outcomes, Map<Integer, String> deaths, int children) {
        long count(String kind) {
            return outcomes.values().stream().filter(l -> l.startsWith(kind + " ")).count();
        }

        List<String> bad() {
            return outcomes.entrySet().stream().filter(e -> e.getValue().startsWith("BAD "))
                    .map(e -> e.getValue() + "\n    case: " + cases.get(e.getKey())).toList();
        }

        String summary() {
            return outcomes.size() + deaths.size() + " cases in " + children + " child JVM(s): " + count("OK") + " ok, " + count("REFUSED")
                    + " refused cleanly, " + count("BAD") + " bad, " + deaths.size() + " killed or hung the child";
        }
    }

    /** The java command for {@code main} with this JVM's class path, native library and the test JVM's flags. */
    static List<String> command(Class<?> main, List<String> jvmArgs, List<String> args) {
        return JavaCommand.of(main, jvmArgs, args);
    }

    /**
     * Runs cases {@code 0 .. count-1} of a driver, restarting the child after each case that killed it.
     *
     * @param secondsPerChild a child that runs longer is killed and its running case counted as hung
     */
    static Result run(Path dir, Class<?> driver, int count, List<String> driverArgs, long secondsPerChild) throws IOException, InterruptedException {
        Map<Integer, String> cases = new LinkedHashMap<>();
        Map<Integer, String> outcomes = new LinkedHashMap<>();
        Map<Integer, String> deaths = new LinkedHashMap<>();
        int from = 0;
        int children = 0;
        while (from < count) {
            List<String> args = new ArrayList<>();
            args.add(Integer.toString(from));
            args.addAll(driverArgs);
            // to a file: a pipe nobody reads while waiting would block the child once full
            Path log = dir.resolve("child-" + children++ + ".log");
            Process p = new ProcessBuilder(command(driver, List.of(), args)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean finished = p.waitFor(secondsPerChild, TimeUnit.SECONDS);
            if (!finished) p.destroyForcibly().waitFor();
            List<String> lines = Files.readString(log, StandardCharsets.ISO_8859_1).lines().toList();
            int running = -1;
            for (String line : lines) {
                String[] w = line.split(" ", 3);
                if (w.length < 2 || !w[1].chars().allMatch(Character::isDigit) || w[1].isEmpty()) continue;
                int i = Integer.parseInt(w[1]);
                switch (w[0]) {
                    case "CASE" -> {
                        running = i;
                        cases.put(i, w.length > 2 ? w[2] : "");
                    }
                    case "OK", "REFUSED", "BAD" -> {
                        outcomes.put(i, line);
                        running = -1;
                    }
                    case "HANG" -> deaths.put(i, "hung (the driver's watchdog stopped it): " + line);
                    default -> { }
                }
            }
            if (lines.contains("DONE")) break;
            if (running < 0) {
                throw new IllegalStateException("the child JVM " + (finished ? "exited with " + p.exitValue() : "hung")
                        + " outside any case; tail:\n" + tail(lines));
            }
            deaths.putIfAbsent(running, "case " + cases.get(running) + ": " + (finished ? "killed the child JVM (exit " + p.exitValue() + ")" : "hung the child JVM")
                    + "; tail:\n" + tail(lines));
            from = running + 1;
        }
        return new Result(cases, outcomes, deaths, children);
    }

    private static String tail(List<String> lines) {
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
    }

    /** One case of a driver: returns its outcome line without the index ("OK ...", "REFUSED ...", "BAD ..."). */
    interface Case {
        String run(int index) throws Exception;
    }

    /**
     * The driver's side: runs cases {@code from .. count-1}, announcing each, and halts the JVM with "HANG i"
     * when one runs longer than {@code secondsPerCase}.
     */
    static void cases(int from, int count, long secondsPerCase, IntFunction<String> describe, Case body) {
        Thread watchdogTarget = Thread.currentThread();
        long[] deadline = {Long.MAX_VALUE};
        int[] current = {-1};
        Thread watchdog = Thread.ofPlatform().daemon().name("fuzz-watchdog").start(() -> {
            while (true) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                long d;
                int c;
                synchronized (deadline) {
                    d = deadline[0];
                    c = current[0];
                }
                if (System.nanoTime() > d) {
                    System.out.println("HANG " + c + " after " + secondsPerCase + " s; main thread at "
                            + java.util.Arrays.toString(watchdogTarget.getStackTrace()).replace('\n', ' '));
                    System.out.flush();
                    Runtime.getRuntime().halt(124);
                }
            }
        });
        for (int i = from; i < count; i++) {
            System.out.println("CASE " + i + " " + describe.apply(i));
            System.out.flush();
            synchronized (deadline) {
                current[0] = i;
                deadline[0] = System.nanoTime() + secondsPerCase * 1_000_000_000L;
            }
            String outcome;
            long started = System.nanoTime();
            try {
                outcome = body.run(i);
            } catch (Throwable e) {
                outcome = "BAD the case threw " + e;
            }
            synchronized (deadline) {
                deadline[0] = Long.MAX_VALUE;
            }
            String[] w = outcome.split(" ", 2);
            System.out.println(w[0] + " " + i + (w.length > 1 ? " " + w[1] : "") + " (" + (System.nanoTime() - started) / 1_000_000 + " ms)");
            System.out.flush();
        }
        watchdog.interrupt();
        System.out.println("DONE");
        System.out.flush();
    }

    /** A string safe on one line of the protocol: controls and non-ASCII escaped, at most {@code max} chars. */
    static String printable(String s, int max) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f) b.append(c);
            else b.append(String.format("\\u%04x", (int) c));
        }
        return s.length() > 0 && b.length() >= max ? b + "..." : b.toString();
    }
}
