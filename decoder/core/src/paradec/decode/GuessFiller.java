package paradec.decode;

import java.util.SplittableRandom;

/**
 * Fills a Jacobi window's guesses from two sources: a lookup draft (prompt lookup, or the text
 * being edited) and the previous call's shifted predictions (the Jacobi iteration itself). Each
 * source keeps a running score of the guesses it got accepted; the better one is used, so a
 * stale draft cannot keep displacing predictions that have reached their fixed point.
 */
final class GuessFiller {
    private static final double KEEP = 0.6;
    private final JacobiSettings settings;
    private final SplittableRandom random;
    private final int vocab;
    private final int[] draft;
    private final int[] reference; // the settings' copy, fetched once (the accessor clones)
    private double draftScore = 1;
    private double shiftedScore = 1;
    private boolean lastFromDraft;
    // the history length the draft was last looked up for, and its length (a lookup is reused within one call)
    private int draftFor = -1;
    private int lookedUp;
    private int repeated;
    private final int[] from = new int[1];

    GuessFiller(JacobiSettings settings, int maxWindow, int vocab) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
        this.vocab = vocab;
        this.draft = new int[maxWindow];
        this.reference = settings.reference();
    }

    /**
     * Completes guesses[0..count).
     *
     * @param shifted how many leading guesses already hold the previous call's shifted predictions
     */
    void fill(int[] guesses, int shifted, int count, int[] history, int historyLength, int promptLength) {
        if (count <= 0) return;
        int drafted = 0;
        int[] ref = reference;
        if (ref != null) {
            int generated = historyLength - promptLength;
            drafted = NgramLookup.draft(ref, ref.length, history, historyLength, settings.ngram(), draft, generated);
            if (drafted == 0) {
                // no anchor yet: align the reference with the output position
                for (int i = 0; i < count && generated + i < ref.length; i++) draft[drafted++] = ref[generated + i];
            }
        } else if (settings.init() == GuessInit.LOOKUP) {
            drafted = lookup(history, historyLength);
        }
        int known = shifted;
        lastFromDraft = drafted > 0 && (shifted == 0 || draftScore >= shiftedScore);
        if (lastFromDraft) {
            known = Math.min(drafted, count);
            System.arraycopy(draft, 0, guesses, 0, known);
        }
        int last = known > 0 ? guesses[known - 1] : history[historyLength - 1];
        for (int i = known; i < count; i++) guesses[i] = settings.init() == GuessInit.RANDOM ? random.nextInt(vocab) : last;
    }

    /**
     * The lookup draft from the history itself (prompt lookup) for the next call: how many tokens it holds, 0 when
     * the history has no earlier match. {@link #fill} reuses it for the same history.
     */
    int lookup(int[] history, int historyLength) {
        if (draftFor != historyLength) {
            lookedUp = NgramLookup.draft(history, historyLength, history, historyLength, settings.ngram(), draft, -1, from);
            repeated = lookedUp == 0 ? 0 : NgramLookup.repeatedContext(history, historyLength, historyLength - from[0], draft.length);
            draftFor = historyLength;
        }
        return lookedUp;
    }

    /** For the last {@link #lookup}: how many of the history's last tokens its match repeats (0 without a match). */
    int repeatedContext() {
        return repeated;
    }

    /** Credits the source of the last window with its accepted guesses. */
    void observe(int accepted) {
        if (lastFromDraft) draftScore = KEEP * draftScore + (1 - KEEP) * accepted;
        else shiftedScore = KEEP * shiftedScore + (1 - KEEP) * accepted;
    }
}
