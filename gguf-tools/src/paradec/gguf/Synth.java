package paradec.gguf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Writes small random-weight models that llama.cpp loads and runs: {@code llama} (causal), and the masked
 * diffusion models {@code llada} and {@code dream}.
 *
 * <p>Weights are normal(0, 0.02) and norm weights are 1, drawn per tensor from a generator seeded with the
 * spec's seed and the tensor name, so the output is a pure function of the spec (and the vocab file). Tensors
 * of at least {@value #F16_THRESHOLD} elements are stored as F16 to keep files small; the rest are F32.
 * {@code output.weight} is separate from the token embedding, so greedy outputs vary with the input.
 */
public final class Synth {

    /** Smallest generated vocabulary: 3 specials, 256 byte tokens, a few pieces and room for a mask. */
    public static final int MIN_GENERATED_VOCAB = 3 + 256 + 4;
    /** Tensors with this many elements or more are written as F16. */
    public static final long F16_THRESHOLD = 1L << 20;
    /** Appended to vocabularies that have no mask token, for the diffusion architectures. */
    public static final String MASK_TOKEN = "<|mdm_mask|>";

    static final int TOKEN_NORMAL = 1;
    static final int TOKEN_UNKNOWN = 2;
    static final int TOKEN_CONTROL = 3;
    static final int TOKEN_BYTE = 6;

    private static final String K_TOKENS = "tokenizer.ggml.tokens";
    private static final String K_SCORES = "tokenizer.ggml.scores";
    private static final String K_TYPES = "tokenizer.ggml.token_type";
    private static final String K_MASK = "tokenizer.ggml.mask_token_id";

    private Synth() {}

    /**
     * Builds the model described by {@code spec} and writes it to {@code out}.
     *
     * @throws GgufFormatException if the vocab file is not valid GGUF or has no {@code tokenizer.ggml.tokens}
     * @throws IOException if the vocab file cannot be read or the output cannot be written
     */
    public static void write(SynthSpec spec, Path out) throws IOException {
        GgufWriter w = new GgufWriter();
        String a = spec.arch();
        w.putString("general.architecture", a);
        w.putString("general.name", "paradec-synth-" + a + "-s" + spec.seed());

        int nVocab;
        if (spec.tokenizerFrom() != null) {
            nVocab = copyVocab(spec, w);
        } else {
            nVocab = generateVocab(spec, w);
        }

        w.putU32(a + ".vocab_size", nVocab);
        w.putU32(a + ".context_length", spec.nCtxTrain());
        w.putU32(a + ".embedding_length", spec.nEmbd());
        w.putU32(a + ".block_count", spec.nLayer());
        w.putU32(a + ".feed_forward_length", spec.nFf());
        w.putU32(a + ".attention.head_count", spec.nHead());
        w.putU32(a + ".attention.head_count_kv", spec.nHeadKv());
        w.putF32(a + ".attention.layer_norm_rms_epsilon", a.equals("dream") ? 1e-6f : 1e-5f);
        w.putF32(a + ".rope.freq_base", 10000f);
        w.putU32(a + ".rope.dimension_count", spec.headDim());
        if (spec.isDiffusion()) {
            w.putBool(a + ".attention.causal", false);
            // LLaDA predicts the token at each position; Dream predicts the next one, as llama.cpp's
            // diffusion example assumes when the key is absent.
            w.putBool("diffusion.shift_logits", a.equals("dream"));
        }

        long nEmbd = spec.nEmbd();
        long hd = spec.headDim();
        long qDim = hd * spec.nHead();
        long kvDim = hd * spec.nHeadKv();
        boolean anyF16 = false;
        anyF16 |= weight(w, spec, "token_embd.weight", nEmbd, nVocab);
        ones(w, "output_norm.weight", nEmbd);
        // Untied: with tied embeddings and small weights the argmax is almost always the input token.
        anyF16 |= weight(w, spec, "output.weight", nEmbd, nVocab);
        for (int i = 0; i < spec.nLayer(); i++) {
            String b = "blk." + i + ".";
            ones(w, b + "attn_norm.weight", nEmbd);
            anyF16 |= weight(w, spec, b + "attn_q.weight", nEmbd, qDim);
            anyF16 |= weight(w, spec, b + "attn_k.weight", nEmbd, kvDim);
            anyF16 |= weight(w, spec, b + "attn_v.weight", nEmbd, kvDim);
            if (a.equals("dream")) {
                // Dream is Qwen2-shaped, with q/k/v biases.
                w.addTensor(b + "attn_q.bias", GgmlType.F32, new long[] {qDim}, normal(spec, b + "attn_q.bias", qDim));
                w.addTensor(b + "attn_k.bias", GgmlType.F32, new long[] {kvDim}, normal(spec, b + "attn_k.bias", kvDim));
                w.addTensor(b + "attn_v.bias", GgmlType.F32, new long[] {kvDim}, normal(spec, b + "attn_v.bias", kvDim));
            }
            anyF16 |= weight(w, spec, b + "attn_output.weight", qDim, nEmbd);
            ones(w, b + "ffn_norm.weight", nEmbd);
            anyF16 |= weight(w, spec, b + "ffn_gate.weight", nEmbd, spec.nFf());
            anyF16 |= weight(w, spec, b + "ffn_up.weight", nEmbd, spec.nFf());
            anyF16 |= weight(w, spec, b + "ffn_down.weight", spec.nFf(), nEmbd);
        }
        w.putU32("general.file_type", anyF16 ? 1 : 0); // 0 = all F32, 1 = mostly F16
        w.write(out);
    }

    /** Adds a normal(0, 0.02) matrix; returns whether it was stored as F16. */
    private static boolean weight(GgufWriter w, SynthSpec spec, String name, long rowLength, long rows) {
        long n = rowLength * rows;
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("tensor " + name + " with " + n + " elements is too large to synthesise");
        }
        boolean f16 = n >= F16_THRESHOLD;
        w.addTensor(name, f16 ? GgmlType.F16 : GgmlType.F32, new long[] {rowLength, rows}, normal(spec, name, n));
        return f16;
    }

    private static void ones(GgufWriter w, String name, long n) {
        float[] v = new float[(int) n];
        Arrays.fill(v, 1f);
        w.addTensor(name, GgmlType.F32, new long[] {n}, v);
    }

    /**
     * Normal(0, 0.02) values from the spec's seed and the tensor name. Box-Muller over SplittableRandom (whose
     * algorithm is specified) with StrictMath keeps the values identical across JDKs.
     */
    static float[] normal(SynthSpec spec, String name, long n) {
        SplittableRandom rng = new SplittableRandom(spec.seed() * 0x9E3779B97F4A7C15L + name.hashCode());
        float[] out = new float[(int) n];
        for (int i = 0; i < out.length; i += 2) {
            double u1 = (rng.nextLong() >>> 11) * 0x1.0p-53;
            double u2 = (rng.nextLong() >>> 11) * 0x1.0p-53;
            double r = StrictMath.sqrt(-2 * StrictMath.log(1 - u1));
            out[i] = (float) (0.02 * r * StrictMath.cos(2 * Math.PI * u2));
            if (i + 1 < out.length) {
                out[i + 1] = (float) (0.02 * r * StrictMath.sin(2 * Math.PI * u2));
            }
        }
        return out;
    }

    private static int copyVocab(SynthSpec spec, GgufWriter w) throws IOException {
        try (GgufFile vocab = GgufFile.open(spec.tokenizerFrom())) {
            GgufValue tokens = vocab.find(K_TOKENS).orElseThrow(() -> new GgufFormatException(
                    spec.tokenizerFrom() + " has no " + K_TOKENS + ": not a tokenizer GGUF", -1));
            if (tokens.type() != GgufType.ARRAY || tokens.elementType() != GgufType.STRING) {
                throw new GgufFormatException(K_TOKENS + " in " + spec.tokenizerFrom()
                        + " is not an array of strings", -1);
            }
            for (String key : vocab.entries().keySet()) {
                if (key.startsWith("tokenizer.")) {
                    w.copy(vocab, key);
                }
            }
            int n = tokens.length();
            if (!spec.isDiffusion() || vocab.has(K_MASK)) {
                return n;
            }
            @SuppressWarnings("unchecked")
            List<String> list = (List<String>) tokens.value();
            int existing = list.indexOf(MASK_TOKEN);
            if (existing >= 0) {
                w.putU32(K_MASK, existing);
                return n;
            }
            List<String> grown = new ArrayList<>(list);
            grown.add(MASK_TOKEN);
            w.putArray(K_TOKENS, GgufType.STRING, grown);
            vocab.find(K_SCORES).ifPresent(s -> w.put(K_SCORES, appended(s, 0)));
            vocab.find(K_TYPES).ifPresent(t -> w.put(K_TYPES, appended(t, TOKEN_CONTROL)));
            w.putU32(K_MASK, n);
            return n + 1;
        }
    }

    /** The numeric array {@code v} with one more element, keeping its element type. */
    private static GgufValue appended(GgufValue v, int extra) {
        List<Object> items = new ArrayList<>(v.asList());
        items.add(switch (v.elementType()) {
            case FLOAT32 -> (float) extra;
            case FLOAT64 -> (double) extra;
            default -> (long) extra;
        });
        return GgufValue.array(v.elementType(), items);
    }

    /**
     * A SentencePiece-style ("llama") vocabulary: unk, bos, eos, the 256 byte-fallback tokens, then single
     * characters and letter groups with and without the word-start mark, scored so that earlier pieces win.
     */
    private static int generateVocab(SynthSpec spec, GgufWriter w) {
        int size = spec.generatedVocabSize();
        int pieces = spec.isDiffusion() ? size - 1 : size;
        List<String> tokens = new ArrayList<>(size);
        List<Float> scores = new ArrayList<>(size);
        List<Integer> types = new ArrayList<>(size);
        tokens.add("<unk>");
        types.add(TOKEN_UNKNOWN);
        tokens.add("<s>");
        types.add(TOKEN_CONTROL);
        tokens.add("</s>");
        types.add(TOKEN_CONTROL);
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(TOKEN_BYTE);
        }
        for (int i = 0; i < tokens.size(); i++) {
            scores.add(0f);
        }
        Set<String> seen = new HashSet<>(tokens);
        List<String> candidates = new ArrayList<>();
        candidates.add("\u2581");
        for (char c = 'a'; c <= 'z'; c++) {
            candidates.add("\u2581" + c);
        }
        for (char c = 33; c < 127; c++) {
            candidates.add(String.valueOf(c));
        }
        int next = 0;
        int counter = 0;
        while (tokens.size() < pieces) {
            String piece;
            if (next < candidates.size()) {
                piece = candidates.get(next++);
            } else {
                // letter groups: aa, ab, ..., zz, aaa, ... alternately with the word-start mark
                String word = letters(counter / 2);
                piece = counter % 2 == 0 ? word : "\u2581" + word;
                counter++;
            }
            if (seen.add(piece)) {
                tokens.add(piece);
                scores.add(-(float) tokens.size());
                types.add(TOKEN_NORMAL);
            }
        }
        int maskId = -1;
        if (spec.isDiffusion()) {
            maskId = tokens.size();
            tokens.add(MASK_TOKEN);
            scores.add(0f);
            types.add(TOKEN_CONTROL);
        }
        w.putString("tokenizer.ggml.model", "llama");
        w.putString("tokenizer.ggml.pre", "default");
        w.putArray(K_TOKENS, GgufType.STRING, tokens);
        w.putArray(K_SCORES, GgufType.FLOAT32, scores);
        w.putArray(K_TYPES, GgufType.INT32, types);
        w.putU32("tokenizer.ggml.unknown_token_id", 0);
        w.putU32("tokenizer.ggml.bos_token_id", 1);
        w.putU32("tokenizer.ggml.eos_token_id", 2);
        w.putBool("tokenizer.ggml.add_bos_token", true);
        w.putBool("tokenizer.ggml.add_eos_token", false);
        if (maskId >= 0) {
            w.putU32(K_MASK, maskId);
        }
        return tokens.size();
    }

    /** Lower-case letter group number k, starting at two letters: 0 -> "aa", 675 -> "zz", 676 -> "aaa". */
    private static String letters(int k) {
        int len = 2;
        long span = 26 * 26;
        while (k >= span) {
            k -= (int) span;
            len++;
            span *= 26;
        }
        char[] c = new char[len];
        for (int i = len - 1; i >= 0; i--) {
            c[i] = (char) ('a' + k % 26);
            k /= 26;
        }
        return new String(c);
    }
}
