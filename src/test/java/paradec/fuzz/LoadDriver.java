package paradec.fuzz;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import paradec.llama.Batch;
import paradec.llama.Context;
import paradec.llama.ContextParams;
import paradec.llama.Model;

/**
 * Runs in a child JVM: loads every model file of a folder in name order, tokenizes and decodes two tokens
 * with each, and says on stdout what happened. A file that kills the process is the last one announced
 * with "LOAD" and never finished.
 */
public final class LoadDriver {
    private LoadDriver() {}

    public static void main(String[] args) throws Exception {
        List<Path> files;
        try (var list = Files.list(Path.of(args[0]))) {
            files = list.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
        for (Path f : files) {
            System.out.println("LOAD " + f.getFileName());
            System.out.flush();
            try (Model m = Model.load(f); Context c = m.newContext(new ContextParams(64, 16, 16, 1, 1, false)); Batch b = c.newBatch(4)) {
                int[] t = m.vocab().tokenize("def f", true, true);
                for (int i = 0; i < Math.min(2, t.length); i++) b.add(t[i], i, i == Math.min(2, t.length) - 1, 0);
                if (b.size() > 0) c.decode(b);
                System.out.println("OK " + f.getFileName());
            } catch (Exception e) {
                String msg = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
                System.out.println("REFUSED " + f.getFileName() + " " + e.getClass().getSimpleName() + ": " + msg);
            }
            System.out.flush();
        }
        System.out.println("DONE");
    }
}
