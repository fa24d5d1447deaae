package paradec.diffusion;

/** Commits the schedule's k masked positions of the block chosen uniformly at random (seeded RNG of the step). */
public final class RandomPolicy implements UnmaskingPolicy {
    @Override
    public int[] select(StepContext step) {
        int[] pool = step.maskedPositions().clone();
        int k = Math.min(step.scheduledCount(), pool.length);
        // partial Fisher-Yates: the first k entries become a uniform sample
        for (int i = 0; i < k; i++) {
            int j = i + step.rng().nextInt(pool.length - i);
            int t = pool[i];
            pool[i] = pool[j];
            pool[j] = t;
        }
        return Ranking.sortedCopy(pool, k);
    }

    @Override
    public boolean readsEntropy() {
        return false;
    }

    @Override
    public String name() {
        return "random";
    }
}
