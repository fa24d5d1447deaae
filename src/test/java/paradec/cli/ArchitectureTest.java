package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import paradec.testing.TestModels;

/**
 * The module boundaries the README promises, read off the built modules' descriptors and the
 * sources: the core never reaches the binding, the binding does not export jextract's output,
 * the CLI has one path for both model families.
 */
class ArchitectureTest {
    private static final Path ROOT = TestModels.root();
    /** Module name -> the folder whose target/classes holds its compiled module-info. */
    private static final Map<String, String> MODULES = Map.of(
            "paradec.gguf", "gguf-tools", "paradec.llama", "bindings", "paradec.core", "decoder/core",
            "paradec.engine", "decoder/engine", "paradec.cli", "decoder/cli");

    private static ModuleDescriptor descriptor(String module) {
        Path classes = ROOT.resolve(MODULES.get(module)).resolve("target/classes");
        ModuleReference ref = ModuleFinder.of(classes).find(module)
                .orElseThrow(() -> new AssertionError("no compiled module " + module + " in " + classes));
        return ref.descriptor();
    }

    private static Set<String> required(ModuleDescriptor d) {
        return d.requires().stream().map(ModuleDescriptor.Requires::name).filter(n -> n.startsWith("paradec."))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> exported(ModuleDescriptor d) {
        return d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void everyModuleHasADescriptor() throws IOException {
        for (Map.Entry<String, String> m : MODULES.entrySet()) {
            assertTrue(Files.isRegularFile(ROOT.resolve(m.getValue()).resolve("src/module-info.java")), m.getValue() + "/src/module-info.java");
            assertEquals(m.getKey(), descriptor(m.getKey()).name());
        }
    }

    @Test
    void layersDependOnlyDownwards() {
        assertEquals(Set.of(), required(descriptor("paradec.gguf")));
        assertEquals(Set.of("paradec.gguf"), required(descriptor("paradec.llama")));
        assertEquals(Set.of(), required(descriptor("paradec.core")), "the decoding core is pure Java: no binding, no GGUF");
        assertEquals(Set.of("paradec.core", "paradec.llama"), required(descriptor("paradec.engine")));
        assertEquals(Set.of("paradec.engine"), required(descriptor("paradec.cli")));
    }

    @Test
    void jextractOutputIsNotExported() {
        assertEquals(Set.of("paradec.llama"), exported(descriptor("paradec.llama")));
        assertTrue(descriptor("paradec.llama").packages().contains("paradec.llama.internal"));
        assertEquals(Set.of("paradec.server"), exported(descriptor("paradec.cli")), "the CLI module exports only the server");
    }

    @Test
    void noDecodingSourceImportsTheBinding() throws IOException {
        List<String> offenders;
        try (Stream<Path> files = Files.walk(ROOT.resolve("decoder/core/src"))) {
            offenders = files.filter(f -> f.toString().endsWith(".java")).filter(f -> {
                try {
                    return Files.readString(f).contains("paradec.llama");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(Path::toString).toList();
        }
        assertEquals(List.of(), offenders);
    }

    @Test
    void theCommandLineHasOnePathForBothFamilies() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT.resolve("decoder/cli/src"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String source = Files.readString(f);
                // the one place that picks llama.cpp's own tool per family for benchmarks is the anchor table
                if (f.endsWith("LlamaCppTools.java")) continue;
                assertFalse(source.contains("isDiffusion()"), f + " forks on the model family");
            }
        }
    }

    @Test
    void launcherAndCiScriptAreExecutable() {
        for (String path : List.of("bin/paradec", "bin/find-jdk", ".ci/run")) {
            assertTrue(Files.isExecutable(ROOT.resolve(path)), path + " must be executable");
        }
    }
}
