package paradec.cli;

import static paradec.cli.CliGenerateTest.run;

import paradec.cli.CliGenerateTest.Run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import paradec.engine.ParadecModel;
import paradec.llama.ChatMessage;
import paradec.llama.ModelParams;
import paradec.testing.TestModels;

/**
 * The command line's habits: every usage error exits 2 with one message naming the flag; llama.cpp's
 * aliases mean what the long options mean; -f reads the file byte for byte; warnings for options the
 * decoder ignores and a context past the trained length; --chat through the model's template or the plain
 * fallback.
 */
class CliOptionsTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path dlm;
    static final Path CODE_AR = TestModels.root().resolve("models/code-ar.gguf");
    static final Path CODE_DLM = TestModels.root().resolve("models/code-dlm.gguf");
    static final Path CODE_DRAFT = TestModels.root().resolve("models/code-draft.gguf");
    static final Path TASKS_AR = TestModels.root().resolve("models/tasks-ar.gguf");

    @BeforeAll
    static void models() throws IOException {
        model = TestModels.withVocab("llama-spm", 41);
        dlm = TestModels.root().resolve("models/tasks-dlm.gguf");
    }


    static int[] tokens(Run r) {
        assertEquals(0, r.code(), r.err());
        return CliGenerateTest.intArray(r.out(), "tokens");
    }

    record Bad(String flag, String... args) {}

    @Test
    void everyUsageErrorExitsTwoAndNamesTheFlag() throws IOException {
        String m = model.toString();
        Path trace = Files.writeString(dir.resolve("t.jsonl"), "");
        List<Bad> table = List.of(
                new Bad("--no-such-option", "generate", "-m", m, "-p", "hi", "--no-such-option"),
                new Bad("-n", "generate", "-m", m, "-p", "hi", "-n", "0"),
                new Bad("--n-predict", "generate", "-m", m, "-p", "hi", "--n-predict", "lots"),
                new Bad("-c", "generate", "-m", m, "-p", "hi", "-c", "eight"),
                new Bad("--ctx", "generate", "-m", m, "-p", "hi", "--ctx", "4"),
                new Bad("-t", "generate", "-m", m, "-p", "hi", "-t", "-1"),
                new Bad("-ngl", "generate", "-m", m, "-p", "hi", "-ngl", "all"),
                new Bad("-s", "generate", "-m", m, "-p", "hi", "-s", "x", "--temp", "0.5"),
                new Bad("-f", "generate", "-m", m, "-f"),
                new Bad("--temp", "generate", "-m", m, "-p", "hi", "--temp", "-1"),
                new Bad("--top-p", "generate", "-m", m, "-p", "hi", "--top-p", "2"),
                new Bad("--top-k", "generate", "-m", m, "-p", "hi", "--top-k", "1.5"),
                new Bad("--decoder", "generate", "-m", m, "-p", "hi", "--decoder", "telepathy"),
                new Bad("--window", "generate", "-m", m, "-p", "hi", "--decoder", "jacobi", "--window", "0"),
                new Bad("--guess-init", "generate", "-m", m, "-p", "hi", "--decoder", "jacobi", "--guess-init", "bogus"),
                new Bad("--ngram", "generate", "-m", m, "-p", "hi", "--decoder", "lookahead", "--ngram", "99"),
                new Bad("--draft-model", "generate", "-m", m, "-p", "hi", "--decoder", "specdiff"),
                new Bad("--draft-model", "generate", "-m", m, "-p", "hi", "--decoder", "draft"),
                // a drafter of the wrong family for the decoder, or of another vocabulary: usage errors, never a crash
                new Bad("--draft-model", "generate", "-m", CODE_AR.toString(), "-p", "hi", "--decoder", "draft", "--draft-model", CODE_DLM.toString()),
                new Bad("--draft-model", "generate", "-m", CODE_AR.toString(), "-p", "hi", "--decoder", "specdiff", "--draft-model", CODE_DRAFT.toString()),
                new Bad("--draft-model", "generate", "-m", CODE_AR.toString(), "-p", "hi", "--decoder", "draft", "--draft-model", TASKS_AR.toString()),
                new Bad("--draft-length", "generate", "-m", CODE_AR.toString(), "-p", "hi", "--decoder", "draft", "--draft-model", CODE_DRAFT.toString(),
                        "--draft-length", "0"),
                new Bad("--draft-model", "bench", "-m", CODE_AR.toString(), "--decoders", "ar,draft", "--draft-model", CODE_DLM.toString()),
                new Bad("--kv-cache", "generate", "-m", dlm.toString(), "-p", "1+1=", "--decoder", "llada", "--kv-cache", "bogus"),
                new Bad("--threshold", "generate", "-m", dlm.toString(), "-p", "1+1=", "--decoder", "fast-dllm", "--threshold", "7"),
                new Bad("--dico", "generate", "-m", dlm.toString(), "-p", "1+1=", "--decoder", "dico", "--dico", "speed=1"),
                new Bad("--dico", "generate", "-m", dlm.toString(), "-p", "1+1=", "--decoder", "dico", "--dico", "seeds=0"),
                new Bad("--stop", "generate", "-m", m, "-p", "hi", "--stop", ""),
                new Bad("--prompt-file", "generate", "-m", m, "-p", "hi", "-f", trace.toString()),
                new Bad("-p", "generate", "-m", m),
                new Bad("--json", "generate", "-m", m, "-p", "hi", "--json=yes"),
                new Bad("-m", "tokenize", "-p", "hi"),
                new Bad("--no-special", "tokenize", "-m", m, "--no-special=1", "-p", "hi"),
                new Bad("--port", "serve", "-m", m, "--port", "70000"),
                new Bad("--parallel", "serve", "-m", m, "--parallel", "0"),
                new Bad("--repeat", "bench", "-m", m, "--decoders", "ar", "--repeat", "0"),
                new Bad("--decoders", "bench", "-m", m, "--decoders", "ar,telepathy"),
                new Bad("--task", "eval", "-m", m, "--task", "poetry"),
                new Bad("-o", "trace-view", trace.toString()),
                new Bad("--bogus", "demo", "--bogus"),
                new Bad("--layers", "synth", "--arch", "llama", "--layers", "two", "-o", dir.resolve("x.gguf").toString()),
                new Bad("--arch", "synth", "-o", dir.resolve("x.gguf").toString()),
                new Bad("-o", "export", dir.toString()));
        List<String> failures = new ArrayList<>();
        for (Bad bad : table) {
            Run r = run(bad.args());
            String firstLine = r.err().strip().lines().findFirst().orElse("");
            if (r.code() != Main.USAGE) failures.add(String.join(" ", bad.args()) + " -> exit " + r.code() + ": " + r.err().strip());
            else if (!firstLine.contains(bad.flag())) failures.add(String.join(" ", bad.args()) + " -> message does not name " + bad.flag() + ": " + firstLine);
            else if (firstLine.matches(".*\\b(maxNew|genLength|blockLength|nCtx|tau|windowSize|guessInit)\\b.*")) {
                failures.add(String.join(" ", bad.args()) + " -> a field name in the message: " + firstLine);
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + table.size() + " bad invocations:\n" + String.join("\n", failures));
    }

    @Test
    void llamaCppAliasesMeanTheLongOptions() {
        String m = model.toString();
        int[] longForm = tokens(run("generate", "-m", m, "-p", "Hello world", "--ctx", "128", "--threads", "1", "--gpu-layers", "0",
                "--seed", "5", "-n", "6", "--temp", "0.9", "--json"));
        int[] aliases = tokens(run("generate", "-m", m, "-p", "Hello world", "-c", "128", "-t", "1", "-ngl", "0",
                "-s", "5", "--n-predict", "6", "--temp", "0.9", "--json"));
        assertArrayEquals(longForm, aliases);
        assertEquals(6, aliases.length);
        // the seed really is the sampling seed: another seed gives other tokens on this random-weight model
        int[] otherSeed = tokens(run("generate", "-m", m, "-p", "Hello world", "-c", "128", "-t", "1", "-s", "6",
                "--n-predict", "6", "--temp", "0.9", "--json"));
        assertFalse(java.util.Arrays.equals(aliases, otherSeed), "seeds 5 and 6 gave the same sample");
    }

    @Test
    void promptFileIsReadByteForByte() throws IOException {
        String text = "line one\r\n\ttabbed é\n\n";
        Path file = Files.write(dir.resolve("prompt.txt"), text.getBytes(StandardCharsets.UTF_8));
        String m = model.toString();
        Run fromFile = run("generate", "-m", m, "-f", file.toString(), "-n", "4", "--json");
        assertEquals(0, fromFile.code(), fromFile.err());
        try (ParadecModel loaded = ParadecModel.load(model, ModelParams.defaults(), 1)) {
            assertEquals(loaded.tokenize(text).length, (int) CliGenerateTest.number(fromFile.out(), "prompt_tokens"),
                    "the trailing newlines and the CR are part of the prompt");
            assertTrue(loaded.tokenize(text).length > loaded.tokenize(text.strip()).length);
        }
        assertArrayEquals(tokens(run("generate", "-m", m, "-p", text, "-n", "4", "--json")), tokens(fromFile));

        Path latin1 = Files.write(dir.resolve("latin1.txt"), new byte[] {'a', 'b', (byte) 0xE9, 'c'});
        Run bad = run("generate", "-m", m, "-f", latin1.toString(), "-n", "2");
        assertEquals(Main.BAD_INPUT, bad.code());
        assertTrue(bad.err().contains("not UTF-8") && bad.err().contains("byte 0xE9 at offset 2"), bad.err());
    }

    @Test
    void warningsForIgnoredOptionsAndAContextPastTraining() {
        String m = model.toString();
        Run ar = run("generate", "-m", m, "-p", "hi", "-n", "2", "--decoder", "ar", "--window", "4", "--guesses", "2", "--json");
        assertEquals(0, ar.code(), ar.err());
        assertTrue(ar.err().contains("--decoder ar ignores --window"), ar.err());
        assertTrue(ar.err().contains("--decoder ar ignores --guesses"), ar.err());
        Run jacobi = run("generate", "-m", m, "-p", "hi", "-n", "2", "--decoder", "jacobi", "--window", "4", "--ngram", "2", "--json");
        assertEquals(0, jacobi.code(), jacobi.err());
        assertFalse(jacobi.err().contains("ignores"), jacobi.err());
        Run diffusion = run("generate", "-m", dlm.toString(), "-p", "12+34=", "-n", "4", "--decoder", "llada", "--top-k", "5",
                "--threshold", "0.5", "--dico", "seeds=2", "--json");
        assertEquals(0, diffusion.code(), diffusion.err());
        assertTrue(diffusion.err().contains("ignores --top-k") && diffusion.err().contains("ignores --threshold"), diffusion.err());
        assertTrue(diffusion.err().contains("--decoder llada ignores --dico (it applies to dico)"), diffusion.err());

        // the synthesized model was trained (declared) for 512 positions
        Run past = run("generate", "-m", m, "-p", "hi", "-n", "2", "-c", "1024", "--json");
        assertEquals(0, past.code(), past.err());
        assertTrue(past.err().contains("--ctx 1024 is beyond the model's trained context length (512)"), past.err());
        Run within = run("generate", "-m", m, "-p", "hi", "-n", "2", "-c", "512", "--json");
        assertFalse(within.err().contains("beyond"), within.err());
    }

    @Test
    void chatGoesThroughTheModelsTemplate() throws IOException {
        // a Gemma-style Jinja template: llama.cpp recognises it by its markers and applies its built-in Gemma format
        Path templated = TestModels.withChatTemplate(model, """
                {{ bos_token }}{% for message in messages %}<start_of_turn>{{ message['role'] }}
                {{ message['content'] | trim }}<end_of_turn>
                {% endfor %}{% if add_generation_prompt %}<start_of_turn>model
                {% endif %}""", "llama-spm-s41-gemma-chat");
        String m = templated.toString();
        String formatted = "<start_of_turn>user\nYou are terse.\n\nSay hi.<end_of_turn>\n<start_of_turn>model\n";
        int[] chat = tokens(run("generate", "-m", m, "--chat", "--system", "You are terse.", "-p", "Say hi.", "-n", "6", "--json"));
        int[] byHand = tokens(run("generate", "-m", m, "-p", formatted, "-n", "6", "--json"));
        assertArrayEquals(byHand, chat);
        assertEquals(CliGenerateTest.number(run("generate", "-m", m, "-p", formatted, "-n", "1", "--json").out(), "prompt_tokens"),
                CliGenerateTest.number(run("generate", "-m", m, "--system", "You are terse.", "-p", "Say hi.", "-n", "1", "--json").out(),
                        "prompt_tokens"), "--system alone implies --chat");
        try (ParadecModel loaded = ParadecModel.load(templated, ModelParams.defaults(), 1)) {
            assertEquals(formatted, loaded.chatPrompt(List.of(new ChatMessage("system", "You are terse."), new ChatMessage("user", "Say hi."))));
        }
    }

    @Test
    void chatWithoutATemplateIsThePlainFallback() {
        String c = CODE_AR.toString();
        Run chat = run("generate", "-m", c, "--chat", "-p", "def add(a, b):", "-n", "8");
        assertEquals(0, chat.code(), chat.err());
        assertTrue(chat.err().contains("no chat template"), chat.err());
        assertArrayEquals(tokens(run("generate", "-m", c, "-p", "def add(a, b):", "-n", "8", "--json")),
                tokens(run("generate", "-m", c, "--chat", "-p", "def add(a, b):", "-n", "8", "--json")));
        assertArrayEquals(tokens(run("generate", "-m", c, "-p", "You write Python.\n\ndef add(a, b):", "-n", "8", "--json")),
                tokens(run("generate", "-m", c, "--system", "You write Python.", "-p", "def add(a, b):", "-n", "8", "--json")));
    }

    @Test
    void everyCommandHasHelpWithItsOptionsAndDefaults() throws Exception {
        for (String command : List.of("generate", "tokenize", "bench", "eval", "serve", "demo", "trace-view", "perplexity", "inspect", "synth", "export")) {
            Run help = run(command, "--help");
            assertEquals(0, help.code(), command + ": " + help.err());
            assertTrue(help.out().toLowerCase(java.util.Locale.ROOT).contains("usage: paradec " + command)
                    || help.out().contains(command), command + ": " + help.out());
        }
        Run generate = run("generate", "--help");
        for (String expected : List.of("-c, --ctx, --ctx-size=N", "-t, --threads=N", "-ngl, --gpu-layers, --n-gpu-layers=N",
                "-f, --file, --prompt-file=FILE", "-s, --seed=S", "-n, --n-predict=N", "(default: 64)", "(default: 40)", "(default: 0.95)",
                "--chat", "--system=TEXT", "--json")) {
            assertTrue(generate.out().contains(expected), expected + " not in:\n" + generate.out());
        }
        assertTrue(run("serve", "--help").out().contains("--timeout=SECONDS"), "serve's own options");
        // every option the help names is one the parser takes (a value where it has a label)
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^\\s+((?:-{1,2}[a-z-]+(?:, )?)+)(=\\S+)?").matcher(generate.out());
        int options = 0;
        while (m.find()) {
            for (String name : m.group(1).split(", ")) {
                if (name.equals("-h") || name.equals("--help")) continue;
                String[] args = m.group(2) != null ? new String[] {"generate", name, "1"} : new String[] {"generate", name};
                Options.parse(args, 1, GenerateCommand.OPTIONS);
                options++;
            }
        }
        assertTrue(options >= GenerateCommand.OPTIONS.size(), "options found in the help: " + options);
        // a default the help shows is the one that applies: 64 tokens without -n (the random-weight model never ends early here)
        Run noN = run("generate", "-m", model.toString(), "-p", "Hello world", "--json");
        assertEquals(64, tokens(noN).length);
        assertTrue(run("--version").out().startsWith("paradec "), "--version");
    }

    @Test
    void samplingWithoutASeedDrawsOneAndPrintsIt() {
        String m = model.toString();
        Run first = run("generate", "-m", m, "-p", "Hello world", "-n", "12", "--temp", "1.0", "--json");
        Run second = run("generate", "-m", m, "-p", "Hello world", "-n", "12", "--temp", "1.0", "--json");
        long seed1 = (long) CliGenerateTest.number(first.out(), "seed");
        long seed2 = (long) CliGenerateTest.number(second.out(), "seed");
        assertTrue(seed1 != seed2 && seed1 != 0, seed1 + " " + seed2);
        // the printed seed reproduces the run
        assertArrayEquals(tokens(first), tokens(run("generate", "-m", m, "-p", "Hello world", "-n", "12", "--temp", "1.0",
                "--seed", CliGenerateTest.raw(first.out(), "seed"), "--json")));
    }

    @Test
    void aFullContextIsNoticed() {
        // llama.cpp pads a context to a multiple of 256 positions: -c 16 holds 256
        Run text = run("generate", "-m", model.toString(), "-p", "Hello world", "-c", "16", "-n", "400", "-t", "1");
        assertEquals(0, text.code(), text.err());
        Run json = run("generate", "-m", model.toString(), "-p", "Hello world", "-c", "16", "-n", "400", "-t", "1", "--json");
        assertEquals("context_full", CliGenerateTest.string(json.out(), "stop_reason"));
        int prompt = (int) CliGenerateTest.number(json.out(), "prompt_tokens");
        int generated = (int) CliGenerateTest.number(json.out(), "generated_tokens");
        assertTrue(prompt + generated <= 257 && generated < 400, prompt + " + " + generated);
        assertTrue(text.err().contains("note: generation stopped at a full context (" + prompt + " prompt and " + generated
                + " generated tokens)"), text.err());
        Run roomy = run("generate", "-m", model.toString(), "-p", "Hello world", "-c", "128", "-n", "20", "-t", "1");
        assertFalse(roomy.err().contains("full context"), roomy.err());
    }
}
