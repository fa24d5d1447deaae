package paradec.diffusion;

/** Dream's entropy ordering: commit the schedule's k masked positions with the LOWEST entropy. */
public final class EntropyPolicy implements UnmaskingPolicy {
    @Override
    public int[] select(StepContext step) {
        return Ranking.topK(step.maskedPositions(), step.scheduledCount(), p -> -step.stats(p).entropy());
    }

    @Override
    public String name() {
        return "entropy";
    }
}
