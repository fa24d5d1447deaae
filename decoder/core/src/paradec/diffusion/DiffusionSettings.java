package paradec.diffusion;

/**
 * Generation settings.
 *
 * @param genLength   positions to generate (default 128)
 * @param blockLength semi-autoregressive block length B (default 32); genLength must be a multiple
 * @param steps       total step budget S (default genLength); a multiple of the block count.
 *                    Schedule-driven policies use exactly these steps; adaptive ones usually fewer
 * @param temperature 0 commits the argmax (greedy); > 0 samples from softmax(logits / temperature)
 * @param cfgScale    classifier-free guidance scale; 0 disables it (one forward per step)
 * @param seed        seeds the policy RNG and the sampler
 * @param schedule    LINEAR (LLaDA) or DREAM timestep schedule for schedule-driven policies
 * @param dreamEps    eps of the Dream schedule (default 1e-3)
 * @param trimAtEog   cut the returned tokens before the first end-of-generation token
 * @param suffixWindow masked positions after the current block that the model sees: -1 (the default) all of
 *                    them, the exact computation; W >= 0 only the first W, the rest of the sequence left out of
 *                    every forward call (an approximation: far masked positions carry little, and each step
 *                    then computes the block and W positions instead of the whole suffix; llama.cpp cannot
 *                    cache the suffix, see the prefix cache)
 */
public record DiffusionSettings(int genLength, int blockLength, int steps, double temperature, double cfgScale,
                                long seed, ScheduleKind schedule, double dreamEps, boolean trimAtEog, int suffixWindow) {

    /** Which {@link StepSchedule} drives the schedule-driven policies. */
    public enum ScheduleKind { LINEAR, DREAM }

    /** @throws IllegalArgumentException on any inconsistent value, with the reason */
    public DiffusionSettings {
        new BlockSchedule(genLength, blockLength, steps); // validates the block layout
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        }
        if (!(cfgScale >= 0) || Double.isInfinite(cfgScale)) {
            throw new IllegalArgumentException("cfgScale must be finite and >= 0, got " + cfgScale);
        }
        if (schedule == null) {
            throw new IllegalArgumentException("schedule is null");
        }
        if (!(dreamEps > 0 && dreamEps < 1)) {
            throw new IllegalArgumentException("dreamEps must be in (0, 1), got " + dreamEps);
        }
        if (suffixWindow < -1) {
            throw new IllegalArgumentException("suffixWindow must be -1 (the whole suffix) or >= 0, got " + suffixWindow);
        }
    }

    /** The settings without a suffix window (the model sees the whole sequence). */
    public DiffusionSettings(int genLength, int blockLength, int steps, double temperature, double cfgScale,
                             long seed, ScheduleKind schedule, double dreamEps, boolean trimAtEog) {
        this(genLength, blockLength, steps, temperature, cfgScale, seed, schedule, dreamEps, trimAtEog, -1);
    }

    /** genLength 128, blockLength 32, steps 128, greedy, no CFG, seed 0, linear schedule. */
    public static DiffusionSettings defaults() {
        return of(128, 32, 128);
    }

    /** Defaults with the given layout. */
    public static DiffusionSettings of(int genLength, int blockLength, int steps) {
        return new DiffusionSettings(genLength, blockLength, steps, 0.0, 0.0, 0L, ScheduleKind.LINEAR,
                DreamTimestepSchedule.DEFAULT_EPS, false);
    }

    public DiffusionSettings withLayout(int genLength, int blockLength, int steps) {
        return new DiffusionSettings(genLength, blockLength, steps, temperature, cfgScale, seed, schedule, dreamEps, trimAtEog, suffixWindow);
    }

    public DiffusionSettings withTemperature(double t) {
        return new DiffusionSettings(genLength, blockLength, steps, t, cfgScale, seed, schedule, dreamEps, trimAtEog, suffixWindow);
    }

    public DiffusionSettings withCfgScale(double cfg) {
        return new DiffusionSettings(genLength, blockLength, steps, temperature, cfg, seed, schedule, dreamEps, trimAtEog, suffixWindow);
    }

    public DiffusionSettings withSeed(long s) {
        return new DiffusionSettings(genLength, blockLength, steps, temperature, cfgScale, s, schedule, dreamEps, trimAtEog, suffixWindow);
    }

    public DiffusionSettings withSchedule(ScheduleKind k) {
        return new DiffusionSettings(genLength, blockLength, steps, temperature, cfgScale, seed, k, dreamEps, trimAtEog, suffixWindow);
    }

    public DiffusionSettings withTrimAtEog(boolean trim) {
        return new DiffusionSettings(genLength, blockLength, steps, temperature, cfgScale, seed, schedule, dreamEps, trim, suffixWindow);
    }

    /** The same settings with the given suffix window (-1: the whole suffix). */
    public DiffusionSettings withSuffixWindow(int window) {
        return new DiffusionSettings(genLength, blockLength, steps, temperature, cfgScale, seed, schedule, dreamEps, trimAtEog, window);
    }

    public int numBlocks() {
        return genLength / blockLength;
    }

    public int stepsPerBlock() {
        return steps / numBlocks();
    }

    /** The schedule object for {@link #schedule()}. */
    public StepSchedule stepSchedule() {
        return schedule == ScheduleKind.DREAM ? new DreamTimestepSchedule(dreamEps)
                : new BlockSchedule(genLength, blockLength, steps);
    }
}
