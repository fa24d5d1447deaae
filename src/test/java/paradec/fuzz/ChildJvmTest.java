package paradec.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fuzzers' harness sees a case that kills the child, one that hangs it and one that breaks the rules. */
class ChildJvmTest {
    @TempDir
    Path dir;

    /** Case 2 ends the JVM as an abort would, case 4 never returns, case 6 is BAD, the rest are fine. */
    public static void main(String[] args) {
        ChildJvm.cases(Integer.parseInt(args[0]), 8, 2, i -> "case " + i, i -> switch (i) {
            case 2 -> {
                Runtime.getRuntime().halt(134);
                yield "OK unreachable";
            }
            case 4 -> {
                Thread.sleep(Long.MAX_VALUE);
                yield "OK unreachable";
            }
            case 6 -> "BAD on purpose";
            default -> "OK fine";
        });
    }

    @Test
    void deathsHangsAndBadCasesAreAttributedToTheirCase() throws Exception {
        ChildJvm.Result r = ChildJvm.run(dir, ChildJvmTest.class, 8, List.of(), 120);
        assertEquals(Set.of(2, 4), r.deaths().keySet(), r.deaths().toString());
        assertTrue(r.deaths().get(2).contains("exit 134"), r.deaths().get(2));
        assertTrue(r.deaths().get(4).startsWith("hung"), r.deaths().get(4));
        assertEquals(3, r.children(), "restarted after each death");
        assertEquals(Set.of(0, 1, 3, 5, 6, 7), r.outcomes().keySet());
        assertEquals(1, r.bad().size(), r.bad().toString());
        assertTrue(r.bad().get(0).contains("on purpose"));
    }
}
