package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** NgramPool (lookahead's candidates) and NgramLookup (prompt-lookup drafts), as their javadoc describes them. */
class NgramPoolAndLookupTest {

    @Test
    void poolKeepsTheNewestDistinctContinuationsPerKey() {
        NgramPool pool = new NgramPool(2, 3);
        assertEquals(2, pool.continuationLength());
        int[] text = {1, 10, 11, 1, 20, 21, 1, 30, 31, 1, 40, 41};
        pool.addAll(text, 0, text.length);
        // key 1 saw 4 continuations, capacity 3: the oldest (10, 11) is gone; newest first
        List<int[]> c = pool.candidates(1, 8);
        assertEquals(3, c.size());
        assertArrayEquals(new int[] {40, 41}, c.get(0));
        assertArrayEquals(new int[] {30, 31}, c.get(1));
        assertArrayEquals(new int[] {20, 21}, c.get(2));
        assertEquals(2, pool.candidates(1, 2).size(), "at most max");
        assertEquals(List.of(), pool.candidates(1, 0));
        assertEquals(List.of(), pool.candidates(99, 4), "unknown key");
    }

    @Test
    void aDuplicateMovesToTheNewestPlaceInsteadOfTakingASecondSlot() {
        NgramPool pool = new NgramPool(1, 3);
        pool.add(5, new int[] {6}, 0);
        pool.add(5, new int[] {7}, 0);
        pool.add(5, new int[] {6}, 0);
        assertEquals(2, pool.size());
        assertArrayEquals(new int[] {6}, pool.candidates(5, 1).getFirst());
        pool.add(5, new int[] {8}, 0);
        pool.add(5, new int[] {9}, 0); // drops 7, the oldest
        assertEquals(List.of("[9]", "[8]", "[6]"), pool.candidates(5, 9).stream().map(Arrays::toString).toList());
    }

    @Test
    void addAllTakesEveryNgramOfTheRangeAndCopiesIt() {
        NgramPool pool = new NgramPool(2, 4);
        int[] text = {1, 2, 3, 4, 5};
        pool.addAll(text, 1, 5); // 3-grams (2,3,4) and (3,4,5) only
        assertEquals(2, pool.size());
        assertEquals(List.of(), pool.candidates(1, 4));
        text[3] = 99;
        assertArrayEquals(new int[] {3, 4}, pool.candidates(2, 1).getFirst(), "the pool keeps its own copy");
        assertThrows(IllegalArgumentException.class, () -> new NgramPool(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new NgramPool(1, 0));
    }

    @Test
    void lookupContinuesTheMostRecentEarlierOccurrenceOfTheLongestKey() {
        //                 0  1  2  3  4  5  6  7  8  9 10 11
        int[] history = {7, 8, 9, 1, 7, 8, 2, 3, 5, 8, 4, 7, 8};
        int[] draft = new int[3];
        // key (7, 8) occurs at 0 and 4; the most recent one continues with 2, 3, 5
        assertEquals(3, NgramLookup.draft(history, history.length, history, history.length, 3, draft));
        assertArrayEquals(new int[] {2, 3, 5}, draft);
    }

    @Test
    void lookupFallsBackToShorterKeysAndFindsNothingWithoutARepeat() {
        int[] history = {4, 1, 2, 9, 3, 2};
        int[] draft = new int[4];
        // keys (9, 3, 2) and (3, 2) never occurred before; (2) did at index 2
        assertEquals(4, NgramLookup.draft(history, history.length, history, history.length, 3, draft));
        assertArrayEquals(new int[] {9, 3, 2, 9}, draft, "past the history's end the period (9, 3, 2) goes on");
        int[] fresh = {1, 2, 3, 4};
        assertEquals(0, NgramLookup.draft(fresh, fresh.length, fresh, fresh.length, 3, draft));
    }

    @Test
    void lookupInAReferencePrefersTheMatchNearestTheExpectedPlace() {
        int[] reference = {5, 6, 1, 2, 5, 6, 3, 4, 5, 6, 7, 8};
        int[] history = {0, 5, 6};
        int[] draft = new int[2];
        // key (5, 6) occurs at 0, 4 and 8; the most recent one without a hint
        assertEquals(2, NgramLookup.draft(reference, reference.length, history, history.length, 2, draft));
        assertArrayEquals(new int[] {7, 8}, draft);
        // expected place 6: the match whose continuation starts at 6
        assertEquals(2, NgramLookup.draft(reference, reference.length, history, history.length, 2, draft, 6));
        assertArrayEquals(new int[] {3, 4}, draft);
        assertEquals(2, NgramLookup.draft(reference, reference.length, history, history.length, 2, draft, 1));
        assertArrayEquals(new int[] {1, 2}, draft);
    }

    @Test
    void repeatedContextCountsTheTokensThatRepeatOnePeriodEarlier() {
        int[] history = {7, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2};
        // period 4: positions 10..5 equal 6..1; position 4 (4) against 0 (7) ends it
        assertEquals(6, NgramLookup.repeatedContext(history, history.length, 4, 64));
        assertEquals(3, NgramLookup.repeatedContext(history, history.length, 4, 3), "capped");
        assertEquals(0, NgramLookup.repeatedContext(history, history.length, 3, 64), "no repeat at period 3");
        assertEquals(0, NgramLookup.repeatedContext(history, history.length, 0, 64));
        int[] draft = new int[8];
        int[] from = new int[1];
        assertEquals(8, NgramLookup.draft(history, history.length, history, history.length, 3, draft, -1, from));
        assertEquals(7, from[0], "the latest earlier match of 4 1 2 ends at 6: its continuation starts at 7");
        int[] fresh = {5, 6, 7};
        assertEquals(0, NgramLookup.draft(fresh, fresh.length, fresh, fresh.length, 3, draft, -1, from));
        assertEquals(-1, from[0]);
    }
}
