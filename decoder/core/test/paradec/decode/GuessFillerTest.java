package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** GuessFiller: a lookup draft or the shifted predictions, whichever has been accepted more, then the initialiser. */
class GuessFillerTest {
    private static final int VOCAB = 32;
    // key (7, 8) occurred before, followed by 2, 3
    private static final int[] HISTORY = {7, 8, 2, 3, 7, 8};

    private static int[] fill(GuessFiller f, int[] guesses, int shifted, int count) {
        f.fill(guesses, shifted, count, HISTORY, HISTORY.length, 2);
        return guesses;
    }

    @Test
    void repeatFillsWithTheLastKnownToken() {
        GuessFiller f = new GuessFiller(JacobiSettings.fixed(5, GuessInit.REPEAT), 5, VOCAB);
        assertArrayEquals(new int[] {8, 8, 8, 8, 0}, fill(f, new int[5], 0, 4), "last history token; count respected");
        assertArrayEquals(new int[] {4, 6, 6, 6, 0}, fill(f, new int[] {4, 6, 0, 0, 0}, 2, 4), "last shifted guess");
    }

    @Test
    void randomIsSeededAndInsideTheVocabulary() {
        JacobiSettings s = new JacobiSettings(8, GuessInit.RANDOM, 3, null, 42);
        int[] a = fill(new GuessFiller(s, 8, VOCAB), new int[8], 0, 8);
        int[] b = fill(new GuessFiller(s, 8, VOCAB), new int[8], 0, 8);
        assertArrayEquals(a, b);
        for (int t : a) assertTrue(t >= 0 && t < VOCAB);
    }

    @Test
    void lookupDraftsFromTheHistoryAndContinuesItsPeriod() {
        GuessFiller f = new GuessFiller(JacobiSettings.fixed(8, GuessInit.LOOKUP), 8, VOCAB);
        // draft after (7, 8) at 0: 2, 3, 7, 8 up to the history's end, then the period (2, 3, 7, 8) goes on
        assertArrayEquals(new int[] {2, 3, 7, 8, 2, 3}, fill(f, new int[6], 0, 6));
    }

    @Test
    void theSourceWithTheBetterAcceptanceRecordWins() {
        GuessFiller f = new GuessFiller(JacobiSettings.fixed(4, GuessInit.LOOKUP), 4, VOCAB);
        // equal scores: the draft is preferred over shifted predictions
        assertArrayEquals(new int[] {2, 3, 7}, fill(f, new int[] {5, 5, 0}, 2, 3));
        f.observe(0); // the draft got nothing accepted: its score drops below the predictions'
        assertArrayEquals(new int[] {5, 6, 6}, fill(f, new int[] {5, 6, 0}, 2, 3));
        f.observe(3); // the predictions did well: they stay
        assertArrayEquals(new int[] {5, 6, 6}, fill(f, new int[] {5, 6, 0}, 2, 3));
        // with no shifted predictions at all, a draft is always used
        assertArrayEquals(new int[] {2, 3, 7}, fill(f, new int[3], 0, 3));
    }

    @Test
    void aReferenceIsFollowedAndAlignedWithTheOutputBeforeAnyAnchor() {
        int[] reference = {20, 21, 22, 23, 24, 25};
        GuessFiller f = new GuessFiller(JacobiSettings.fixed(4, GuessInit.REPEAT).withReference(reference), 4, VOCAB);
        // 4 tokens generated (history 6, prompt 2), nothing of the reference in the history: reference[4..]
        assertArrayEquals(new int[] {24, 25, 25}, fill(f, new int[3], 0, 3));
        int[] anchored = {1, 2, 21, 22};
        int[] guesses = new int[3];
        f.fill(guesses, 0, 3, anchored, anchored.length, 2);
        assertArrayEquals(new int[] {23, 24, 25}, guesses, "after (21, 22) the reference continues with 23");
    }
}
