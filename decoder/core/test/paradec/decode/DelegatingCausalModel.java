package paradec.decode;

/**
 * A {@link CausalModel} that hands every call to a {@link FakeCausalModel}: tests extend it and override what their
 * model does differently (its logits, its timing, its counters).
 */
abstract class DelegatingCausalModel implements CausalModel {
    final FakeCausalModel inner;

    DelegatingCausalModel(FakeCausalModel inner) {
        this.inner = inner;
    }

    @Override public int vocabSize() { return inner.vocabSize(); }
    @Override public int maxPositions() { return inner.maxPositions(); }
    @Override public int kvCells() { return inner.kvCells(); }
    @Override public int maxBatch() { return inner.maxBatch(); }
    @Override public int maxSequences() { return inner.maxSequences(); }
    @Override public boolean unifiedKv() { return inner.unifiedKv(); }
    @Override public void removeTokens(int seq, int from, int to) { inner.removeTokens(seq, from, to); }
    @Override public void copySequence(int source, int target, int from, int to) { inner.copySequence(source, target, from, to); }
    @Override public void clear() { inner.clear(); }
    @Override public boolean isEndOfGeneration(int token) { return inner.isEndOfGeneration(token); }
    @Override public ModelCounters counters() { return inner.counters(); }
    @Override public CostCurve costCurve() { return inner.costCurve(); }
    @Override public paradec.logits.LogitsView decode(TokenBatch batch) { return inner.decode(batch); }
}
