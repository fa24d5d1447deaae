package paradec.fuzz;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import paradec.llama.Batch;
import paradec.llama.Context;
import paradec.llama.ContextParams;
import paradec.llama.Model;

/**
 * Runs in a child JVM ({@link ChildJvm}): loads every model file of a folder in name order, tokenizes and
 * decodes two tokens with each, and says on stdout what happened. Arguments: the first case, the folder.
 */
public final class LoadDriver {
    private LoadDriver() {}

    public static void main(String[] args) throws Exception {
        List<Path> files;
        try (var list = Files.list(Path.of(args[1]))) {
            files = list.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
        ChildJvm.cases(Integer.parseInt(args[0]), files.size(), 60, i -> files.get(i).getFileName().toString(), i -> {
            Path f = files.get(i);
            try (Model m = Model.load(f); Context c = m.newContext(new ContextParams(64, 16, 16, 1, 1, false)); Batch b = c.newBatch(4)) {
                int[] t = m.vocab().tokenize("def f", true, true);
                for (int k = 0; k < Math.min(2, t.length); k++) b.add(t[k], k, k == Math.min(2, t.length) - 1, 0);
                if (b.size() > 0) c.decode(b);
                return "OK " + f.getFileName();
            } catch (Exception e) {
                String msg = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
                return "REFUSED " + f.getFileName() + " " + e.getClass().getSimpleName() + ": " + msg;
            }
        });
    }
}
