package paradec.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import paradec.llama.internal.ggml_opt_optimizer_params;
import paradec.llama.internal.llama_batch;
import paradec.llama.internal.llama_chat_message;
import paradec.llama.internal.llama_context_params;
import paradec.llama.internal.llama_logit_bias;
import paradec.llama.internal.llama_model_imatrix_data;
import paradec.llama.internal.llama_model_kv_override;
import paradec.llama.internal.llama_model_params;
import paradec.llama.internal.llama_model_quantize_params;
import paradec.llama.internal.llama_model_tensor_buft_override;
import paradec.llama.internal.llama_model_tensor_override;
import paradec.llama.internal.llama_opt_params;
import paradec.llama.internal.llama_perf_context_data;
import paradec.llama.internal.llama_perf_sampler_data;
import paradec.llama.internal.llama_sampler_chain_params;
import paradec.llama.internal.llama_sampler_seq_config;
import paradec.llama.internal.llama_token_data;
import paradec.llama.internal.llama_token_data_array;

/**
 * Checks the struct layouts in the jextract bindings against what a C compiler makes of the
 * real llama.h: for every struct, its size and alignment, and for every field (nested ones
 * included), its offset and size. A C program printing sizeof/offsetof is compiled with gcc
 * against the llama.cpp headers and run.
 *
 * <p>Headers come from the system property {@code paradec.llama.src} (a llama.cpp checkout),
 * by default {@code build/llama-src} under {@code paradec.root} (default: the current
 * directory). A missing header or gcc fails the test; it is not skipped.
 */
class StructLayoutTest {

    /** C struct tag -> jextract layout. Every struct the bindings define. */
    private static final Map<String, GroupLayout> STRUCTS = new LinkedHashMap<>();

    static {
        STRUCTS.put("llama_batch", llama_batch.layout());
        STRUCTS.put("llama_context_params", llama_context_params.layout());
        STRUCTS.put("llama_model_params", llama_model_params.layout());
        STRUCTS.put("llama_perf_context_data", llama_perf_context_data.layout());
        STRUCTS.put("llama_perf_sampler_data", llama_perf_sampler_data.layout());
        STRUCTS.put("llama_chat_message", llama_chat_message.layout());
        STRUCTS.put("llama_token_data", llama_token_data.layout());
        STRUCTS.put("llama_token_data_array", llama_token_data_array.layout());
        STRUCTS.put("llama_sampler_chain_params", llama_sampler_chain_params.layout());
        STRUCTS.put("llama_sampler_seq_config", llama_sampler_seq_config.layout());
        STRUCTS.put("llama_logit_bias", llama_logit_bias.layout());
        STRUCTS.put("llama_model_kv_override", llama_model_kv_override.layout());
        STRUCTS.put("llama_model_tensor_buft_override", llama_model_tensor_buft_override.layout());
        STRUCTS.put("llama_model_tensor_override", llama_model_tensor_override.layout());
        STRUCTS.put("llama_model_imatrix_data", llama_model_imatrix_data.layout());
        STRUCTS.put("llama_model_quantize_params", llama_model_quantize_params.layout());
        STRUCTS.put("llama_opt_params", llama_opt_params.layout());
        STRUCTS.put("ggml_opt_optimizer_params", ggml_opt_optimizer_params.layout());
    }

    /** A field as jextract lays it out; {@code cPath} is the C member designator, e.g. "adamw.alpha". */
    private record Field(String cPath, long offset, long size) {}

    @TempDir
    Path tmp;

    @Test
    void layoutsMatchTheCCompiler() throws Exception {
        Map<String, List<Field>> fields = new LinkedHashMap<>();
        for (var e : STRUCTS.entrySet()) {
            List<Field> list = new ArrayList<>();
            collectFields(e.getValue(), "", 0, list);
            assertTrue(!list.isEmpty(), "jextract layout of " + e.getKey() + " has no fields");
            fields.put(e.getKey(), list);
        }

        Map<String, Long> c = runCProgram(cSource(fields));

        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        for (var e : STRUCTS.entrySet()) {
            String s = e.getKey();
            GroupLayout layout = e.getValue();
            compared += check(mismatches, s + ": sizeof", c.get("sizeof " + s), layout.byteSize());
            compared += check(mismatches, s + ": alignof", c.get("alignof " + s), layout.byteAlignment());
            for (Field f : fields.get(s)) {
                String key = s + "." + f.cPath();
                compared += check(mismatches, key + ": offsetof", c.get("offsetof " + key), f.offset());
                compared += check(mismatches, key + ": sizeof", c.get("fieldsize " + key), f.size());
            }
        }
        if (!mismatches.isEmpty()) {
            fail(mismatches.size() + " layout mismatch(es) between the jextract bindings and gcc"
                    + " (regenerate with bindings/regenerate.sh?):\n  " + String.join("\n  ", mismatches));
        }
        assertTrue(compared > 100, "suspiciously few values compared: " + compared);
    }

    /**
     * The sizes and offsets known for llama.cpp v0.5.0 on x86-64 Linux, so a broken C side
     * cannot make the comparison above pass vacuously. Update these when llama.cpp is upgraded.
     */
    @Test
    void knownX86_64LayoutsOfLlamaCpp050() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return; // the pinned numbers are for x86-64 only; the gcc comparison still runs
        }
        GroupLayout b = llama_batch.layout();
        assertEquals(56, b.byteSize(), "sizeof llama_batch");
        String[] names = {"n_tokens", "token", "embd", "pos", "n_seq_id", "seq_id", "logits"};
        long[] offsets = {0, 8, 16, 24, 32, 40, 48};
        for (int i = 0; i < names.length; i++) {
            assertEquals(offsets[i], b.byteOffset(MemoryLayout.PathElement.groupElement(names[i])),
                    "offsetof llama_batch." + names[i]);
        }
        assertEquals(160, llama_context_params.layout().byteSize(), "sizeof llama_context_params");
        assertEquals(80, llama_model_params.layout().byteSize(), "sizeof llama_model_params");
        assertEquals(48, llama_perf_context_data.layout().byteSize(), "sizeof llama_perf_context_data");
        assertEquals(16, llama_chat_message.layout().byteSize(), "sizeof llama_chat_message");
        assertEquals(12, llama_token_data.layout().byteSize(), "sizeof llama_token_data");
    }

    /**
     * Flattens a jextract group layout into C member designators. Named nested structs become
     * "outer.inner"; anonymous unions/structs are transparent in C, so their members are listed
     * directly. Padding is skipped.
     */
    private static void collectFields(GroupLayout group, String prefix, long base, List<Field> out) {
        long offset = 0;
        boolean union = !(group instanceof java.lang.foreign.StructLayout);
        for (MemoryLayout m : group.memberLayouts()) {
            long at = base + (union ? 0 : offset);
            if (!(m instanceof PaddingLayout)) {
                String name = m.name().orElse(null);
                // jextract names anonymous members "$anon$<line>:<col>"
                if (name == null || name.startsWith("$anon$")) {
                    if (m instanceof GroupLayout g) {
                        collectFields(g, prefix, at, out);
                    } else {
                        throw new IllegalStateException("unnamed non-padding member in " + group);
                    }
                } else {
                    out.add(new Field(prefix + name, at, m.byteSize()));
                    if (m instanceof GroupLayout g) {
                        collectFields(g, prefix + name + ".", at, out);
                    }
                }
            }
            offset += m.byteSize();
        }
    }

    private static String cSource(Map<String, List<Field>> fields) {
        StringBuilder sb = new StringBuilder();
        sb.append("#include <stdio.h>\n#include <stddef.h>\n#include \"llama.h\"\n\n");
        sb.append("#define FSIZE(T, f) sizeof(((T *) 0)->f)\n\n");
        sb.append("int main(void) {\n");
        for (var e : fields.entrySet()) {
            String t = "struct " + e.getKey();
            sb.append("    printf(\"sizeof ").append(e.getKey()).append(" %zu\\n\", sizeof(").append(t).append("));\n");
            sb.append("    printf(\"alignof ").append(e.getKey()).append(" %zu\\n\", (size_t) _Alignof(").append(t).append("));\n");
            for (Field f : e.getValue()) {
                String key = e.getKey() + "." + f.cPath();
                sb.append("    printf(\"offsetof ").append(key).append(" %zu\\n\", offsetof(")
                        .append(t).append(", ").append(f.cPath()).append("));\n");
                sb.append("    printf(\"fieldsize ").append(key).append(" %zu\\n\", FSIZE(")
                        .append(t).append(", ").append(f.cPath()).append("));\n");
            }
        }
        sb.append("    return 0;\n}\n");
        return sb.toString();
    }

    private Map<String, Long> runCProgram(String source) throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("paradec.root", "."));
        Path llamaSrc = Path.of(System.getProperty("paradec.llama.src", root.resolve("build/llama-src").toString()));
        Path header = llamaSrc.resolve("include/llama.h");
        Path ggmlInclude = llamaSrc.resolve("ggml/include");
        if (!Files.isRegularFile(header) || !Files.isRegularFile(ggmlInclude.resolve("ggml.h"))) {
            fail("llama.cpp headers not found: expected " + header.toAbsolutePath() + " and "
                    + ggmlInclude.resolve("ggml.h").toAbsolutePath()
                    + ". Set -Dparadec.llama.src=<llama.cpp checkout> (or -Dparadec.root=<project root>).");
        }
        Path gcc = findOnPath("gcc");
        if (gcc == null) {
            fail("gcc not found on PATH; StructLayoutTest needs a C compiler to check the bindings"
                    + " against llama.h (install gcc, e.g. apt-get install gcc).");
        }

        Path cFile = tmp.resolve("layouts.c");
        Path exe = tmp.resolve("layouts");
        Files.writeString(cFile, source, StandardCharsets.UTF_8);
        run(List.of(gcc.toString(), "-std=gnu11", "-o", exe.toString(),
                "-I", llamaSrc.resolve("include").toString(), "-I", ggmlInclude.toString(),
                cFile.toString()), "compiling " + cFile);
        String out = run(List.of(exe.toString()), "running " + exe);

        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            if (line.isBlank()) continue;
            String[] p = line.trim().split(" ");
            assertEquals(3, p.length, "unexpected line from the C program: " + line);
            values.put(p[0] + " " + p[1], Long.parseLong(p[2]));
        }
        return values;
    }

    private static String run(List<String> cmd, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] bytes = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out " + what);
        }
        String out = new String(bytes, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            fail(what + " failed (exit " + p.exitValue() + "): " + String.join(" ", cmd) + "\n" + out);
        }
        return out;
    }

    private static Path findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static int check(List<String> mismatches, String what, Long c, long java) {
        if (c == null) {
            mismatches.add(what + ": missing from the C program's output");
        } else if (c != java) {
            mismatches.add(what + ": gcc says " + c + ", jextract layout says " + java);
        }
        return 1;
    }
}
