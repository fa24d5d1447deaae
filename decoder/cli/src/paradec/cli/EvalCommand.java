package paradec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import paradec.generation.GenerationResult;
import paradec.decode.GenerationSettings;
import paradec.diffusion.DiffusionGenerator;
import paradec.diffusion.DiffusionResult;
import paradec.diffusion.DiffusionSettings;
import paradec.engine.LlamaDenoisingModel;
import paradec.eval.EvalTask;
import paradec.eval.HeldOut;
import paradec.eval.HeldOut.Problem;
import paradec.eval.Perplexity;
import paradec.json.JsonWriter;
import paradec.llama.Context;
import paradec.llama.ContextParams;
import paradec.llama.Model;

/**
 * {@code paradec eval --task add|sort|path|code -m MODEL --decoder D [--n N] [--json]}: the score of one decoder on
 * the model lab's held-out problems ({@link EvalTask}), with forward calls and speed. For {@code code} on a causal
 * model it also reports the held-out perplexity.
 */
final class EvalCommand {
    private EvalCommand() {}

    /** What one decoder did on the problems. */
    record Totals(double score, long calls, long tokens, long nanos) {}

    static int run(String[] args, PrintStream out) throws UsageException, IOException {
        Set<String> values = new HashSet<>(GenerateCommand.VALUE_OPTIONS);
        values.addAll(Set.of("--task", "--n", "--heldout", "--text"));
        Options o = Options.parse(args, 1, values, Set.of("--json"));
        if (!o.positional().isEmpty()) throw new UsageException("unexpected argument '" + o.positional().get(0) + "'");
        EvalTask task;
        try {
            task = EvalTask.of(o.getOr("add", "--task"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        List<Problem> problems = HeldOut.read(Path.of(o.getOr(Main.root().resolve(task.heldOutFile()).toString(), "--heldout")));
        int n = Math.min(problems.size(), o.getInt(problems.size(), 1, 1_000_000, "--n"));
        problems = problems.subList(0, n);
        int threads = o.getInt(0, 0, 1024, "--threads");
        int length = o.getInt(task.generationLength(), 1, 4096, "--gen-length", "-n");

        Totals totals;
        String decoder;
        Perplexity.Result perplexity = null;
        try (Model model = Model.load(Main.modelPath(o))) {
            List<int[]> prompts = new ArrayList<>();
            for (Problem p : problems) prompts.add(model.vocab().tokenize(p.prompt(), true, true));
            if (model.isDiffusion()) {
                decoder = o.getOr("llada", "--decoder");
                totals = diffusion(o, model, task, problems, prompts, decoder, length, threads);
            } else {
                decoder = o.getOr("ar", "--decoder");
                DecoderSpec spec = DecoderSpec.parse(decoder, o, model);
                int longest = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
                try (Context ctx = model.newContext(spec.contextParams(longest + length + spec.extraPositions() + 8).withThreads(threads))) {
                    totals = autoregressive(spec, ctx, model, task, problems, prompts, length);
                }
                if (task == EvalTask.CODE) {
                    String text = Main.readText(Path.of(o.getOr(Main.root().resolve(EvalTask.CODE_TEXT).toString(), "--text")));
                    int chunk = Math.min(256, Math.max(2, model.contextLengthTrained()));
                    try (Context ctx = model.newContext(ContextParams.of(chunk).withThreads(threads))) {
                        perplexity = Perplexity.of(ctx, model.vocab().tokenize(text, false, false), chunk);
                    }
                }
            }
        }
        double accuracy = totals.score() / n;
        double tps = totals.nanos() == 0 ? 0 : totals.tokens() * 1e9 / totals.nanos();
        if (o.has("--json")) {
            JsonWriter w = new JsonWriter().beginObject().field("task", task.cliName()).field("decoder", decoder).field("n", n)
                    .field("accuracy", accuracy).field("forward_calls", totals.calls()).field("generated_tokens", totals.tokens())
                    .field("tokens_per_second", tps).field("seconds", totals.nanos() / 1e9);
            if (perplexity != null) w.field("perplexity", perplexity.perplexity()).field("perplexity_tokens", perplexity.scored());
            out.println(w.endObject());
        } else {
            String what = task.exact() ? String.format("%.0f/%d exact (%.1f%%)", totals.score(), n, 100 * accuracy)
                    : String.format("continuation match %.1f%% (%d problems)", 100 * accuracy, n);
            out.printf("task %s, decoder %s: %s, %d forward calls (%.2f per problem), %.2f tokens per call, %.1f tokens/s%n",
                    task.cliName(), decoder, what, totals.calls(), (double) totals.calls() / n,
                    totals.calls() == 0 ? 0 : (double) totals.tokens() / totals.calls(), tps);
            if (perplexity != null) {
                out.printf("held-out perplexity %.3f (%.4f nats per token, %d tokens)%n", perplexity.perplexity(),
                        perplexity.meanNats(), perplexity.scored());
            }
        }
        return Main.OK;
    }

    private static Totals autoregressive(DecoderSpec spec, Context ctx, Model model, EvalTask task, List<Problem> problems,
            List<int[]> prompts, int length) {
        double score = 0;
        long calls = 0;
        long tokens = 0;
        long nanos = 0;
        for (int i = 0; i < problems.size(); i++) {
            GenerationResult r = spec.decoder().generate(ctx, prompts.get(i), GenerationSettings.greedy(length), null);
            nanos += r.wallNanos();
            calls += r.forwardCalls();
            tokens += r.generatedTokens();
            score += task.score(model.vocab().detokenize(r.tokens(), false), problems.get(i).answer());
        }
        return new Totals(score, calls, tokens, nanos);
    }

    private static Totals diffusion(Options o, Model model, EvalTask task, List<Problem> problems, List<int[]> prompts,
            String decoder, int length, int threads) throws UsageException {
        DiffusionSettings settings;
        try {
            settings = DiffusionSettings.of(length, o.getInt(length, 1, 4096, "--block-length"), o.getInt(length, 1, 1 << 20, "--steps"))
                    .withTrimAtEog(true);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        int longest = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
        double score = 0;
        long calls = 0;
        long tokens = 0;
        long nanos = 0;
        try (LlamaDenoisingModel dlm = new LlamaDenoisingModel(model, longest + length, threads)) {
            DiffusionGenerator generator = new DiffusionGenerator();
            for (int i = 0; i < problems.size(); i++) {
                long t0 = System.nanoTime();
                DiffusionResult r = generator.generate(dlm, prompts.get(i), settings, DiffusionPolicies.create(decoder, o), null);
                nanos += System.nanoTime() - t0;
                calls += r.forwardCalls();
                tokens += r.tokens().length;
                score += task.score(model.vocab().detokenize(r.tokens(), false), problems.get(i).answer());
            }
        }
        return new Totals(score, calls, tokens, nanos);
    }
}
