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
                int from = best + n;
                int count = Math.min(draft.length, sourceLength - from);
                System.arraycopy(source, from, draft, 0, count);
                if (self) {
                    // the text repeats with period historyLength - from: past the history's end the repetition goes on
                    // (a loop of a few tokens would otherwise only ever draft those few)
                    for (int i = count; i < draft.length; i++) draft[i] = draft[i - (historyLength - from)];
                    count = draft.length;
                }
                return count;
            }
        }
        return 0;
    }

    private static boolean matches(int[] a, int aStart, int[] b, int bStart, int n) {
        for (int i = 0; i < n; i++) if (a[aStart + i] != b[bStart + i]) return false;
        return true;
    }
}
