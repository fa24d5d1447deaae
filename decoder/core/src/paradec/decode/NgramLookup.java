package paradec.decode;

/**
 * Prompt-lookup drafting: finds the most recent earlier place where the last n tokens of the
 * history occurred and proposes the tokens that followed them there; in the history itself, a match
 * near its end is read as a period and the draft continues it to full length.
 */
final class NgramLookup {
    private NgramLookup() {}

    /**
     * Writes up to {@code draft.length} proposed next tokens.
     *
     * @param source      where to look for earlier occurrences (may be the history itself)
     * @param sourceLength used length of source
     * @param history     tokens so far; its last {@code n} are the key
     * @param historyLength used length of history
     * @param maxN        longest key tried; shorter keys down to 1 are tried next
     * @return how many draft tokens were written (0 when nothing matched)
     */
    static int draft(int[] source, int sourceLength, int[] history, int historyLength, int maxN, int[] draft) {
        return draft(source, sourceLength, history, historyLength, maxN, draft, -1);
    }

    /**
     * As {@link #draft(int[], int, int[], int, int, int[])}, but among several matches of the
     * longest key prefers the one whose continuation starts closest to {@code expected} (the place
     * a near-copy would be at now); -1 prefers the most recent match.
     */
    static int draft(int[] source, int sourceLength, int[] history, int historyLength, int maxN, int[] draft, int expected) {
        return draft(source, sourceLength, history, historyLength, maxN, draft, expected, null);
    }

    /**
     * As {@link #draft(int[], int, int[], int, int, int[], int)}; when {@code from} is not null, {@code from[0]} gets
     * where in the source the draft was copied from (-1 when nothing matched).
     */
    static int draft(int[] source, int sourceLength, int[] history, int historyLength, int maxN, int[] draft, int expected,
                     int[] from) {
        if (from != null) from[0] = -1;
        boolean self = source == history;
        for (int n = Math.min(maxN, historyLength); n >= 1; n--) {
            int keyStart = historyLength - n;
            // the match must end before the key itself when searching the history, or the draft is the key
            int lastStart = (self ? historyLength - 1 : sourceLength) - n;
            int best = -1;
            for (int s = Math.min(lastStart, sourceLength - n - 1); s >= 0; s--) {
                if (!matches(source, s, history, keyStart, n)) continue;
                if (expected < 0) {
                    best = s;
                    break;
                }
                if (best < 0 || Math.abs(s + n - expected) < Math.abs(best + n - expected)) best = s;
            }
            if (best >= 0) {
                int start = best + n;
                if (from != null) from[0] = start;
                int count = Math.min(draft.length, sourceLength - start);
                System.arraycopy(source, start, draft, 0, count);
                if (self) {
                    // the text repeats with period historyLength - start: past the history's end the repetition goes on
                    // (a loop of a few tokens would otherwise only ever draft those few)
                    for (int i = count; i < draft.length; i++) draft[i] = draft[i - (historyLength - start)];
                    count = draft.length;
                }
                return count;
            }
        }
        return 0;
    }

    /**
     * How many of the history's last tokens repeat those one period earlier, up to {@code cap}: with a self-lookup
     * draft of period p (the text now continues what followed p tokens ago), the length of the context that has
     * already repeated. A long one (the text is copying itself) makes the whole draft likely to be accepted, as
     * llama.cpp's ngram-mod assumes when it drafts only after a 24-token match.
     */
    static int repeatedContext(int[] history, int historyLength, int period, int cap) {
        if (period <= 0) return 0;
        int length = 0;
        while (length < cap && historyLength - 1 - length - period >= 0
                && history[historyLength - 1 - length] == history[historyLength - 1 - length - period]) {
            length++;
        }
        return length;
    }

    private static boolean matches(int[] a, int aStart, int[] b, int bStart, int n) {
        for (int i = 0; i < n; i++) if (a[aStart + i] != b[bStart + i]) return false;
        return true;
    }
}
