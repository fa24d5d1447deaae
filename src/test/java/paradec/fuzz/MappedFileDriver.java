package paradec.fuzz;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import paradec.engine.GenerationRequest;
import paradec.engine.ParadecModel;
import paradec.generation.GenerationResult;
import paradec.llama.ContextParams;
import paradec.llama.ModelParams;

/**
 * Runs in a child JVM (a SIGBUS would end it): loads a model file with or without mmap, generates, truncates
 * the file to half, then tries again and says on stdout what happened. Arguments: mmap|no-mmap, the file.
 */
public final class MappedFileDriver {
    private MappedFileDriver() {}

    public static void main(String[] args) throws Exception {
        boolean mmap = args[0].equals("mmap");
        Path file = Path.of(args[1]);
        GenerationRequest request = GenerationRequest.of("ar").maxTokens(6);
        try (ParadecModel model = ParadecModel.load(file, ModelParams.defaults().withMmap(mmap), 1)) {
            GenerationResult first = model.generate("def f(x):", request);
            System.out.println("FIRST " + Arrays.toString(first.tokens()));
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
                c.truncate(Files.size(file) / 2);
            }
            try {
                GenerationResult second = model.generate("def f(x):", request);
                System.out.println("SECOND " + Arrays.toString(second.tokens()));
            } catch (IllegalStateException e) {
                System.out.println("GENERATE REFUSED " + e.getMessage());
            }
            try {
                model.model().newContext(ContextParams.of(64)).close();
                System.out.println("CONTEXT OK");
            } catch (IllegalStateException e) {
                System.out.println("CONTEXT REFUSED " + e.getMessage());
            }
        }
        System.out.println("DONE");
    }
}
