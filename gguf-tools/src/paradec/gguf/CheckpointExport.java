package paradec.gguf;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Turns a model-lab checkpoint into a GGUF file that llama.cpp runs.
 *
 * <p>A checkpoint is a directory written by {@code models/lab}:
 * <ul>
 *   <li>{@code weights.npz}: an uncompressed or deflated numpy archive of little-endian float32 arrays, one
 *       per tensor, named with the GGUF tensor names ({@code token_embd.weight}, {@code blk.0.attn_q.weight},
 *       ...). A PyTorch {@code [out, in]} matrix is stored as is; its ggml dims are the reverse, {@code [in,
 *       out]}, with the same bytes, so nothing is transposed.</li>
 *   <li>{@code config.properties}: {@code arch} (llama or llada), {@code name}, {@code n_vocab},
 *       {@code n_embd}, {@code n_layer}, {@code n_head}, {@code n_head_kv}, {@code n_ff}, {@code n_ctx},
 *       {@code rope_base}, {@code norm_eps}, and for llada {@code mask_token_id}.</li>
 *   <li>{@code vocab.tsv}: one line per token, {@code id TAB type TAB score TAB piece}, with the piece's
 *       backslash, tab, newline and carriage return escaped as {@code \\ \t \n \r}; the type is the GGUF
 *       token type (1 normal, 2 unknown, 3 control, 6 byte). The vocabulary is a SentencePiece BPE model
 *       without a dummy prefix, so {@code tokenizer.ggml.add_space_prefix} is written as false.</li>
 * </ul>
 * Matrices are written as F16 (or F32 with {@code f32 = true}, or Q8_0, see {@link #q8_0}); 1-d tensors (norms) always as
 * F32.
 */
public final class CheckpointExport {

    private static final Pattern NPY_DESCR = Pattern.compile("'descr':\\s*'([^']*)'");
    private static final Pattern NPY_FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern NPY_SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private CheckpointExport() {}

    /** One float32 array read from the archive, in numpy (row-major, PyTorch) shape. */
    record Array(long[] shape, float[] data) {}

    /** Writes the GGUF for the checkpoint directory {@code dir} to {@code out}, matrices F32 or F16. */
    public static void export(Path dir, Path out, boolean f32) throws IOException {
        export(dir, out, f32 ? GgmlType.F32 : GgmlType.F16);
    }

    /**
     * Writes the GGUF for the checkpoint directory {@code dir} to {@code out} with its matrices stored as
     * {@code matrices}: F32, F16 or Q8_0 (whose rows must be whole blocks of 32).
     */
    public static void export(Path dir, Path out, GgmlType matrices) throws IOException {
        if (matrices != GgmlType.F32 && matrices != GgmlType.F16 && matrices != GgmlType.Q8_0) {
            throw new IllegalArgumentException("matrices are exported as F32, F16 or Q8_0, not " + matrices);
        }
        Properties cfg = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve("config.properties"), StandardCharsets.UTF_8)) {
            cfg.load(r);
        }
        String arch = req(cfg, "arch");
        if (!arch.equals("llama") && !arch.equals("llada")) {
            throw new GgufFormatException("unsupported arch " + arch + " (llama or llada)", -1);
        }
        int nVocab = intReq(cfg, "n_vocab");
        int nEmbd = intReq(cfg, "n_embd");
        int nLayer = intReq(cfg, "n_layer");
        int nHead = intReq(cfg, "n_head");
        int nHeadKv = intReq(cfg, "n_head_kv");
        int nFf = intReq(cfg, "n_ff");
        int nCtx = intReq(cfg, "n_ctx");

        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", arch);
        w.putString("general.name", cfg.getProperty("name", "paradec-" + arch));
        // llama_ftype: ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q8_0 7
        w.putU32("general.file_type", matrices == GgmlType.F32 ? 0 : matrices == GgmlType.F16 ? 1 : 7);
        w.putU32(arch + ".vocab_size", nVocab);
        w.putU32(arch + ".context_length", nCtx);
        w.putU32(arch + ".embedding_length", nEmbd);
        w.putU32(arch + ".block_count", nLayer);
        w.putU32(arch + ".feed_forward_length", nFf);
        w.putU32(arch + ".attention.head_count", nHead);
        w.putU32(arch + ".attention.head_count_kv", nHeadKv);
        w.putF32(arch + ".attention.layer_norm_rms_epsilon", Float.parseFloat(cfg.getProperty("norm_eps", "1e-5")));
        w.putF32(arch + ".rope.freq_base", Float.parseFloat(cfg.getProperty("rope_base", "10000")));
        w.putU32(arch + ".rope.dimension_count", nEmbd / nHead);
        if (arch.equals("llada")) {
            w.putBool(arch + ".attention.causal", false);
            w.putBool("diffusion.shift_logits", false);
        }
        int nTokens = writeVocab(dir.resolve("vocab.tsv"), w);
        if (nTokens != nVocab) {
            throw new GgufFormatException("vocab.tsv has " + nTokens + " tokens, config says " + nVocab, -1);
        }
        if (cfg.getProperty("mask_token_id") != null) {
            w.putU32("tokenizer.ggml.mask_token_id", intReq(cfg, "mask_token_id"));
        }

        Map<String, Array> arrays = readNpz(dir.resolve("weights.npz"));
        for (Map.Entry<String, Array> e : arrays.entrySet()) {
            long[] shape = e.getValue().shape();
            long[] dims = new long[shape.length];
            for (int i = 0; i < shape.length; i++) {
                dims[i] = shape[shape.length - 1 - i];
            }
            GgmlType type = shape.length >= 2 ? matrices : GgmlType.F32;
            if (type == GgmlType.Q8_0) {
                if (dims[0] % 32 != 0) {
                    throw new GgufFormatException(e.getKey() + ": rows of " + dims[0] + " values are not whole Q8_0 blocks of 32", -1);
                }
                w.addRawTensor(e.getKey(), type, dims, q8_0(e.getValue().data()));
            } else {
                w.addTensor(e.getKey(), type, dims, e.getValue().data());
            }
        }
        for (String needed : List.of("token_embd.weight", "output_norm.weight", "blk.0.attn_q.weight")) {
            if (!arrays.containsKey(needed)) {
                throw new GgufFormatException("weights.npz has no " + needed, -1);
            }
        }
        w.write(out);
    }

    /**
     * ggml's reference Q8_0 encoding of values whose count is a multiple of 32: per block of 32, the scale
     * d = max|x| / 127 stored as F16, then the 32 values round(x / d) as signed bytes (round half away from zero, as C's
     * roundf; 0 for an all-zero block). The same rounding as llama.cpp's quantize tool, so the lab's Q8_0 references
     * (reference.py's q8_0) hold for these files too.
     */
    static byte[] q8_0(float[] x) {
        int blocks = x.length / 32;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(blocks * 34).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < blocks; k++) {
            float amax = 0;
            for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[32 * k + i]));
            float d = amax / 127;
            float id = d != 0 ? 1 / d : 0;
            b.putShort(Float.floatToFloat16(d));
            for (int i = 0; i < 32; i++) {
                float v = x[32 * k + i] * id;
                b.put((byte) (v < 0 ? -Math.round(-v) : Math.round(v)));
            }
        }
        return b.array();
    }

    private static int writeVocab(Path tsv, GgufWriter w) throws IOException {
        List<String> tokens = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        int unk = -1;
        int bos = -1;
        int eos = -1;
        try (BufferedReader r = Files.newBufferedReader(tsv, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                String[] f = line.split("\t", 4);
                if (f.length != 4 || Integer.parseInt(f[0]) != tokens.size()) {
                    throw new GgufFormatException(tsv + ":" + lineNo + ": expected id TAB type TAB score TAB piece", -1);
                }
                int type = Integer.parseInt(f[1]);
                String piece = TsvText.unescape(f[3]);
                if (type == Synth.TOKEN_UNKNOWN && unk < 0) {
                    unk = tokens.size();
                } else if (type == Synth.TOKEN_CONTROL && piece.equals("<s>")) {
                    bos = tokens.size();
                } else if (type == Synth.TOKEN_CONTROL && piece.equals("</s>")) {
                    eos = tokens.size();
                }
                tokens.add(piece);
                scores.add(Float.parseFloat(f[2]));
                types.add(type);
            }
        }
        if (unk < 0 || bos < 0 || eos < 0) {
            throw new GgufFormatException(tsv + " lacks <unk>, <s> or </s>", -1);
        }
        w.putString("tokenizer.ggml.model", "llama");
        w.putString("tokenizer.ggml.pre", "default");
        w.putArray("tokenizer.ggml.tokens", GgufType.STRING, tokens);
        w.putArray("tokenizer.ggml.scores", GgufType.FLOAT32, scores);
        w.putArray("tokenizer.ggml.token_type", GgufType.INT32, types);
        w.putU32("tokenizer.ggml.unknown_token_id", unk);
        w.putU32("tokenizer.ggml.bos_token_id", bos);
        w.putU32("tokenizer.ggml.eos_token_id", eos);
        w.putBool("tokenizer.ggml.add_bos_token", true);
        w.putBool("tokenizer.ggml.add_eos_token", false);
        w.putBool("tokenizer.ggml.add_space_prefix", false);
        return tokens.size();
    }

    /** Reads every {@code NAME.npy} of a numpy {@code .npz} archive, in archive order. */
    static Map<String, Array> readNpz(Path npz) throws IOException {
        Map<String, Array> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(npz.toFile())) {
            for (ZipEntry e : zip.stream().toList()) {
                String name = e.getName();
                if (!name.endsWith(".npy")) {
                    continue;
                }
                try (InputStream in = zip.getInputStream(e)) {
                    out.put(name.substring(0, name.length() - 4), readNpy(in.readAllBytes(), name));
                }
            }
        }
        return out;
    }

    static Array readNpy(byte[] b, String name) throws IOException {
        if (b.length < 10 || (b[0] & 0xff) != 0x93 || b[1] != 'N' || b[2] != 'U' || b[3] != 'M' || b[4] != 'P'
                || b[5] != 'Y') {
            throw new GgufFormatException(name + ": not a .npy array", -1);
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int major = b[6];
        int headerLen;
        int start;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(bb.getShort(8));
            start = 10;
        } else {
            headerLen = bb.getInt(8);
            start = 12;
        }
        String header = new String(b, start, headerLen, StandardCharsets.ISO_8859_1);
        Matcher d = NPY_DESCR.matcher(header);
        Matcher f = NPY_FORTRAN.matcher(header);
        Matcher s = NPY_SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new GgufFormatException(name + ": unreadable .npy header " + header, -1);
        }
        if (!d.group(1).equals("<f4") || f.group(1).equals("True")) {
            throw new GgufFormatException(name + ": need little-endian float32 in C order, got " + header, -1);
        }
        List<Long> dims = new ArrayList<>();
        for (String p : s.group(1).split(",")) {
            if (!p.isBlank()) {
                dims.add(Long.parseLong(p.trim()));
            }
        }
        long n = 1;
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = dims.get(i);
            n *= shape[i];
        }
        int data = start + headerLen;
        if (b.length - data != n * 4) {
            throw new GgufFormatException(name + ": " + (b.length - data) + " data bytes for " + n + " floats", -1);
        }
        float[] v = new float[(int) n];
        bb.position(data);
        bb.asFloatBuffer().get(v);
        return new Array(shape, v);
    }

    private static String req(Properties p, String key) throws GgufFormatException {
        String v = p.getProperty(key);
        if (v == null) {
            throw new GgufFormatException("config.properties has no " + key, -1);
        }
        return v.trim();
    }

    private static int intReq(Properties p, String key) throws GgufFormatException {
        return Integer.parseInt(req(p, key));
    }
}
