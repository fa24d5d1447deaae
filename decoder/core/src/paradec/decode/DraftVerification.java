package paradec.decode;

import paradec.logits.LogitMath;
import paradec.logits.LogitsView;

/** The verifying call of draft-based speculation (SpecDiff, draft model), shared so both verify alike. */
final class DraftVerification {
    private DraftVerification() {}

    /**
     * Decodes {@code window[0..drafted]} at {@code position} in one call and accepts the longest prefix of draft
     * tokens {@code window[1..]} equal to the model's own choices. Row i's choice goes to {@code predictions[i]};
     * rows past the first mismatch were conditioned on a wrong draft token and get their argmax, for the trace.
     *
     * @return draft tokens accepted; the model's token after them is {@code predictions[accepted]}
     */
    static int verify(CausalModel model, TokenBatch batch, int[] window, int drafted, int position, Sampler sampler,
                      int vocab, int[] predictions) {
        batch.clear();
        for (int i = 0; i <= drafted; i++) batch.add(window[i], position + i, true, 0);
        LogitsView logits = model.decode(batch);
        int accepted = 0;
        for (int i = 0; i <= drafted; i++) {
            int choice = sampler.sample(logits.row(i), vocab);
            predictions[i] = choice;
            if (i == drafted || window[i + 1] != choice) break;
            accepted++;
        }
        for (int i = accepted + 1; i <= drafted; i++) predictions[i] = LogitMath.argmax(logits.row(i), vocab);
        return accepted;
    }
}
