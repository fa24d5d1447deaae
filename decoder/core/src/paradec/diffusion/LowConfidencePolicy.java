package paradec.diffusion;

/** Vanilla LLaDA low-confidence remasking: commit the schedule's k masked positions with the highest c. */
public final class LowConfidencePolicy implements UnmaskingPolicy {
    @Override
    public int[] select(StepContext step) {
        return Ranking.topK(step.maskedPositions(), step.scheduledCount(), step::confidence);
    }

    @Override
    public boolean readsEntropy() {
        return false;
    }

    @Override
    public String name() {
        return "low-confidence";
    }
}
