package paradec.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A prompt and option fuzzer through the command line's entry point ({@link paradec.cli.Main#run}), in child
 * JVMs: generate, tokenize, eval and bench on the four shipped models with hostile prompts (random bytes decoded
 * as the JVM decodes argv, lone surrogates, NULs, control characters, huge and empty prompts, characters the
 * task models' vocabulary lacks) and hostile option values (extreme, negative, non-numeric, missing, repeated,
 * unknown decoders and policies, files that are folders, devices, models or not UTF-8). Every case must end
 * with exit 0, 2 or 3 and a one-line message, never a stack trace, a dead JVM or a hang
 * ({@link CliFuzzDriver#verdict}). {@code -Dparadec.fuzz.cli.cases=N -Dparadec.fuzz.seed=S} run more;
 * {@code -Dparadec.fuzz.verbose=true} prints every case's outcome.
 */
class CliFuzzTest {
    @TempDir
    Path dir;

    @Test
    void hostileCommandLinesEndCleanly() throws Exception {
        int cases = Integer.getInteger("paradec.fuzz.cli.cases", 100);
        long seed = Long.getLong("paradec.fuzz.seed", 20261202L);
        Path scratch = Files.createDirectories(dir.resolve("scratch"));
        ChildJvm.Result r = ChildJvm.run(dir, CliFuzzDriver.class, cases,
                List.of(Long.toString(seed), Integer.toString(cases), scratch.toString()), 600);
        System.out.println("CliFuzzTest: seed " + seed + ", " + r.summary());
        r.outcomes().values().stream().map(l -> l.replaceFirst("^(\\w+) \\d+ rc=(\\d).*", "$1 exit $2")).sorted()
                .collect(java.util.stream.Collectors.groupingBy(s -> s, java.util.TreeMap::new, java.util.stream.Collectors.counting()))
                .forEach((k, v) -> System.out.println("  " + k + ": " + v));
        if (Boolean.getBoolean("paradec.fuzz.verbose")) r.outcomes().forEach((i, l) -> System.out.println("    " + l + "\n      " + r.cases().get(i)));
        assertTrue(r.deaths().isEmpty(), r.deaths().size() + " command lines killed or hung the JVM: " + r.deaths());
        assertTrue(r.bad().isEmpty(), r.bad().size() + " command lines broke the rules:\n" + String.join("\n", r.bad()));
        assertEquals(cases, r.outcomes().size(), r.summary());
    }
}
