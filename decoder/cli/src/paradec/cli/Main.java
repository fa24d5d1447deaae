package paradec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import paradec.gguf.GgufTool;
import paradec.llama.LlamaException;
import paradec.llama.NativeLibrary;

/**
 * The paradec command line. Exit codes: 0 ok, 2 usage error, 3 bad model or input, 1 internal error.
 * Errors are one line on stderr; --verbose adds the stack trace.
 */
public final class Main {
    public static final int OK = 0;
    public static final int INTERNAL = 1;
    public static final int USAGE = 2;
    public static final int BAD_INPUT = 3;

    static final String USAGE_TEXT = """
            usage: paradec <command> [options]
              generate   [-m MODEL] -p PROMPT [-n MAX_NEW] [--decoder ar|jacobi|lookahead|llada|random|origin|entropy|
                         margin|fast-dllm|fast-dllm-factor|eb|klass|dico] [--temp T] [--top-k K] [--top-p P] [--seed S]
                         [--ctx N] [--threads N] [--gpu-layers N] [--window N|auto] [--ngram N] [--guesses G]
                         [--init-from FILE] [--trace FILE] [--gen-length L] [--block-length B] [--steps S]
                         [--threshold T] [--factor F] [--cfg C] [--kv-cache none|prefix] [--cache-refresh N]
                         [--suffix-window W] [--stop TEXT] [--chat] [--system TEXT] [-f|--prompt-file FILE] [--json] [--verbose]
                         (--chat: -p is the user's message, through the model's chat template; --system adds a
                         system message; a model without a template gets the plain fallback: the texts, a blank
                         line between)
                         (llama.cpp's spellings work too: -c/--ctx-size, -t, -ngl/--n-gpu-layers, -f/--file, -s,
                         --n-predict; -f reads the file as is, byte for byte, and it must be UTF-8)
                         [--rpc HOST:PORT[,...]] [--tensor-split A,B,...] [--rpc-timeout S]
                         (--rpc: layers on ggml-rpc servers, all of them unless --gpu-layers says; also on bench,
                         eval and serve; see docs/rpc.md)
                         (--kv-cache prefix: diffusion prefix KV cache, a full pass every block and every N steps;
                         --suffix-window W: the model sees W masked positions past the block, not the whole suffix)
                         (one path for both families: -n is the generation length of a diffusion model too)
              tokenize   -m MODEL [--vocab-only] -p TEXT
              bench      [-m MODEL[,MODEL...]] --decoders ar,jacobi,lookahead [--prompts FILE] [-n N] [--repeat R] [--json]
                         [--against-llama-cpp [--anchors LIST]] [--out FILE] [--gen-length L[,L...]] [--tokens-per-step K]
                         [--kv-cache prefix] [--cache-refresh N] [--suffix-window W]
                         (several models or lengths: one section each and a summary table; --tokens-per-step:
                         diffusion steps = length / K at every length; --kv-cache prefix: each policy with and without)
              serve      [-m MODEL] [--host 127.0.0.1] [--port 8080] [--threads N] [--parallel 2] [--queue 16xparallel]
                         [--timeout 600] [--gpu-layers N] [--rpc HOST:PORT[,...]] [--tensor-split A,B,...]
                         (--parallel requests generate at once, a context each; --queue more wait, beyond that 503;
                         --timeout seconds per request, waiting included, then 504)
                         (OpenAI-compatible: /v1/models, /v1/completions, /v1/chat/completions, "stream": true;
                         request field "decoder" picks any decoder of the model's family)
              trace-view FILE -o OUT.svg|OUT.html|OUT.png [-m MODEL] [--ids]
                         (cells show token text from the model the trace names, or -m MODEL; ids in the tooltips;
                         --ids draws ids instead; the summary is generate --json's numbers)
              demo       [-m MODEL] [-p PROMPT] [-n N]   (AR, Jacobi and lookahead side by side)
              eval       --task add|sort|path|inc|plan|code -m MODEL [--decoder D] [--n N] [--heldout FILE] [--distance D] [--json]
                         [--kv-cache none|prefix] [--cache-refresh N] [--suffix-window W]
                         (held-out accuracy, forward calls, tokens/s; code: continuation match, perplexity)
              perplexity -m MODEL --pairs FILE [--json]
                         (a causal model's perplexity of each prompt TAB continuation line's continuation given its
                         prompt, e.g. of what a diffusion decoder wrote)
              inspect    MODEL
              synth      --arch llama|llada|dream ... -o OUT   (see 'paradec synth --help')
              export     CHECKPOINT_DIR [--f32|--q8_0] -o OUT.gguf   (a models/lab checkpoint to GGUF)
            paradec COMMAND --help prints that command's part; paradec --version the version.
            """;

    private Main() {}

    /** The lines of {@link #USAGE_TEXT} about one command, or null for an unknown command. */
    static String commandUsage(String command) {
        StringBuilder sb = new StringBuilder();
        boolean inside = false;
        for (String line : USAGE_TEXT.lines().toList()) {
            String t = line.strip();
            if (line.startsWith("  ") && !line.startsWith("   ")) inside = t.equals(command) || t.startsWith(command + " ");
            if (inside) sb.append(line).append('\n');
        }
        return sb.isEmpty() ? null : "usage: paradec" + sb.toString().replaceFirst("^ +", " ");
    }

    /** One command's --help: every option with its default (picocli, from the command's option table). */
    static String commandHelp(String command) {
        return switch (command) {
            case "generate" -> Options.help(command, GenerateCommand.OPTIONS, null, GenerateCommand.NOTES);
            case "bench" -> Options.help(command, BenchCommand.OPTIONS, null, BenchCommand.NOTES);
            case "eval" -> Options.help(command, EvalCommand.OPTIONS, null, EvalCommand.NOTES);
            case "serve" -> Options.help(command, ServeCommand.OPTIONS, null, ServeCommand.NOTES);
            case "demo" -> Options.help(command, DemoCommand.OPTIONS, null, DemoCommand.NOTES);
            case "tokenize" -> Options.help(command, TokenizeCommand.OPTIONS, null, TokenizeCommand.NOTES);
            case "perplexity" -> Options.help(command, PerplexityCommand.OPTIONS, null, PerplexityCommand.NOTES);
            case "trace-view" -> Options.help(command, TraceViewCommand.OPTIONS, "TRACE", TraceViewCommand.NOTES);
            default -> commandUsage(command);
        };
    }

    /** paradec's version and the llama.cpp its bindings were generated for. */
    static String versionLine() {
        String v = Main.class.getPackage().getImplementationVersion();
        return "paradec " + (v != null ? v : "0.1.0-SNAPSHOT") + " (llama.cpp v0.5.0, Java " + Runtime.version() + ")";
    }

    public static void main(String[] args) {
        CompilerThreads.applyProperty();
        // without --verbose the llama.cpp logger is off: its lines need not cross into Java at all (saves a
        // one-shot run 15-25 ms); only a process-wide choice, so run() (which tests call in-process) leaves it alone
        if (!Arrays.asList(args).contains("--verbose") && System.getProperty(NativeLibrary.LOG_PROPERTY) == null) {
            System.setProperty(NativeLibrary.LOG_PROPERTY, "off");
        }
        int rc = run(args, System.out, System.err);
        System.out.flush();
        System.exit(rc);
    }

    /** Runs one command; never calls System.exit, so tests can call it in-process. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        if (verbose) System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
        // errors are one line on stderr: llama.cpp's own error lines are folded into the exception
        // messages, so its log is only shown with --verbose (or when configured explicitly)
        if (!verbose && System.getProperty("org.slf4j.simpleLogger.log.llama.cpp") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.llama.cpp", "off");
        }
        String[] rest = Arrays.stream(args).filter(a -> !a.equals("--verbose")).toArray(String[]::new);
        if (rest.length == 0 || rest[0].equals("--help") || rest[0].equals("-h") || rest[0].equals("help")) {
            (rest.length == 0 ? err : out).print(USAGE_TEXT);
            return rest.length == 0 ? USAGE : OK;
        }
        if (rest[0].equals("--version")) {
            out.println(versionLine());
            return OK;
        }
        if (!List.of("inspect", "synth", "export").contains(rest[0]) && Arrays.asList(rest).subList(1, rest.length).stream()
                .anyMatch(a -> a.equals("--help") || a.equals("-h"))) {
            String help = commandHelp(rest[0]);
            if (help == null) {
                err.println("paradec: unknown command '" + rest[0] + "' (try --help)");
                return USAGE;
            }
            out.print(help);
            return OK;
        }
        try {
            return command(rest, out, err);
        } catch (UsageException e) {
            err.println("paradec: " + e.getMessage());
            if (verbose) e.printStackTrace(err);
            return USAGE;
        } catch (NoSuchFileException e) {
            err.println("paradec: no such file: " + e.getFile() + (e.getReason() != null ? " (" + e.getReason() + ")" : ""));
            if (verbose) e.printStackTrace(err);
            return BAD_INPUT;
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            err.println("paradec: " + e.getMessage());
            if (verbose) e.printStackTrace(err);
            return BAD_INPUT;
        } catch (paradec.generation.NonFiniteLogitsException e) {
            err.println("paradec: " + e.getMessage());
            if (verbose) e.printStackTrace(err);
            return BAD_INPUT;
        } catch (paradec.llama.RpcServerLostException e) {
            // like a server that cannot be reached (an IOException above): the environment, not paradec
            err.println("paradec: " + e.getMessage());
            if (verbose) e.printStackTrace(err);
            return BAD_INPUT;
        } catch (LlamaException | IllegalStateException e) {
            err.println("paradec: " + e.getMessage());
            if (verbose) e.printStackTrace(err);
            return INTERNAL;
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            err.println("paradec: internal error: " + e);
            if (verbose) e.printStackTrace(err);
            return INTERNAL;
        } finally {
            DecoderSpec.closeDrafts();
        }
    }

    private static int command(String[] rest, PrintStream out, PrintStream err) throws UsageException, IOException {
        return switch (rest[0]) {
            case "generate" -> GenerateCommand.run(rest, out, err);
            case "aot-training" -> aotTraining(out, err);
            case "tokenize" -> TokenizeCommand.run(rest, out);
            case "bench" -> BenchCommand.run(rest, out, err);
            case "demo" -> DemoCommand.run(rest, out, err);
            case "eval" -> EvalCommand.run(rest, out);
            case "perplexity" -> PerplexityCommand.run(rest, out);
            case "serve" -> ServeCommand.run(rest, out, err);
            case "trace-view" -> TraceViewCommand.run(rest, out, err);
            case "inspect", "synth", "export" -> GgufTool.run(rest, out, err);
            default -> throw new UsageException("unknown command '" + rest[0] + "' (try --help)");
        };
    }

    /**
     * The run `make aot` records the one-shot commands' AOT cache from (not in the usage: build tooling): the demo,
     * then a short diffusion generation without and with the prefix cache, so a diffusion run's classes are in the
     * cache too (they were ~150 classes loaded from the jars in every one-shot diffusion run).
     */
    private static int aotTraining(PrintStream out, PrintStream err) throws UsageException, IOException {
        int rc = DemoCommand.run(new String[] {"demo", "-n", "32"}, out, err);
        Path dlm = root().resolve("models/code-dlm.gguf");
        if (rc != OK || !java.nio.file.Files.isRegularFile(dlm)) return rc;
        PrintStream discard = new PrintStream(java.io.OutputStream.nullOutputStream());
        for (String cache : List.of("none", "prefix")) {
            rc = GenerateCommand.run(new String[] {"generate", "-m", dlm.toString(), "-p", DemoCommand.PROMPT, "--gen-length", "32",
                    "--decoder", "llada", "--kv-cache", cache, "--json"}, discard, err);
            if (rc != OK) return rc;
        }
        return OK;
    }

    /** The repository root: where models/ and build/ live. */
    static Path root() {
        return Path.of(System.getProperty("paradec.root", ".")).toAbsolutePath().normalize();
    }

    /** -m MODEL, or the default model: the trained code-ar when shipped, else the synthesized one. */
    static Path modelPath(Options o) throws UsageException {
        String m = o.get("-m", "--model");
        if (m != null && m.isBlank()) throw new UsageException("-m needs a model file, got '" + m + "'");
        if (m != null) return Path.of(m);
        for (Path p : DefaultModels.candidates(root())) if (Files.isRegularFile(p)) return p;
        throw new UsageException("no -m given and no default model under " + root().resolve("models")
                + " (run 'make demo' or 'make models')");
    }

    /**
     * A text file (prompt, reference, prompts list) as UTF-8. A file that is not UTF-8 is refused, naming the
     * first malformed byte, rather than read with replacement characters: a prompt is the user's text, and a
     * silently altered one would give a generation nobody asked for.
     */
    static String readText(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new IOException(file + " is a directory, not a text file");
        byte[] bytes = Files.readAllBytes(file);
        java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        java.nio.CharBuffer text = java.nio.CharBuffer.allocate(bytes.length);
        java.nio.charset.CoderResult result = decoder.decode(in, text, true);
        if (result.isError()) {
            throw new IOException(String.format("%s is not UTF-8 text: byte 0x%02X at offset %d does not start a valid UTF-8 sequence "
                    + "(paradec reads text files as UTF-8; convert it, e.g. with iconv)", file, bytes[in.position()] & 0xff, in.position()));
        }
        decoder.flush(text);
        return text.flip().toString();
    }

    static String joined(int[] tokens) {
        return Arrays.stream(tokens).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    }
}
