package paradec.decode;

import java.util.Arrays;
import paradec.generation.GenerationResult;
import paradec.generation.StopReason;
import paradec.generation.TokenListener;
import paradec.logits.LogitMath;
import paradec.logits.LogitsView;
import paradec.trace.ArStep;
import paradec.trace.TraceStart;

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
    /** Tokens of repeated context that make a lookup match a copy (its own window tuner, see generate). */
    static final int LONG_REPEAT = 16;
    private final JacobiSettings settings;

    public JacobiDecoder(JacobiSettings settings) {
        this.settings = java.util.Objects.requireNonNull(settings, "settings");
    }

    @Override
    public String name() {
        return "jacobi";
    }

    public JacobiSettings settings() {
        return settings;
    }

    @Override
    public ContextNeeds needs() {
        int window = settings.window() == JacobiSettings.AUTO ? JacobiSettings.MAX_WINDOW : settings.window();
        return new ContextNeeds(1, false, Math.max(ArDecoder.PROMPT_BATCH, window), window);
    }

    @Override
    public GenerationResult generate(CausalModel model, int[] prompt, GenerationSettings gen, TokenListener listener) {
        Prompts.check(model, prompt, needs());
        int maxWindow = settings.window() == JacobiSettings.AUTO
                ? Math.min(JacobiSettings.MAX_WINDOW, model.maxBatch()) : Math.min(settings.window(), model.maxBatch());
        // the cost curve is measured once per model and machine (engines cache it): not part of this generation's time
        WindowTuner tuner = settings.window() == JacobiSettings.AUTO ? new WindowTuner(model.costCurve(), maxWindow) : null;
        // windows whose guesses come from a lookup match (the text repeating itself) are accepted far more often than
        // blind ones: their acceptance is learnt apart, so a repetition can open the window that blind guesses keep small
        WindowTuner lookupTuner = tuner != null && settings.init() == GuessInit.LOOKUP && settings.reference() == null
                ? new WindowTuner(model.costCurve(), maxWindow).withPrior(3, 4) : null;
        // and a match whose context has already repeated for LONG_REPEAT tokens (the text copying itself) is accepted
        // whole far more often still: learnt apart again, from an optimistic start, so one long copy can open a window
        // of tens of tokens (llama.cpp's ngram-mod drafts 48-64 tokens only after a 24-token match)
        WindowTuner copyTuner = lookupTuner != null ? new WindowTuner(model.costCurve(), maxWindow).withPrior(15, 16) : null;
        RunMeter meter = new RunMeter(model);
        Sampler sampler = Samplers.of(gen.sampling());
        Output out = new Output(model, gen.maxNewTokens(), listener);
        int vocab = model.vocabSize();
        if (gen.trace() != null) gen.trace().onEvent(TraceStart.ar(name(), prompt));
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

        TokenBatch batch = new TokenBatch(Math.max(maxWindow, Math.min(model.maxBatch(), prompt.length)));
        {
            LogitsView logits = Prompts.evaluate(model, batch, prompt);
            int position = prompt.length;
            int next = sampler.sample(logits.row(0), vocab);
            if (!out.accept(next)) return meter.result(name(), prompt, out, 0, 1);
            history[historyLength++] = next;
            int iteration = 0;
            while (true) {
                int room = model.maxPositions() - position;
                if (room <= 0) {
                    out.stop(StopReason.CONTEXT_FULL);
                    break;
                }
                int matched = lookupTuner != null ? filler.lookup(history, historyLength) : 0;
                WindowTuner chosen = matched == 0 ? tuner : filler.repeatedContext() >= LONG_REPEAT ? copyTuner : lookupTuner;
                int k = chosen != null ? chosen.nextWindow() : maxWindow;
                if (matched > 0) k = Math.min(k, matched + 1); // past the draft, guesses are blind again
                // a window longer than what may still be emitted or stored only wastes compute
                k = Math.max(1, Math.min(k, Math.min(room, out.remaining())));
                windowUsed = Math.max(windowUsed, k);

                filler.fill(guesses, knownGuesses, k - 1, history, historyLength, prompt.length);
                window[0] = next;
                System.arraycopy(guesses, 0, window, 1, k - 1);
                batch.clear();
                for (int i = 0; i < k; i++) batch.add(window[i], position + i, true, 0);
                logits = model.decode(batch);

                // verification: row i is the model's choice after window[0..i]
                int accepted = 0;
                int bonus = -1;
                for (int i = 0; i < k; i++) {
                    int choice = sampler.sample(logits.row(i), vocab);
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
                    int p = LogitMath.argmax(logits.row(i), vocab);
                    predictions[i] = p;
                    guesses[shifted++] = p;
                }
                knownGuesses = shifted;
                if (chosen != null) chosen.observe(k, accepted);
                filler.observe(accepted);
                acceptedTotal += accepted;

                int[] emitted = new int[accepted + 1];
                System.arraycopy(window, 1, emitted, 0, accepted);
                emitted[accepted] = bonus;
                if (gen.trace() != null) {
                    gen.trace().onEvent(new ArStep(name(), iteration, position, Arrays.copyOf(window, k),
                            Arrays.copyOf(predictions, k), accepted, emitted));
                }
                iteration++;

                // window[0..accepted] are now settled in the KV; the rest of the window is dropped
                position += accepted + 1;
                model.removeTokens(0, position, -1);
                historyLength = out.acceptAll(emitted, history, historyLength);
                if (historyLength < 0) break;
                next = bonus;
            }
        }
        return meter.result(name(), prompt, out, acceptedTotal, windowUsed);
    }

}
