package paradec.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufVocabFilesTest {

    @TempDir
    Path dir;

    @Test
    void readsEveryRealVocabFile() throws Exception {
        List<Path> files = TestFiles.vocabFiles();
        assertTrue(files.size() >= 10, "expected llama.cpp's vocab files under " + TestFiles.llamaSrc());
        for (Path p : files) {
            try (GgufFile f = GgufFile.open(p)) {
                assertTrue(f.version() == 2 || f.version() == 3, p.toString());
                assertFalse(f.getString("tokenizer.ggml.model").isEmpty(), p.toString());
                GgufValue tokens = f.entries().get("tokenizer.ggml.tokens");
                assertEquals(GgufType.STRING, tokens.elementType(), p.toString());
                assertTrue(tokens.length() > 1000, p.toString());
                f.find("tokenizer.ggml.token_type").ifPresent(t -> assertEquals(tokens.length(), t.length()));
                assertEquals(f.fileSize(), Files.size(p));
            }
        }
    }

    /** Copying every key reproduces the metadata byte for byte (a file without tensors is just its KVs). */
    @Test
    void copyingAllKeysReproducesTheFile() throws Exception {
        for (String name : new String[] {"llama-spm", "gpt-2", "bert-bge"}) {
            Path src = TestFiles.vocab(name);
            Path out = dir.resolve(name + ".gguf");
            try (GgufFile f = GgufFile.open(src)) {
                GgufWriter w = new GgufWriter();
                for (String key : f.entries().keySet()) {
                    w.copy(f, key);
                }
                w.write(out);
                if (f.version() == 3) {
                    assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(out), name);
                }
            }
            try (GgufFile a = GgufFile.open(src); GgufFile b = GgufFile.open(out)) {
                assertEquals(a.entries(), b.entries(), name);
            }
        }
    }

    /** Re-encoding from the parsed Java values (not the raw bytes) gives the same values back. */
    @Test
    void reEncodingParsedValuesRoundTrips() throws Exception {
        Path src = TestFiles.vocab("qwen2");
        Path out = dir.resolve("qwen2.gguf");
        try (GgufFile f = GgufFile.open(src)) {
            GgufWriter w = new GgufWriter();
            f.entries().forEach(w::put);
            w.write(out);
            try (GgufFile g = GgufFile.open(out)) {
                assertEquals(f.entries(), g.entries());
            }
        }
    }
}
