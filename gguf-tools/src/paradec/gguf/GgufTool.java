package paradec.gguf;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Command line for the GGUF tools. {@link #run} never exits the JVM; exit codes: 0 ok, 2 usage error,
 * 3 bad model or input (missing, unreadable, corrupt), 1 failure writing output.
 */
public final class GgufTool {

    public static final int OK = 0;
    public static final int IO_ERROR = 1;
    public static final int USAGE = 2;
    public static final int BAD_INPUT = 3;

    static final String USAGE_TEXT = """
            usage:
              gguf inspect FILE
              gguf synth --arch llama|llada|dream [--layers N] [--embd N] [--heads N] [--heads-kv N] [--ff N]
                         [--ctx N] [--seed S] [--vocab-from FILE | --vocab-size N] -o OUT
              gguf export CHECKPOINT_DIR [--f32|--q8_0] -o OUT   (a models/lab checkpoint: weights.npz,
                         config.properties, vocab.tsv; see CheckpointExport)""";

    private GgufTool() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one subcommand; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            (args.length == 0 ? err : out).println(USAGE_TEXT);
            return args.length == 0 ? USAGE : OK;
        }
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("-h") || args[i].equals("--help")) {
                out.println(USAGE_TEXT);
                return OK;
            }
        }
        return switch (args[0]) {
            case "inspect" -> inspect(args, out, err);
            case "synth" -> synth(args, out, err);
            case "export" -> export(args, out, err);
            default -> usage(err, "unknown command: " + args[0]);
        };
    }

    private static int usage(PrintStream err, String problem) {
        err.println("error: " + problem);
        err.println(USAGE_TEXT);
        return USAGE;
    }

    private static int inspect(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 2) {
            return usage(err, "inspect takes exactly one FILE");
        }
        try {
            GgufInspector.inspect(Path.of(args[1]), out);
            return OK;
        } catch (IOException e) {
            return badInput(err, args[1], e);
        }
    }

    private static int badInput(PrintStream err, String file, IOException e) {
        err.println("error: " + file + ": " + describe(e));
        return BAD_INPUT;
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private static int synth(String[] args, PrintStream out, PrintStream err) {
        String arch = null;
        int layers = 2;
        int embd = 64;
        int heads = 4;
        int headsKv = -1;
        int ff = -1;
        int ctx = 512;
        long seed = 42;
        Path vocabFrom = null;
        int vocabSize = 512;
        boolean vocabSizeGiven = false;
        Path output = null;
        String opt = null;
        try {
            for (int i = 1; i < args.length; i++) {
                opt = args[i];
                if (i + 1 >= args.length) {
                    return usage(err, "missing value after " + opt);
                }
                String val = args[++i];
                switch (opt) {
                    case "--arch" -> arch = val;
                    case "--layers" -> layers = Integer.parseInt(val);
                    case "--embd" -> embd = Integer.parseInt(val);
                    case "--heads" -> heads = Integer.parseInt(val);
                    case "--heads-kv" -> headsKv = Integer.parseInt(val);
                    case "--ff" -> ff = Integer.parseInt(val);
                    case "--ctx" -> ctx = Integer.parseInt(val);
                    case "--seed" -> seed = Long.parseLong(val);
                    case "--vocab-from" -> vocabFrom = Path.of(val);
                    case "--vocab-size" -> {
                        vocabSize = Integer.parseInt(val);
                        vocabSizeGiven = true;
                    }
                    case "-o", "--output" -> output = Path.of(val);
                    default -> {
                        return usage(err, "unknown option " + opt);
                    }
                }
            }
        } catch (NumberFormatException e) {
            return usage(err, opt + " needs a number: " + e.getMessage());
        }
        if (arch == null) {
            return usage(err, "synth needs --arch");
        }
        if (output == null) {
            return usage(err, "synth needs -o OUT");
        }
        if (vocabFrom != null && vocabSizeGiven) {
            return usage(err, "--vocab-from and --vocab-size are exclusive");
        }
        SynthSpec spec;
        try {
            spec = new SynthSpec(arch, layers, embd, heads, headsKv < 0 ? heads : headsKv,
                    ff < 0 ? 2 * embd : ff, ctx, seed, vocabFrom, vocabSize);
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        }
        if (vocabFrom != null) {
            try {
                GgufFile.validate(vocabFrom);
            } catch (IOException e) {
                return badInput(err, vocabFrom.toString(), e);
            }
        }
        try {
            createParent(output);
            Synth.write(spec, output);
        } catch (GgufFormatException e) {
            return badInput(err, String.valueOf(vocabFrom), e);
        } catch (IOException e) {
            err.println("error: writing " + output + ": " + describe(e));
            return IO_ERROR;
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        }
        out.println("wrote " + output);
        return OK;
    }

    /** Output folders are made as needed, as llama.cpp's tools and most writers do. */
    private static void createParent(Path output) throws IOException {
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null) java.nio.file.Files.createDirectories(parent);
    }

    private static int export(String[] args, PrintStream out, PrintStream err) {
        Path dir = null;
        Path output = null;
        GgmlType matrices = GgmlType.F16;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--f32" -> matrices = GgmlType.F32;
                case "--q8_0" -> matrices = GgmlType.Q8_0;
                case "-o", "--output" -> {
                    if (i + 1 >= args.length) {
                        return usage(err, "missing value after " + args[i]);
                    }
                    output = Path.of(args[++i]);
                }
                default -> {
                    if (args[i].startsWith("-") || dir != null) {
                        return usage(err, "unexpected argument " + args[i]);
                    }
                    dir = Path.of(args[i]);
                }
            }
        }
        if (dir == null || output == null) {
            return usage(err, "export needs CHECKPOINT_DIR and -o OUT");
        }
        try {
            createParent(output);
            CheckpointExport.export(dir, output, matrices);
        } catch (GgufFormatException | NoSuchFileException | AccessDeniedException e) {
            return badInput(err, dir.toString(), e);
        } catch (IOException e) {
            err.println("error: writing " + output + ": " + describe(e));
            return IO_ERROR;
        } catch (IllegalArgumentException e) {
            return badInput(err, dir.toString(), new IOException(e.getMessage(), e));
        }
        out.println("wrote " + output);
        return OK;
    }
}
