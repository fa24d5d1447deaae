package paradec.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An API-order fuzzer in child JVMs: random sequences of public Java API calls ({@link ApiFuzzDriver}) on the
 * shipped models of both families. Every call must return or throw a clean exception, the child must never die
 * or hang. {@code -Dparadec.fuzz.api.cases=N -Dparadec.fuzz.seed=S} run more.
 */
class ApiFuzzTest {
    @TempDir
    Path dir;

    @Test
    void randomCallSequencesEndCleanly() throws Exception {
        int cases = Integer.getInteger("paradec.fuzz.api.cases", 30);
        long seed = Long.getLong("paradec.fuzz.seed", 20261202L);
        ChildJvm.Result r = ChildJvm.run(dir, ApiFuzzDriver.class, cases, List.of(Long.toString(seed), Integer.toString(cases)), 600);
        System.out.println("ApiFuzzTest: seed " + seed + ", " + r.summary());
        if (Boolean.getBoolean("paradec.fuzz.verbose")) r.outcomes().values().forEach(l -> System.out.println("    " + l));
        assertTrue(r.deaths().isEmpty(), r.deaths().size() + " call sequences killed or hung the JVM: " + r.deaths());
        assertTrue(r.bad().isEmpty(), r.bad().size() + " call sequences broke the rules:\n" + String.join("\n", r.bad()));
        assertEquals(cases, r.outcomes().size(), r.summary());
    }
}
