package paradec.decode;

import paradec.trace.TraceListener;

/**
 * What every autoregressive decoder is asked.
 *
 * @param maxNewTokens most tokens to generate
 * @param sampling     greedy or sampled token choice
 * @param trace        receives a start event and one event per forward call; may be null
 */
public record GenerationSettings(int maxNewTokens, SamplingSettings sampling, TraceListener trace) {
    public GenerationSettings {
        if (maxNewTokens < 1) throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
        if (sampling == null) sampling = SamplingSettings.greedy();
    }

    public static GenerationSettings greedy(int maxNewTokens) {
        return new GenerationSettings(maxNewTokens, SamplingSettings.greedy(), null);
    }

    public GenerationSettings withTrace(TraceListener sink) {
        return new GenerationSettings(maxNewTokens, sampling, sink);
    }
}
