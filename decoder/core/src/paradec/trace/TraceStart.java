package paradec.trace;

import java.util.Arrays;
import java.util.Objects;

/**
 * The first event of a trace.
 *
 * @param decoder     the decoder (AR family) or unmasking policy (diffusion)
 * @param diffusion   which family wrote the steps that follow
 * @param prompt      the prompt's tokens
 * @param genLength   positions to generate (diffusion; 0 for the AR family)
 * @param blockLength block length (diffusion; 0 for the AR family)
 */
public record TraceStart(String decoder, boolean diffusion, int[] prompt, int genLength, int blockLength) implements TraceEvent {
    public TraceStart {
        Objects.requireNonNull(decoder, "decoder");
        prompt = prompt.clone();
    }

    public static TraceStart ar(String decoder, int[] prompt) {
        return new TraceStart(decoder, false, prompt, 0, 0);
    }

    public static TraceStart diffusion(String policy, int[] prompt, int genLength, int blockLength) {
        return new TraceStart(policy, true, prompt, genLength, blockLength);
    }

    @Override
    public int[] prompt() {
        return prompt.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TraceStart s && decoder.equals(s.decoder) && diffusion == s.diffusion
                && Arrays.equals(prompt, s.prompt) && genLength == s.genLength && blockLength == s.blockLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(decoder, diffusion, Arrays.hashCode(prompt), genLength, blockLength);
    }

    @Override
    public String toString() {
        return "TraceStart[" + decoder + (diffusion ? ", diffusion " + genLength + "/" + blockLength : ", ar")
                + ", prompt=" + Arrays.toString(prompt) + "]";
    }
}
