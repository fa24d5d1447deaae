package paradec.decode;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
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
        long t0 = System.nanoTime();
        int maxWindow = settings.window() == JacobiSettings.AUTO
                ? Math.min(JacobiSettings.MAX_WINDOW, ctx.batchSize()) : Math.min(settings.window(), ctx.batchSize());
        WindowTuner tuner = settings.window() == JacobiSettings.AUTO ? new WindowTuner(CostCurve.of(ctx), maxWindow) : null;
        long calls0 = ctx.decodeCalls();
        long decode0 = ctx.decodeNanos();
        Sampler sampler = Samplers.of(gen.sampling());
        Output out = new Output(ctx.model().vocab(), gen.maxNewTokens(), listener);
        int vocab = ctx.vocabSize();
        SplittableRandom random = new SplittableRandom(settings.seed());

        // history = prompt followed by the output, the lookup initialiser's source
        int[] history = Arrays.copyOf(prompt, prompt.length + gen.maxNewTokens() + 1);
        int historyLength = prompt.length;
        int[] guesses = new int[maxWindow];
        int knownGuesses = 0;
        int[] window = new int[maxWindow];
        int[] predictions = new int[maxWindow];
        int[] draft = new int[maxWindow];
        long acceptedTotal = 0;
        int windowUsed = 0;

        try (Batch batch = ctx.newBatch(Math.max(maxWindow, Math.min(ctx.batchSize(), prompt.length)))) {
            MemorySegment logits = Prompts.evaluate(ctx, batch, prompt);
            int position = prompt.length;
            int next = sampler.sample(logits, vocab);
            if (!out.accept(next)) return result(ctx, prompt, out, t0, calls0, decode0, 0, 1);
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

                knownGuesses = fillGuesses(guesses, knownGuesses, k - 1, history, historyLength, prompt.length, draft, random, vocab);
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
        return result(ctx, prompt, out, t0, calls0, decode0, acceptedTotal, windowUsed);
    }

    /**
     * Completes guesses[0..count) for the next window: a lookup draft when one matches (it is
     * conditioned on the settled token, unlike stale predictions), then the shifted predictions,
     * then the initialiser.
     */
    private int fillGuesses(int[] guesses, int known, int count, int[] history, int historyLength, int promptLength,
                            int[] draft, SplittableRandom random, int vocab) {
        if (count <= 0) return known;
        int drafted = 0;
        if (settings.reference() != null) {
            int[] ref = settings.reference();
            drafted = NgramLookup.draft(ref, ref.length, history, historyLength, settings.ngram(), draft);
            if (drafted == 0) {
                // no anchor yet: align the reference with the output position
                int generated = historyLength - promptLength;
                for (int i = 0; i < count && generated + i < ref.length; i++) draft[drafted++] = ref[generated + i];
            }
        } else if (settings.init() == GuessInit.LOOKUP) {
            drafted = NgramLookup.draft(history, historyLength, history, historyLength, settings.ngram(), draft);
        }
        if (drafted > 0) {
            int n = Math.min(drafted, count);
            System.arraycopy(draft, 0, guesses, 0, n);
            if (n >= count) return count;
            known = n; // stale predictions after a draft were conditioned on other tokens: fill fresh
        }
        int last = known > 0 ? guesses[known - 1] : history[historyLength - 1];
        for (int i = known; i < count; i++) {
            guesses[i] = settings.init() == GuessInit.RANDOM ? random.nextInt(vocab) : last;
        }
        return count;
    }

    private GenerationResult result(Context ctx, int[] prompt, Output out, long t0, long calls0, long decode0, long accepted, int window) {
        return new GenerationResult(name(), prompt.length, out.tokens(), out.stopReason(), ctx.decodeCalls() - calls0,
                System.nanoTime() - t0, ctx.decodeNanos() - decode0, accepted, window);
    }
}
