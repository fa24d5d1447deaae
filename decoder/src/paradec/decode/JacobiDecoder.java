package paradec.decode;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import paradec.llama.Batch;
import paradec.llama.Context;
import paradec.logits.LogitMath;

/**
 * Jacobi decoding: the settled next token and window-1 guesses are evaluated in one llama_decode;
 * the longest prefix of guesses that equals the model's own choices is accepted together with
 * the model's choice after it, so every call yields at least one token and greedy output is
 * exactly AR greedy output. Unaccepted KV cells are dropped; the shifted predictions (or a
 * lookup draft) become the next guesses.
 *
 * <p>With sampling, each accepted token is the sample drawn at its own row, so a guess is only
 * kept when it equals what sampling would have produced anyway: the output distribution is AR's.
 */
public final class JacobiDecoder implements Decoder {
    private final JacobiSettings settings;

    public JacobiDecoder(JacobiSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return "jacobi";
    }

    @Override
    public GenerationResult generate(Context ctx, int[] prompt, GenerationSettings gen, TokenListener listener) {
        Prompts.check(ctx, prompt, 0);
        int maxWindow = settings.window() == JacobiSettings.AUTO
                ? Math.min(JacobiSettings.MAX_WINDOW, ctx.batchSize()) : Math.min(settings.window(), ctx.batchSize());
        // the cost curve is measured once per model and machine (and cached): not part of this generation's time
        WindowTuner tuner = settings.window() == JacobiSettings.AUTO ? new WindowTuner(CostCurve.of(ctx), maxWindow) : null;
        RunMeter meter = new RunMeter(ctx);
        Sampler sampler = Samplers.of(gen.sampling());
        Output out = new Output(ctx.model().vocab(), gen.maxNewTokens(), listener);
        int vocab = ctx.vocabSize();
        GuessFiller filler = new GuessFiller(settings, maxWindow, vocab);

        // history = prompt followed by the output, the lookup initialiser's source
        int[] history = Arrays.copyOf(prompt, prompt.length + gen.maxNewTokens() + 1);
        int historyLength = prompt.length;
        int[] guesses = new int[maxWindow];
        int knownGuesses = 0;
        int[] window = new int[maxWindow];
        int[] predictions = new int[maxWindow];
        long acceptedTotal = 0;
        int windowUsed = 0;

        try (Context.Lease lease = ctx.acquire(); Batch batch = ctx.newBatch(Math.max(maxWindow, Math.min(ctx.batchSize(), prompt.length)))) {
            MemorySegment logits = Prompts.evaluate(ctx, batch, prompt);
            int position = prompt.length;
            int next = sampler.sample(logits, vocab);
            if (!out.accept(next)) return meter.result(name(), prompt, out, 0, 1);
            history[historyLength++] = next;
            int iteration = 0;
            while (true) {
                int room = ctx.positionsPerSequence() - position;
                if (room <= 0) {
                    out.stop(StopReason.CONTEXT_FULL);
                    break;
                }
                int k = tuner != null ? tuner.nextWindow() : maxWindow;
                // a window longer than what may still be emitted or stored only wastes compute
                k = Math.max(1, Math.min(k, Math.min(room, out.remaining())));
                windowUsed = Math.max(windowUsed, k);

                filler.fill(guesses, knownGuesses, k - 1, history, historyLength, prompt.length);
                window[0] = next;
                System.arraycopy(guesses, 0, window, 1, k - 1);
                batch.clear();
                for (int i = 0; i < k; i++) batch.add(window[i], position + i, true, 0);
                ctx.decode(batch);

                // verification: row i is the model's choice after window[0..i]
                int accepted = 0;
                int bonus = -1;
                for (int i = 0; i < k; i++) {
                    int choice = sampler.sample(ctx.logits(i), vocab);
                    predictions[i] = choice;
                    if (i + 1 < k && window[i + 1] == choice) {
                        accepted++;
                    } else {
                        bonus = choice;
                        break;
                    }
                }
                // rows past the first mismatch were conditioned on a wrong guess; their argmax is the next guess
                int shifted = 0;
                for (int i = accepted + 1; i < k; i++) {
                    int p = LogitMath.argmax(ctx.logits(i), vocab);
                    predictions[i] = p;
                    guesses[shifted++] = p;
                }
                knownGuesses = shifted;
                if (tuner != null) tuner.observe(k, accepted);
                filler.observe(accepted);
                acceptedTotal += accepted;

                int[] emitted = new int[accepted + 1];
                System.arraycopy(window, 1, emitted, 0, accepted);
                emitted[accepted] = bonus;
                if (gen.trace() != null) {
                    gen.trace().onStep(new TraceStep(name(), iteration, position, Arrays.copyOf(window, k),
                            Arrays.copyOf(predictions, k), accepted, emitted));
                }
                iteration++;

                // window[0..accepted] are now settled in the KV; the rest of the window is dropped
                position += accepted + 1;
                ctx.removeTokens(0, position, -1);
                boolean go = true;
                for (int t : emitted) {
                    if (!out.accept(t)) {
                        go = false;
                        break;
                    }
                    history[historyLength++] = t;
                }
                if (!go) break;
                next = bonus;
            }
        }
        return meter.result(name(), prompt, out, acceptedTotal, windowUsed);
    }

}
