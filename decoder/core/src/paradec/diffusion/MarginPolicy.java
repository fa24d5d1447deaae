package paradec.diffusion;

/** Dream's margin ordering: commit the schedule's k masked positions with the largest top1 - top2 probability margin. */
public final class MarginPolicy implements UnmaskingPolicy {
    @Override
    public int[] select(StepContext step) {
        return Ranking.topK(step.maskedPositions(), step.scheduledCount(), p -> step.stats(p).probabilityMargin());
    }

    @Override
    public boolean readsEntropy() {
        return false;
    }

    @Override
    public String name() {
        return "margin";
    }
}
