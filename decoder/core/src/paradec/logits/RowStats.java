package paradec.logits;

/**
 * Statistics of one logits row under softmax at temperature 1 over the full vocabulary (see
 * {@link LogitMath#stats(java.lang.foreign.MemorySegment, int, int)} for the precision).
 *
 * @param top1              argmax token id (lowest id on ties; never the excluded token)
 * @param confidence        softmax probability of {@code top1}
 * @param top2              second-best token id ({@code -1} if the row has no second candidate)
 * @param secondProbability softmax probability of {@code top2} (0 if there is none)
 * @param margin            raw-logit margin {@code logit[top1] - logit[top2]}
 *                          ({@code +Infinity} if there is no second candidate)
 * @param entropy           entropy of the softmax distribution, in nats (NaN where it was not asked for:
 *                          {@link LogitMath#stats(java.lang.foreign.MemorySegment, int, int, boolean)})
 */
public record RowStats(int top1, double confidence, int top2, double secondProbability, float margin, double entropy) {

    /** {@code confidence - secondProbability}: Dream's "margin" ranking key. */
    public double probabilityMargin() {
        return confidence - secondProbability;
    }
}
