package paradec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import paradec.engine.ParadecModel;
import paradec.eval.HeldOut;
import paradec.eval.HeldOut.Problem;
import paradec.eval.Perplexity;
import paradec.json.JsonWriter;
import paradec.llama.Context;
import paradec.llama.ContextParams;

/**
 * {@code paradec perplexity -m MODEL --pairs FILE [--json]}: how likely a causal model finds given continuations of
 * given prompts, e.g. what a diffusion decoder wrote, scored by an autoregressive model of the same text. Each
 * {@code prompt TAB continuation} line (the held-out files' format and escapes) is scored alone: the
 * continuation's tokens given the prompt's, the prompt tokenized as generate does (BOS added).
 */
final class PerplexityCommand {
    private PerplexityCommand() {}

    static final List<Options.Opt> OPTIONS = Options.table(GenerateCommand.MODEL, List.of(
            Options.Opt.value("--pairs", "FILE", null, "prompt TAB continuation lines (escapes \\t \\n \\r \\\\)"),
            Options.Opt.flag("--json", "print one JSON object, with each pair's tokens and NLL")));

    static final String NOTES = "Perplexity of each continuation given its prompt, and over all of them.";

    static int run(String[] args, PrintStream out) throws UsageException, IOException {
        Options o = Options.parse(args, 1, OPTIONS);
        if (!o.positional().isEmpty()) throw new UsageException("unexpected argument '" + o.positional().get(0) + "'");
        String file = o.get("--pairs");
        if (file == null) throw new UsageException("perplexity needs --pairs FILE");
        List<Problem> pairs = HeldOut.read(Path.of(file));
        int threads = o.getInt(0, 0, 1024, "--threads");
        double nll = 0;
        long scored = 0;
        double[] pairNll = new double[pairs.size()];
        long[] pairTokens = new long[pairs.size()];
        try (ParadecModel model = ParadecModel.load(Main.modelPath(o), Placement.modelParams(o), threads)) {
            if (!Perplexity.applies(model.model())) throw new UsageException("perplexity needs a causal (autoregressive) model");
            int n = Math.max(2, model.model().contextLengthTrained());
            try (Context ctx = model.model().newContext(ContextParams.of(n).withBatch(n, n).withThreads(threads))) {
                for (int i = 0; i < pairs.size(); i++) {
                    int[] prompt = model.tokenize(pairs.get(i).prompt());
                    int[] continuation = model.vocab().tokenize(pairs.get(i).answer(), false, false);
                    Perplexity.Result r;
                    try {
                        r = Perplexity.ofContinuation(ctx, prompt, continuation);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(file + ": pair " + (i + 1) + ": " + e.getMessage(), e);
                    }
                    pairNll[i] = r.negLogLikelihood();
                    pairTokens[i] = r.scored();
                    nll += r.negLogLikelihood();
                    scored += r.scored();
                }
            }
        }
        Perplexity.Result total = new Perplexity.Result(nll, scored, pairs.size());
        if (o.has("--json")) {
            JsonWriter w = new JsonWriter().beginObject().field("pairs", pairs.size()).field("tokens", scored)
                    .field("nll", nll).field("perplexity", total.perplexity()).beginArray("per_pair");
            for (int i = 0; i < pairs.size(); i++) {
                w.beginObject().field("tokens", pairTokens[i]).field("nll", pairNll[i]).endObject();
            }
            out.println(w.endArray().endObject());
        } else {
            out.printf("perplexity %.3f (%.4f nats per token, %d tokens in %d pairs)%n", total.perplexity(), total.meanNats(),
                    scored, pairs.size());
        }
        return Main.OK;
    }
}
