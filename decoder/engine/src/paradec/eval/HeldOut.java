package paradec.eval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import paradec.gguf.TsvText;

/** Reads held-out problem files: one {@code prompt TAB answer} per line, blank lines skipped. */
public final class HeldOut {
    private HeldOut() {}

    /** One held-out problem: the prompt given to the model and the text expected after it. */
    public record Problem(String prompt, String answer) {}

    /**
     * Reads a problem file; both fields may use the escapes {@code \t}, {@code \n}, {@code \r} and {@code \\}.
     *
     * @throws IllegalArgumentException naming the line when a line has no tab, or when there is no problem
     */
    public static List<Problem> read(Path file) throws IOException {
        List<Problem> problems = new ArrayList<>();
        int lineNo = 0;
        if (Files.isDirectory(file)) throw new IOException(file + " is a directory, not a held-out file");
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException(file + " is not UTF-8 text (held-out files are UTF-8)", e);
        }
        for (String line : lines) {
            lineNo++;
            if (line.isBlank()) continue;
            int tab = line.indexOf('\t');
            if (tab < 0) throw new IllegalArgumentException(file + ": line " + lineNo + ": expected 'prompt<TAB>answer'");
            problems.add(new Problem(TsvText.unescape(line.substring(0, tab)), TsvText.unescape(line.substring(tab + 1))));
        }
        if (problems.isEmpty()) throw new IllegalArgumentException(file + ": no problems");
        return problems;
    }
}
