package paradec.diffusion;

import java.util.Arrays;

/**
 * The sequence being denoised: prompt followed by {@code genLength} positions that start as
 * the mask token. Positions are absolute sequence indices; the generation occupies
 * {@code [promptLength, promptLength + genLength)}.
 */
public final class MaskState {

    private final int[] tokens;
    private final boolean[] masked;
    private final int promptLength;
    private final int genLength;
    private final int maskToken;
    private int maskedCount;

    /**
     * @throws IllegalArgumentException if the prompt is empty, genLength is not positive,
     *                                  or the prompt contains the mask token
     */
    public MaskState(int[] prompt, int genLength, int maskToken) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt is empty");
        }
        if (genLength <= 0) {
            throw new IllegalArgumentException("genLength must be positive, got " + genLength);
        }
        this.promptLength = prompt.length;
        this.genLength = genLength;
        this.maskToken = maskToken;
        this.tokens = new int[prompt.length + genLength];
        this.masked = new boolean[tokens.length];
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] == maskToken) {
                throw new IllegalArgumentException("prompt position " + i + " holds the mask token " + maskToken);
            }
            tokens[i] = prompt[i];
        }
        Arrays.fill(tokens, promptLength, tokens.length, maskToken);
        Arrays.fill(masked, promptLength, tokens.length, true);
        maskedCount = genLength;
    }

    public int length() {
        return tokens.length;
    }

    public int promptLength() {
        return promptLength;
    }

    public int genLength() {
        return genLength;
    }

    public int maskToken() {
        return maskToken;
    }

    /** First generated position (== promptLength). */
    public int generationStart() {
        return promptLength;
    }

    /** Start (inclusive) of generation block {@code b} of length {@code blockLength}. */
    public int blockStart(int b, int blockLength) {
        return promptLength + b * blockLength;
    }

    /** End (exclusive) of generation block {@code b}, clipped to the sequence end. */
    public int blockEnd(int b, int blockLength) {
        return Math.min(tokens.length, promptLength + (b + 1) * blockLength);
    }

    public int token(int pos) {
        return tokens[pos];
    }

    public boolean isMasked(int pos) {
        return masked[pos];
    }

    /** A copy of the current tokens. */
    public int[] tokens() {
        return tokens.clone();
    }

    /** The live array, for the generator's forward calls (not to be modified by callers). */
    int[] tokensLive() {
        return tokens;
    }

    /** Masked positions in {@code [from, to)}. */
    public int maskedCount(int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            if (masked[i]) {
                n++;
            }
        }
        return n;
    }

    /** Masked positions in {@code [from, to)}, ascending. */
    public int[] maskedPositions(int from, int to) {
        int[] out = new int[maskedCount(from, to)];
        int k = 0;
        for (int i = from; i < to; i++) {
            if (masked[i]) {
                out[k++] = i;
            }
        }
        return out;
    }

    /** First masked position in {@code [from, to)}, or -1. */
    public int firstMasked(int from, int to) {
        for (int i = from; i < to; i++) {
            if (masked[i]) {
                return i;
            }
        }
        return -1;
    }

    /** Masked positions left in the whole generation. */
    public int maskedCount() {
        return maskedCount;
    }

    /** Fraction of the generation already committed, in [0, 1]. */
    public double unmaskedFraction() {
        return (double) (genLength - maskedCount) / genLength;
    }

    /**
     * Commits {@code token} at {@code pos}.
     *
     * @throws IllegalArgumentException if {@code pos} is not masked or {@code token} is the mask token
     */
    public void commit(int pos, int token) {
        if (pos < promptLength || pos >= tokens.length || !masked[pos]) {
            throw new IllegalArgumentException("position " + pos + " is not a masked generation position");
        }
        if (token == maskToken) {
            throw new IllegalArgumentException("refusing to commit the mask token at position " + pos);
        }
        tokens[pos] = token;
        masked[pos] = false;
        maskedCount--;
    }
}
