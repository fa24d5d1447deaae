package paradec.cli;

import paradec.engine.GenerationRequest;
import paradec.engine.ParadecModel;
import paradec.eval.EvalTask;
import paradec.eval.HeldOut;
import paradec.eval.HeldOut.Problem;
import paradec.eval.Perplexity;
import paradec.generation.GenerationResult;
import paradec.json.JsonWriter;
import paradec.llama.Context;
import paradec.llama.ContextParams;
import paradec.llama.ModelParams;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code paradec eval --task add|sort|path|inc|plan|code -m MODEL --decoder D [--n N] [--json]}: the score of one decoder on
 * the model lab's held-out problems ({@link EvalTask}), with forward calls and speed. For {@code code} on a causal
 * model it also reports the held-out perplexity.
 */
final class EvalCommand {
    private EvalCommand() {}

    static final List<Options.Opt> OPTIONS = Options.table(GenerateCommand.MODEL, GenerateCommand.GENERATION, List.of(
            Options.Opt.value("--task", "add|sort|path|inc|plan|code", "add", "the held-out task"),
            Options.Opt.value("--n", "N", "all", "problems scored"),
            Options.Opt.value("--distance", "D", "all", "path, plan: only the held-out problems of this planning distance"),
            Options.Opt.value("--heldout", "FILE", "the task's file under models/lab", "held-out problems"),
            Options.Opt.value("--text", "FILE", "models/lab's held-out code", "code: the text whose continuations are scored"),
            Options.Opt.flag("--json", "print one JSON object")));

    static final String NOTES = "Held-out accuracy, forward calls, tokens/s; code: continuation match and perplexity.";

    /** What one decoder did on the problems. */
    record Totals(double score, long calls, long tokens, long nanos, long positions) {}

    static int run(String[] args, PrintStream out) throws UsageException, IOException {
        Options o = Options.parse(args, 1, OPTIONS);
        if (!o.positional().isEmpty()) throw new UsageException("unexpected argument '" + o.positional().get(0) + "'");
        EvalTask task;
        try {
            task = EvalTask.of(o.getOr("add", "--task"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--task: " + e.getMessage());
        }
        List<Problem> problems = HeldOut.read(Path.of(o.getOr(Main.root().resolve(task.heldOutFile()).toString(), "--heldout")));
        if (o.has("--distance")) {
            if (!task.hasDistance()) throw new UsageException("--distance applies to --task path and --task plan only");
            // the planning distance of a path or plan problem: the edges from start to goal, i.e. of the answer
            int distance = o.getInt(0, 1, 64, "--distance");
            problems = problems.stream().filter(q -> EvalTask.distance(q.answer()) == distance).toList();
            if (problems.isEmpty()) throw new UsageException("--distance " + distance + ": no held-out " + task.cliName()
                    + " problem has that planning distance (the lab's held-out sets: path 2..4, its nodes single digits;"
                    + " plan 2..6, letter nodes)");
        }
        int n = Math.min(problems.size(), o.getInt(problems.size(), 1, 1_000_000, "--n"));
        problems = problems.subList(0, n);
        int threads = o.getInt(0, 0, 1024, "--threads");
        int length = o.getInt(task.generationLength(), 1, 4096, "--gen-length", "-n");

        Totals totals;
        String decoder;
        Perplexity.Result perplexity = null;
        try (ParadecModel model = ParadecModel.load(Main.modelPath(o), Placement.modelParams(o), threads)) {
            decoder = o.getOr(model.defaultDecoders().get(0), "--decoder");
            // one block over the whole (short) answer unless --block-length says otherwise
            GenerationRequest request = DecoderSpec.request(decoder, o, model, length, length);
            totals = score(model, request, task, problems);
            if (task == EvalTask.CODE && Perplexity.applies(model.model())) {
                String text = Main.readText(Path.of(o.getOr(Main.root().resolve(EvalTask.CODE_TEXT).toString(), "--text")));
                int chunk = Math.min(256, Math.max(2, model.model().contextLengthTrained()));
                try (Context ctx = model.model().newContext(ContextParams.of(chunk).withThreads(threads))) {
                    perplexity = Perplexity.of(ctx, model.vocab().tokenize(text, false, false), chunk);
                }
            }
        }
        double accuracy = totals.score() / n;
        double tps = totals.nanos() == 0 ? 0 : totals.tokens() * 1e9 / totals.nanos();
        if (o.has("--json")) {
            JsonWriter w = new JsonWriter().beginObject().field("task", task.cliName()).field("decoder", decoder).field("n", n)
                    .field("accuracy", accuracy).field("forward_calls", totals.calls()).field("generated_tokens", totals.tokens())
                    .field("tokens_per_second", tps).field("seconds", totals.nanos() / 1e9);
            if (totals.positions() > 0) w.field("positions_computed", totals.positions());
            if (o.has("--kv-cache")) w.field("kv_cache", o.get("--kv-cache")).field("cache_refresh", o.getOr("block", "--cache-refresh"));
            if (o.has("--suffix-window")) w.field("suffix_window", DecoderSpec.suffixWindow(o));
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

    private static Totals score(ParadecModel model, GenerationRequest request, EvalTask task, List<Problem> problems) {
        double score = 0;
        long calls = 0;
        long tokens = 0;
        long nanos = 0;
        long positions = 0;
        for (Problem problem : problems) {
            GenerationResult r = model.generate(model.tokenize(problem.prompt()), request);
            nanos += r.wallNanos();
            calls += r.forwardCalls();
            tokens += r.generatedTokens();
            positions += r.extra("positions_computed", 0);
            score += task.score(r.text(), problem.answer());
        }
        return new Totals(score, calls, tokens, nanos, positions);
    }
}
