package paradec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;
import paradec.trace.Trace;
import paradec.trace.TraceFile;
import paradec.trace.TraceRenderer;

/**
 * {@code paradec trace-view FILE -o OUT.svg|OUT.html}: draws a decoding trace (the JSON Lines that
 * {@code generate --trace} writes) as an SVG picture or an HTML page holding it.
 */
final class TraceViewCommand {
    private TraceViewCommand() {}

    /**
     * @throws UsageException           no trace file, several, or no -o/--output
     * @throws IOException              the trace cannot be read or the output cannot be written
     * @throws IllegalArgumentException the trace is corrupt (the message names the line) or OUT does not end
     *                                  in .svg or .html
     */
    static int run(String[] args, PrintStream out) throws UsageException, IOException {
        Options o = Options.parse(args, 1, Set.of("-o", "--output"), Set.of());
        if (o.positional().isEmpty()) throw new UsageException("trace-view needs a trace FILE (written by generate --trace)");
        if (o.positional().size() > 1) throw new UsageException("trace-view takes one trace FILE, got " + o.positional().size());
        String output = o.get("-o", "--output");
        if (output == null) throw new UsageException("trace-view needs -o OUT.svg or -o OUT.html");
        Path target = Path.of(output);
        // check the extension before reading, so a typo fails fast even on a large trace
        TraceRenderer.Format.of(target);
        Trace trace = TraceFile.read(Path.of(o.positional().getFirst()));
        new TraceRenderer(null).write(trace, target);
        out.println("wrote " + target);
        return Main.OK;
    }
}
