package paradec.decode;

/**
 * Token choice: temperature 0 is greedy; otherwise top-k (0 = off) then top-p (1 = off), seeded.
 */
public record SamplingSettings(double temperature, int topK, double topP, long seed) {
    public SamplingSettings {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
    }

    public static SamplingSettings greedy() {
        return new SamplingSettings(0, 0, 1, 0);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
