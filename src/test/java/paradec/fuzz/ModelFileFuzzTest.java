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
            Files.write(cases_.resolve(String.format("case-%06d-k%d.gguf", i, kind)), m);
        }
        ChildJvm.Result r = ChildJvm.run(dir, LoadDriver.class, cases, List.of(cases_.toString()), 300);
        if (!r.deaths().isEmpty()) {
            Path keep = Files.createDirectories(TestModels.root().resolve("src/test/target/fuzz-crashers"));
            try (var list = Files.list(cases_)) {
                for (Path f : list.sorted().toList().stream().filter(f -> r.deaths().containsKey(caseIndex(f))).toList()) {
                    Files.copy(f, keep.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        System.out.println("ModelFileFuzzTest: seed " + seed + ", " + r.summary());
        assertTrue(r.deaths().isEmpty(), r.deaths().size() + " model files killed or hung the JVM (kept in src/test/target/fuzz-crashers): "
                + r.deaths());
        assertTrue(r.count("OK") + r.count("REFUSED") == cases, r.summary());
    }

    private static int caseIndex(Path f) {
        return Integer.parseInt(f.getFileName().toString().substring(5, 11));
    }
}
