package paradec.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import paradec.gguf.GgufFile;
import paradec.gguf.Synth;
import paradec.gguf.SynthSpec;
import paradec.testing.TestModels;

/**
 * A mutation fuzzer over model files, in the project: byte flips, extreme integers and truncations in
 * the header (metadata and tensor infos) of a small synthesized model, each file then loaded, tokenized
 * with and decoded in a child JVM. Every file must end as "OK" or "REFUSED" with an exception; a file
 * that kills the child (a native abort, SIGSEGV, a C++ exception) fails the test and is kept in
 * target/fuzz-crashers for reproduction. {@code -Dparadec.fuzz.cases=N} runs more cases.
 */
class ModelFileFuzzTest {
    @TempDir
    Path dir;

    @Test
    void mutatedModelFilesNeverKillTheJvm() throws Exception {
        int cases = Integer.getInteger("paradec.fuzz.cases", 400);
        long seed = Long.getLong("paradec.fuzz.seed", 20261202L);
        Path base = dir.resolve("base.gguf");
        Synth.write(SynthSpec.tiny("llama", 3), base);
        byte[] bytes = Files.readAllBytes(base);
        long header;
        try (GgufFile f = GgufFile.open(base)) {
            header = f.dataOffset();
        }
        SplittableRandom random = new SplittableRandom(seed);
        Path cases_ = Files.createDirectories(dir.resolve("cases"));
        for (int i = 0; i < cases; i++) {
            byte[] m = bytes.clone();
            int kind = random.nextInt(4);
            int at = 24 + random.nextInt((int) header - 24);
            switch (kind) {
                case 0 -> m[at] ^= (byte) (1 << random.nextInt(8));                       // one bit
                case 1 -> m[at] = (byte) random.nextInt(256);                              // one byte
                case 2 -> {                                                                // an extreme u32
                    int v = new int[] {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 512, 513, 65536}[random.nextInt(8)];
                    for (int b = 0; b < 4 && at + b < m.length; b++) m[at + b] = (byte) (v >>> (8 * b));
                }
                default -> {                                                               // several bytes
                    for (int k = 0; k < 8; k++) m[24 + random.nextInt((int) header - 24)] ^= (byte) random.nextInt(1, 256);
                }
            }
            Files.write(cases_.resolve(String.format("case-%04d-k%d.gguf", i, kind)), m);
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dparadec.native.dir=" + TestModels.nativeDir(),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=off", "-cp", System.getProperty("java.class.path"),
                LoadDriver.class.getName(), cases_.toString()));
        // to a file: a pipe nobody reads while waiting would block the child once full
        Path log = dir.resolve("driver.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(300, TimeUnit.SECONDS);
        if (!finished) p.destroyForcibly().waitFor();
        String out = Files.readString(log, StandardCharsets.ISO_8859_1);
        List<String> lines = out.lines().toList();
        String lastLoad = lines.stream().filter(l -> l.startsWith("LOAD ")).reduce((a, b) -> b).orElse("none");
        boolean done = lines.contains("DONE");
        if (!done) {
            Path keep = Files.createDirectories(TestModels.root().resolve("src/test/target/fuzz-crashers"));
            String name = lastLoad.substring(5);
            if (Files.exists(cases_.resolve(name))) Files.copy(cases_.resolve(name), keep.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        long ok = lines.stream().filter(l -> l.startsWith("OK ")).count();
        long refused = lines.stream().filter(l -> l.startsWith("REFUSED ")).count();
        assertTrue(done, (finished ? "the child JVM died (exit " + p.exitValue() + ")" : "the child JVM hung")
                + " on " + lastLoad + " after " + ok + " loaded and " + refused + " refused; tail:\n"
                + String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size())));
        assertTrue(ok + refused == cases, ok + " + " + refused + " != " + cases);
        System.out.println("ModelFileFuzzTest: seed " + seed + ", " + cases + " cases: " + ok + " loaded and decoded, " + refused + " refused");
    }
}
