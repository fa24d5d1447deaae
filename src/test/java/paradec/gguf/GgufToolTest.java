package paradec.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufToolTest {

    @TempDir
    Path dir;

    private String out;
    private String err;

    private int run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int rc = GgufTool.run(args, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return rc;
    }

    @Test
    void synthThenInspect() throws Exception {
        // the output's folder is made as needed
        Path m = dir.resolve("not/yet/there/m.gguf");
        assertEquals(0, run("synth", "--arch", "dream", "--layers", "1", "--embd", "32", "--heads", "2",
                "--heads-kv", "1", "--ff", "48", "--ctx", "64", "--seed", "9", "--vocab-size", "300", "-o",
                m.toString()), err);
        assertEquals(0, run("inspect", m.toString()), err);
        assertTrue(out.contains("dream.block_count"), out);
        assertTrue(out.contains("blk.0.attn_q.bias"), out);
        assertTrue(out.contains("diffusion.shift_logits"), out);
    }

    @Test
    void synthFromVocabFile() throws Exception {
        Path m = dir.resolve("v.gguf");
        assertEquals(0, run("synth", "--arch", "llama", "--embd", "32", "--vocab-from",
                TestFiles.vocab("phi-3").toString(), "-o", m.toString()), err);
        GgufFile.validate(m);
    }

    @Test
    void usageErrors() {
        assertEquals(2, run());
        assertEquals(2, run("frobnicate"));
        assertEquals(2, run("inspect"));
        assertEquals(2, run("synth", "-o", dir.resolve("x").toString()));
        assertEquals(2, run("synth", "--arch", "gpt9", "-o", dir.resolve("x").toString()));
        assertEquals(2, run("synth", "--arch", "llama", "--layers", "many", "-o", dir.resolve("x").toString()));
        assertEquals(2, run("synth", "--arch", "llama", "--layers"));
        assertEquals(2, run("synth", "--arch", "llama"));
        assertTrue(err.contains("usage"), err);
    }

    @Test
    void badInputs() throws Exception {
        assertEquals(3, run("inspect", dir.resolve("missing.gguf").toString()));
        assertTrue(err.contains("no such file"), err);
        assertEquals(1, err.strip().lines().count(), err);
        Path junk = Files.writeString(dir.resolve("junk.gguf"), "not a model at all");
        assertEquals(3, run("inspect", junk.toString()));
        assertTrue(err.contains("bad magic"), err);
        assertEquals(3, run("synth", "--arch", "llama", "--vocab-from", junk.toString(), "-o",
                dir.resolve("o.gguf").toString()));
        assertEquals(3, run("inspect", dir.toString()));
    }
}
