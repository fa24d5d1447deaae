package paradec.decode;

/**
 * What every autoregressive decoder is asked.
 *
 * @param maxNewTokens most tokens to generate
 * @param sampling     greedy or sampled token choice
 * @param trace        receives one record per forward call; may be null
 */
public record GenerationSettings(int maxNewTokens, SamplingSettings sampling, TraceSink trace) {
    public GenerationSettings {
        if (maxNewTokens < 1) throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
        if (sampling == null) sampling = SamplingSettings.greedy();
    }

    public static GenerationSettings greedy(int maxNewTokens) {
        return new GenerationSettings(maxNewTokens, SamplingSettings.greedy(), null);
    }

    public GenerationSettings withTrace(TraceSink sink) {
        return new GenerationSettings(maxNewTokens, sampling, sink);
    }
}
