package paradec.testing;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import paradec.gguf.GgmlType;
import paradec.gguf.GgufFile;
import paradec.gguf.GgufWriter;
import paradec.gguf.Synth;
import paradec.gguf.SynthSpec;
import paradec.gguf.TensorInfo;

/**
 * Tiny synthesized models shared by the integration tests. A model is a pure function of its spec,
 * so it is written once under target/test-models and reused by later classes and runs.
 */
public final class TestModels {
    private TestModels() {}

    public static Path root() {
        return Path.of(System.getProperty("paradec.root", ".")).toAbsolutePath().normalize();
    }

    public static Path llamaSrc() {
        String p = System.getProperty("paradec.llama.src");
        return p != null && !p.isBlank() ? Path.of(p) : root().resolve("build/llama-src");
    }

    public static Path nativeDir() {
        String p = System.getProperty("paradec.native.dir");
        return p != null && !p.isBlank() ? Path.of(p) : root().resolve("build/llama/bin");
    }

    /** A vocab-only GGUF shipped with llama.cpp, e.g. "llama-spm". */
    public static Path vocab(String name) {
        return llamaSrc().resolve("models").resolve("ggml-vocab-" + name + ".gguf");
    }

    public static Path dir() throws IOException {
        return Files.createDirectories(root().resolve("target/test-models"));
    }

    /** 2 layers, 64 wide, with the tokenizer of a llama.cpp vocab file. */
    public static Path withVocab(String vocabName, long seed) throws IOException {
        return synth("llama-" + vocabName + "-s" + seed,
                new SynthSpec("llama", 2, 64, 4, 2, 128, 512, seed, vocab(vocabName), 0));
    }

    /** A small model with a generated SPM-style vocabulary of {@code vocabSize} tokens (EOS = 2). */
    public static Path generated(int layers, int embd, int heads, int vocabSize, long seed) throws IOException {
        return synth("llama-gen" + vocabSize + "-l" + layers + "-e" + embd + "-s" + seed,
                new SynthSpec("llama", layers, embd, heads, Math.max(1, heads / 2), embd * 2, 512, seed, null, vocabSize));
    }

    public static synchronized Path synth(String name, SynthSpec spec) throws IOException {
        Path out = dir().resolve(name + ".gguf");
        if (Files.isRegularFile(out) && Files.size(out) > 0) return out;
        Path tmp = Files.createTempFile(dir(), name, ".part");
        Synth.write(spec, tmp);
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return out;
    }

    /**
     * A copy of an F32-output model in which the output row of {@code eos} is {@code scale} times the
     * row of {@code like}: wherever greedy decoding of the source would pick {@code like} (with a
     * positive logit), the copy picks EOS instead.
     */
    public static Path withEosLike(Path source, int eos, int like, float scale, String name) throws IOException {
        Path out = dir().resolve(name + ".gguf");
        Path tmp = Files.createTempFile(dir(), name, ".part");
        try (GgufFile in = GgufFile.open(source)) {
            GgufWriter w = new GgufWriter();
            for (String key : in.entries().keySet()) {
                if (key.equals(GgufFile.KEY_ALIGNMENT)) continue;
                w.copy(in, key);
            }
            for (TensorInfo t : in.tensors()) {
                byte[] data = in.tensorData(t).toArray(ValueLayout.JAVA_BYTE);
                if (t.name().equals("output.weight")) {
                    if (t.type() != GgmlType.F32) throw new IllegalArgumentException("output.weight must be F32 here");
                    int row = (int) t.dims()[0];
                    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < row; i++) {
                        b.putFloat((eos * row + i) * 4, b.getFloat((like * row + i) * 4) * scale);
                    }
                }
                w.addRawTensor(t.name(), t.type(), t.dims(), data);
            }
            w.write(tmp);
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return out;
    }

    /** A copy of {@code source} that carries {@code template} as its GGUF {@code tokenizer.chat_template}. */
    public static synchronized Path withChatTemplate(Path source, String template, String name) throws IOException {
        Path out = dir().resolve(name + ".gguf");
        Path tmp = Files.createTempFile(dir(), name, ".part");
        try (GgufFile in = GgufFile.open(source)) {
            GgufWriter w = new GgufWriter();
            for (String key : in.entries().keySet()) {
                if (!key.equals(GgufFile.KEY_ALIGNMENT) && !key.equals("tokenizer.chat_template")) w.copy(in, key);
            }
            w.putString("tokenizer.chat_template", template);
            for (TensorInfo t : in.tensors()) w.addRawTensor(t.name(), t.type(), t.dims(), in.tensorData(t).toArray(ValueLayout.JAVA_BYTE));
            w.write(tmp);
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return out;
    }
}
