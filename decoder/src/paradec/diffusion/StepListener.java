package paradec.diffusion;

/** Receives every step right after its tokens are committed. */
@FunctionalInterface
public interface StepListener {
    void onStep(StepRecord record);
}
