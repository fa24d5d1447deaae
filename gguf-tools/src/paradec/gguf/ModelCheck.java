package paradec.gguf;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Semantic checks of a model file that passed {@link GgufFile}'s structural validation, for the
 * values llama.cpp v0.5.0 does not check itself but asserts on (GGML_ASSERT aborts the process) or
 * reads into the wrong type: each rule names what llama.cpp would otherwise do.
 */
public final class ModelCheck {
    /** llama.cpp's LLAMA_MAX_LAYERS. */
    public static final long MAX_LAYERS = 512;
    /** Architectures whose tokenizer must be a generative one. */
    private static final Set<String> GENERATIVE = Set.of("llama", "llada", "llada-moe", "dream", "qwen2", "qwen3", "mistral");
    /** Element types ggml cannot multiply a matrix by on the CPU (SIGSEGV in mul_mat). */
    private static final Set<GgmlType> NOT_MATMUL = Set.of(GgmlType.I8, GgmlType.I16, GgmlType.I32, GgmlType.I64,
            GgmlType.F64, GgmlType.Q8_1, GgmlType.Q8_K);

    private ModelCheck() {}

    /**
     * Checks the tokenizer always, and the hyperparameters and tensors unless only the vocabulary is loaded.
     *
     * @throws GgufFormatException naming the key or tensor and why llama.cpp would fail on it
     */
    public static void check(GgufFile f, boolean vocabOnly) throws GgufFormatException {
        String arch = f.find("general.architecture").filter(v -> v.type() == GgufType.STRING).map(v -> (String) v.value())
                .orElseThrow(() -> fail("general.architecture is missing or not a string"));
        checkTokenizer(f, arch);
        if (vocabOnly) return;
        checkTensorTypes(f);
        // the hyperparameter rules are those of the architectures paradec runs; llama.cpp refuses unknown ones itself
        if (!GENERATIVE.contains(arch)) return;
        long layers = positive(f, arch + ".block_count", MAX_LAYERS, "llama.cpp supports 1.." + MAX_LAYERS + " layers");
        // a UINT32 context length above INT32_MAX reads as a negative int in llama.cpp and disables its length checks
        positive(f, arch + ".context_length", Integer.MAX_VALUE, "llama.cpp reads it as a signed 32-bit int");
        long embd = positive(f, arch + ".embedding_length", Integer.MAX_VALUE, "");
        long[] heads = perLayer(f, arch + ".attention.head_count", layers);
        long[] headsKv = f.has(arch + ".attention.head_count_kv") ? perLayer(f, arch + ".attention.head_count_kv", layers) : heads;
        for (int l = 0; l < layers; l++) {
            if (heads[l] <= 0) throw fail(arch + ".attention.head_count is " + heads[l] + " for layer " + l + " (llama.cpp divides by it)");
            if (headsKv[l] <= 0 || heads[l] % headsKv[l] != 0) {
                throw fail(arch + ".attention.head_count_kv is " + headsKv[l] + " for layer " + l + ": it must divide head_count "
                        + heads[l] + " (grouped-query attention asserts it)");
            }
        }
        if (f.has(arch + ".rope.dimension_count") && embd % heads[0] == 0) {
            long headSize = f.has(arch + ".attention.key_length") ? f.getLong(arch + ".attention.key_length") : embd / heads[0];
            long rope = f.getLong(arch + ".rope.dimension_count");
            if (rope != headSize) {
                throw fail(arch + ".rope.dimension_count is " + rope + ", the head size is " + headSize + " (the graph asserts they are equal)");
            }
        }
        if (arch.endsWith("-moe")) {
            long experts = f.has(arch + ".expert_count") ? f.getLong(arch + ".expert_count") : 0;
            if (experts <= 0) throw fail(arch + " without experts (" + arch + ".expert_count is " + experts + ")");
        }
    }

    private static void checkTensorTypes(GgufFile f) throws GgufFormatException {
        for (TensorInfo t : f.tensors()) {
            String name = t.name();
            if (name.endsWith("_norm.weight") || name.endsWith("_norm.bias")) {
                if (t.type() != GgmlType.F32 && t.type() != GgmlType.F16) {
                    throw fail("tensor " + name + " is " + t.type() + ": norm weights must be F32 or F16");
                }
            } else if (name.endsWith(".weight") && t.dims().length >= 2 && NOT_MATMUL.contains(t.type())) {
                throw fail("tensor " + name + " is " + t.type() + ", which ggml cannot multiply matrices by");
            }
        }
    }

    private static void checkTokenizer(GgufFile f, String arch) throws GgufFormatException {
        Optional<GgufValue> model = f.find("tokenizer.ggml.model");
        if (model.isPresent() && model.get().type() == GgufType.STRING) {
            String m = (String) model.get().value();
            if (GENERATIVE.contains(arch) && (m.equals("none") || m.equals("no_vocab") || m.equals("bert"))) {
                throw fail("tokenizer.ggml.model is \"" + m + "\", which a " + arch + " model cannot generate with");
            }
        }
        Optional<GgufValue> tokens = f.find("tokenizer.ggml.tokens");
        if (tokens.isPresent() && tokens.get().type() == GgufType.ARRAY) {
            List<Object> list = tokens.get().asList();
            Set<Object> seen = new HashSet<>(list.size() * 2);
            for (int i = 0; i < list.size(); i++) {
                // llama.cpp reads token texts as C strings: they end at the first NUL
                String text = String.valueOf(list.get(i));
                int nul = text.indexOf('\0');
                if (!seen.add(nul >= 0 ? text.substring(0, nul) : text)) {
                    throw fail("tokenizer.ggml.tokens holds \"" + list.get(i) + "\" twice (token " + i + "): llama.cpp asserts every token text is unique");
                }
            }
        }
    }

    private static long positive(GgufFile f, String key, long max, String why) throws GgufFormatException {
        if (!f.has(key)) throw fail(key + " is missing");
        long v;
        try {
            v = f.getLong(key);
        } catch (IllegalArgumentException e) {
            throw fail(key + " is not an integer");
        }
        if (v < 1 || v > max) throw fail(key + " is " + Long.toUnsignedString(v) + ", outside 1.." + max + (why.isEmpty() ? "" : " (" + why + ")"));
        return v;
    }

    private static long[] perLayer(GgufFile f, String key, long layers) throws GgufFormatException {
        if (!f.has(key)) throw fail(key + " is missing");
        GgufValue v = f.find(key).orElseThrow();
        long[] out = new long[(int) layers];
        if (v.type() == GgufType.ARRAY) {
            List<Object> list = v.asList();
            if (list.size() != layers) throw fail(key + " has " + list.size() + " entries for " + layers + " layers");
            for (int i = 0; i < layers; i++) {
                if (!(list.get(i) instanceof Number n)) throw fail(key + "[" + i + "] is not a number");
                out[i] = n.longValue();
            }
        } else if (v.type().isInteger()) {
            java.util.Arrays.fill(out, ((Number) v.value()).longValue());
        } else {
            throw fail(key + " is " + v.type() + ", not an integer");
        }
        return out;
    }

    private static GgufFormatException fail(String problem) {
        return new GgufFormatException(problem, -1);
    }
}
