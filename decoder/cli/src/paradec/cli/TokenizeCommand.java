package paradec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import paradec.llama.Model;
import paradec.llama.ModelParams;

/** {@code paradec tokenize -m MODEL [--vocab-only] -p TEXT}: token ids, space-separated, on one line. */
final class TokenizeCommand {
    private TokenizeCommand() {}

    static final java.util.List<Options.Opt> OPTIONS = java.util.List.of(
            Options.Opt.value("-m|--model", "MODEL", null, "the GGUF model (or vocabulary-only) file"),
            Options.Opt.value("-p|--prompt", "TEXT", null, "the text to tokenize"),
            Options.Opt.flag("--vocab-only", "load only the vocabulary"),
            Options.Opt.flag("--no-special", "no BOS/EOS added, special tokens not parsed"));

    static final String NOTES = "Prints the token ids on one line.";

    static int run(String[] args, PrintStream out) throws UsageException, IOException {
        Options o = Options.parse(args, 1, OPTIONS);
        String m = o.get("-m", "--model");
        if (m == null) throw new UsageException("tokenize needs -m MODEL");
        String text = o.get("-p", "--prompt");
        if (text == null) throw new UsageException("tokenize needs -p TEXT");
        ModelParams params = o.has("--vocab-only") ? ModelParams.vocabOnlyParams() : ModelParams.defaults();
        try (Model model = Model.load(Path.of(m), params)) {
            int[] ids = model.vocab().tokenize(text, !o.has("--no-special"), true);
            out.println(Main.joined(ids));
        }
        return Main.OK;
    }
}
