package paradec.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The java command that runs a class of the tests in a child JVM like the test JVM: its class path, native library and flags. */
public final class JavaCommand {
    private JavaCommand() {}

    public static List<String> of(Class<?> main, List<String> jvmArgs, List<String> args) {
        List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector", "-XX:TieredStopAtLevel=1",
                "-Dparadec.native.dir=" + TestModels.nativeDir(), "-Dparadec.root=" + TestModels.root(),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=off", "-cp", System.getProperty("java.class.path"),
                // a crash report of a child that dies goes to the temp folder, not into the source tree
                "-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "paradec-child-hs_err_%p.log")));
        c.addAll(jvmArgs);
        c.add(main.getName());
        c.addAll(args);
        return c;
    }
}
