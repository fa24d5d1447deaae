package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import paradec.logits.LogitsView;

/** The fake model enforces llama.cpp's rules; without these checks the decoder tests would prove less. */
class FakeCausalModelTest {
    private static final int[] PROMPT = {3, 1, 4, 1, 5};

    private static FakeCausalModel withPrompt(FakeCausalModel model) {
        TokenBatch b = new TokenBatch(8, 4);
        for (int i = 0; i < PROMPT.length; i++) b.add(PROMPT[i], i, i == PROMPT.length - 1, 0);
        model.decode(b);
        return model;
    }

    private static TokenBatch one(int token, int position, int seq) {
        TokenBatch b = new TokenBatch(4, 4);
        b.add(token, position, true, seq);
        return b;
    }

    @Test
    void batchesMustContinueEachSequenceAtItsLastPositionPlusOne() {
        FakeCausalModel model = withPrompt(FakeCausalModel.unified(64));
        assertThrows(IllegalArgumentException.class, () -> model.decode(one(7, 6, 0)), "a gap after X = 4");
        assertThrows(IllegalArgumentException.class, () -> model.decode(one(7, 4, 0)), "position 4 again");
        model.decode(one(7, 5, 0));
        // an empty sequence may start anywhere
        model.decode(one(7, 20, 3));
    }

    @Test
    void batchPositionsOfOneSequenceMustBeConsecutiveAndDistinct() {
        FakeCausalModel model = withPrompt(FakeCausalModel.unified(64));
        TokenBatch gap = new TokenBatch(4);
        gap.add(1, 5, true, 0);
        gap.add(2, 7, true, 0);
        assertThrows(IllegalArgumentException.class, () -> model.decode(gap));
        TokenBatch twice = new TokenBatch(4);
        twice.add(1, 5, true, 0);
        twice.add(2, 5, true, 0);
        assertThrows(IllegalArgumentException.class, () -> model.decode(twice));
        assertEquals(PROMPT.length, model.storedCount(0), "a rejected batch stores nothing");
    }

    @Test
    void rangesOfTheModelAreEnforced() {
        FakeCausalModel model = FakeCausalModel.builder().maxPositions(16).maxBatch(4).maxSequences(2).unified(true).build();
        assertThrows(IllegalArgumentException.class, () -> model.decode(new TokenBatch(1)), "empty batch");
        assertThrows(IllegalArgumentException.class, () -> model.decode(one(32, 0, 0)), "token outside the vocabulary");
        assertThrows(IllegalArgumentException.class, () -> model.decode(one(-1, 0, 0)), "negative token");
        assertThrows(IllegalArgumentException.class, () -> model.decode(one(1, 16, 1)), "position >= maxPositions");
        assertThrows(IllegalArgumentException.class, () -> model.decode(one(1, 0, 2)), "sequence >= maxSequences");
        TokenBatch five = new TokenBatch(5);
        for (int i = 0; i < 5; i++) five.add(1, i, true, 0);
        assertThrows(IllegalArgumentException.class, () -> model.decode(five), "batch > maxBatch");
        assertEquals(0, model.counters().forwardCalls(), "failed decodes are not counted");
    }

    @Test
    void aUnifiedCacheHoldsAtMostKvCellsDistinctCells() {
        FakeCausalModel model = FakeCausalModel.builder().maxPositions(32).kvCells(8).maxSequences(4).unified(true).build();
        withPrompt(model);
        model.copySequence(0, 1, -1, -1);
        model.copySequence(0, 2, -1, -1);
        assertEquals(5, model.distinctCells(), "shared cells count once");
        TokenBatch three = new TokenBatch(4, 4);
        three.add(1, 5, true, 1);
        three.add(1, 5, true, 2);
        three.add(1, 6, true, 2);
        three.add(1, 6, true, 1);
        assertThrows(IllegalStateException.class, () -> model.decode(three), "5 + 4 > 8 cells");
        TokenBatch shared = new TokenBatch(4, 4);
        shared.add(1, 5, true, new int[] {0, 1, 2});
        shared.add(2, 6, true, 0);
        shared.add(3, 7, true, 0);
        model.decode(shared);
        assertEquals(8, model.distinctCells());
    }

    @Test
    void aNonUnifiedCacheRefusesSharedTokensAndCopies() {
        FakeCausalModel model = withPrompt(FakeCausalModel.builder().maxSequences(2).build());
        TokenBatch shared = new TokenBatch(4, 2);
        shared.add(1, 5, true, new int[] {0, 1});
        assertThrows(IllegalArgumentException.class, () -> model.decode(shared));
        assertThrows(IllegalStateException.class, () -> model.copySequence(0, 1, -1, -1));
    }

    @Test
    void removeAndCopyFollowLlamaCppSemantics() {
        FakeCausalModel model = withPrompt(FakeCausalModel.unified(64));
        model.copySequence(0, 1, 1, 3); // [1, 3)
        assertEquals(2, model.storedCount(1));
        assertEquals(PROMPT[1], model.storedToken(1, 1));
        assertEquals(-1, model.storedToken(1, 3));
        model.removeTokens(0, 2, -1); // [2, end)
        assertEquals(2, model.storedCount(0));
        assertEquals(PROMPT[2], model.storedToken(1, 2), "the copy outlives the source's removal");
        assertEquals(3, model.distinctCells(), "positions 0, 1 of seq 0 and 2 of seq 1 remain");
        model.removeTokens(1, -1, -1);
        assertEquals(0, model.storedCount(1));
        assertEquals(2, model.distinctCells());
        model.clear();
        assertEquals(0, model.distinctCells());
        assertEquals(0, model.storedCount(0));
    }

    @Test
    void aCopyOntoADifferentCellAtTheSamePositionIsRefused() {
        FakeCausalModel model = withPrompt(FakeCausalModel.unified(64));
        model.decode(one(9, 0, 1));
        assertThrows(IllegalStateException.class, () -> model.copySequence(0, 1, 0, 1));
    }

    @Test
    void staleLogitsThrowAfterTheNextDecodeOrClear() {
        FakeCausalModel model = FakeCausalModel.single(64);
        TokenBatch b = new TokenBatch(8);
        for (int i = 0; i < PROMPT.length; i++) b.add(PROMPT[i], i, true, 0);
        LogitsView view = model.decode(b);
        MemorySegment row = view.row(2);
        row.getAtIndex(ValueLayout.JAVA_FLOAT, 0);
        model.decode(one(1, 5, 0));
        assertThrows(IllegalStateException.class, () -> view.row(0));
        assertThrows(IllegalStateException.class, () -> view.get(0, 0));
        assertThrows(IllegalStateException.class, () -> row.getAtIndex(ValueLayout.JAVA_FLOAT, 0), "a row taken earlier too");
        LogitsView latest = model.decode(one(1, 6, 0));
        model.clear();
        assertThrows(IllegalStateException.class, () -> latest.row(0));
    }

    @Test
    void logitsDependOnTheFirstSequenceUpToTheTokensPosition() {
        FakeCausalModel model = FakeCausalModel.unified(64);
        // batch evaluation of the prompt gives every row the same logits as one token at a time
        TokenBatch all = new TokenBatch(8);
        for (int i = 0; i < PROMPT.length; i++) all.add(PROMPT[i], i, true, 0);
        LogitsView batched = model.decode(all);
        float[][] rows = new float[PROMPT.length][];
        for (int i = 0; i < PROMPT.length; i++) rows[i] = batched.row(i).toArray(ValueLayout.JAVA_FLOAT);
        model.clear();
        for (int i = 0; i < PROMPT.length; i++) {
            float[] single = model.decode(one(PROMPT[i], i, 0)).row(0).toArray(ValueLayout.JAVA_FLOAT);
            assertEquals(java.util.Arrays.toString(rows[i]), java.util.Arrays.toString(single), "row " + i);
        }
        // the first sequence decides: the same token at position 5 after a different history differs
        model.copySequence(0, 1, 0, 4);
        model.decode(one(8, 4, 1));
        float[] after0Row = model.decode(one(7, 5, 0)).row(0).toArray(ValueLayout.JAVA_FLOAT);
        float[] after1Row = model.decode(one(7, 5, 1)).row(0).toArray(ValueLayout.JAVA_FLOAT);
        assertNotEquals(java.util.Arrays.toString(after0Row), java.util.Arrays.toString(after1Row));
        // a token of sequences {1, 0} reads sequence 1's history, one of {0, 1} sequence 0's
        TokenBatch firstIsOne = new TokenBatch(1, 2);
        firstIsOne.add(7, 6, true, new int[] {1, 0});
        assertNotEquals(java.util.Arrays.toString(after0Row), java.util.Arrays.toString(
                model.decode(firstIsOne).row(0).toArray(ValueLayout.JAVA_FLOAT)));
    }

    @Test
    void aMissingPositionChangesTheLogitsLikeLostContextWould() {
        FakeCausalModel model = withPrompt(FakeCausalModel.unified(64));
        float[] complete = model.decode(one(6, 5, 0)).row(0).toArray(ValueLayout.JAVA_FLOAT);
        model.clear();
        withPrompt(model);
        model.removeTokens(0, 0, 1); // lose position 0; the last three tokens stay the same
        float[] holed = model.decode(one(6, 5, 0)).row(0).toArray(ValueLayout.JAVA_FLOAT);
        assertNotEquals(java.util.Arrays.toString(complete), java.util.Arrays.toString(holed));
    }

    @Test
    void theArgmaxIsNeverTiedUnlessAskedFor() {
        FakeCausalModel.Language clear = new FakeCausalModel.Language(32, 5, false);
        FakeCausalModel.Language ties = new FakeCausalModel.Language(32, 5, true);
        float[] row = new float[32];
        int tiedRows = 0;
        for (int a = 0; a < 32; a++) {
            for (int c = 0; c < 32; c++) {
                clear.logitsAfter(a, 7, c, true, row);
                float[] sorted = row.clone();
                java.util.Arrays.sort(sorted);
                assertEquals(true, sorted[31] - sorted[30] > 2, "margin after " + a + ", 7, " + c);
                ties.logitsAfter(a, 7, c, true, row);
                sorted = row.clone();
                java.util.Arrays.sort(sorted);
                if (sorted[31] == sorted[30]) tiedRows++;
                assertEquals(true, sorted[31] - sorted[30] <= Math.ulp(sorted[31]), "near tie after " + a + ", 7, " + c);
            }
        }
        assertEquals(true, tiedRows > 100, "about half the rows hold an exact tie: " + tiedRows);
    }

    @Test
    void countersCountCallsAndTheCostCurveIsTheConfiguredOne() {
        FakeCausalModel model = withPrompt(FakeCausalModel.builder().costCurve(FakeCausalModel.GPU_LIKE).build());
        model.decode(one(1, 5, 0));
        assertEquals(2, model.counters().forwardCalls());
        assertEquals(FakeCausalModel.GPU_LIKE, model.costCurve());
    }
}
