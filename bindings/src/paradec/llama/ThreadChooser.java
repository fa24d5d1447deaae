package paradec.llama;

/**
 * Chooses how many of a context's threads each decode uses, from the decode times it has seen.
 *
 * <p>ggml's CPU threads meet at a spinning barrier after every operation of the graph: when another process
 * takes one of the cores, the thread left on it misses its time slice and every barrier waits for it. On the
 * 2-core development machine with one other busy process, a one-token decode of the shipped code model took
 * ~13x longer on 2 threads than on 1 (llama-bench -t 2: 179 tokens/s, -t 1: 1,100-2,080, the same minute). So
 * the configured count is a ceiling: decodes mostly run on the count that has been fastest lately, and now and
 * then (about 1/40 of the time at most) on another one, so a change of load is seen. Times are compared only
 * between decodes of similar size (power-of-two buckets of the batch's token count); a size not compared yet
 * follows the sizes that have been. The first decode of each size is cold and left out.
 *
 * <p>Why a running mean and single-decode tries (stop 28, measured): on a busy machine (here both cores loaded by
 * other processes) 2-thread decodes keep the better median (0.24-0.27 against 0.41 ms) but stall for up to 450 ms
 * now and then (mean 6-12 ms against 0.8 on 1 thread); a running mean sees that at once. A chooser comparing
 * medians kept half the decodes on 2 threads there, and with one core kept busy (docs/bench-busy.sh) gave AR 1,635
 * tokens/s against llama-bench -t 1's 3,056, where this one gave 2,402 against 2,349. The price, when the machine
 * is merely noisy: the mean's spikes and one-decode tries move 25-45% of one-token decodes to 1 thread although 2
 * stay ~1.4x faster in mean (-Dparadec.fixed-threads=true keeps the ceiling).
 *
 * <p>Not thread-safe: a {@link Context} uses it under its lock.
 */
final class ThreadChooser {
    /** Fewest decodes between two tries of another count. */
    static final int EXPLORE_EVERY = 8;
    /** Time of the decodes between two tries, in multiples of what the tried count is expected to take. */
    static final double EXPLORE_SHARE = 40;
    /** Weight of the newest time in a count's running estimate. */
    static final double ALPHA = 0.25;
    private static final int BUCKETS = 16;

    private final int[] counts;
    // per bucket and candidate: running estimate of nanoseconds per decode, NaN until first seen
    private final double[][] estimate;
    private int decodesSinceTry;
    private double nanosSinceTry;
    private int nextTry;
    private int lastBest;
    private final boolean[] tried;
    private boolean trying;
    /** Per bucket: whether its first, cold decode has been seen (and left out). */
    private final boolean[] warm = new boolean[BUCKETS];

    /** Candidates: the ceiling, then (when adaptive) halves of it down to 1. */
    ThreadChooser(int ceiling, boolean adaptive) {
        if (ceiling < 1) throw new IllegalArgumentException("ceiling must be >= 1, got " + ceiling);
        int n = 0;
        for (int t = ceiling; t >= 1 && (adaptive || n == 0); t = t == 1 ? 0 : Math.max(1, t / 2)) n++;
        counts = new int[n];
        for (int i = 0, t = ceiling; i < n; i++, t = Math.max(1, t / 2)) counts[i] = t;
        estimate = new double[BUCKETS][n];
        tried = new boolean[n];
        for (double[] row : estimate) java.util.Arrays.fill(row, Double.NaN);
    }

    int ceiling() {
        return counts[0];
    }

    /** The thread count for a decode of {@code tokens} tokens. */
    int choose(int tokens) {
        if (counts.length == 1) return counts[0];
        double[] row = estimate[bucket(tokens)];
        // each count is tried once early, whatever the size: until then nothing tells the counts apart
        for (int i = 0; i < counts.length; i++) if (!tried[i]) return counts[i];
        int best = best(row);
        if (known(row) > 1) lastBest = best;
        // a size without a comparison yet follows the sizes that have one: the load is the machine's, not the size's
        int pick = known(row) > 1 ? best : lastBest;
        if (++decodesSinceTry >= EXPLORE_EVERY && best >= 0) {
            int other = (nextTry + 1) % counts.length;
            if (other == pick) other = (other + 1) % counts.length;
            // a try costs what that count takes: it waits until the decodes since the last try took EXPLORE_SHARE
            // times as long, so tries stay a small share of the time even when the other count is far slower
            double expected = Double.isNaN(row[other]) ? row[best] : row[other];
            if (nanosSinceTry >= EXPLORE_SHARE * expected) {
                nextTry = other;
                decodesSinceTry = 0;
                nanosSinceTry = 0;
                trying = true;
                return counts[other];
            }
        }
        return counts[pick];
    }

    /** Records how long a decode of {@code tokens} tokens took on {@code threads} threads. */
    void observe(int tokens, int threads, long nanos) {
        if (counts.length == 1 || nanos <= 0) return;
        int i = indexOf(threads);
        if (i < 0) return;
        int b = bucket(tokens);
        double[] row = estimate[b];
        nanosSinceTry += nanos;
        // a size's first decode is cold (first touch of the weights and of the output buffer, the graph's
        // allocation): 20x a warm one on a 126k-vocabulary diffusion model. Kept as that count's estimate it made
        // the chooser leave the count for the rest of a run (one-shot diffusion at 2 threads decoded on 1, 1.4x slower)
        if (!warm[b]) {
            warm[b] = true;
            trying = false;
            return;
        }
        tried[i] = true;
        // a try reads a count that may not have run for a long time: its old estimate says nothing about now
        row[i] = Double.isNaN(row[i]) || trying ? nanos : row[i] + ALPHA * (nanos - row[i]);
        trying = false;
    }

    /** The fastest count seen for a size, or -1 when none has been. */
    private static int best(double[] row) {
        int best = -1;
        for (int i = 0; i < row.length; i++) if (!Double.isNaN(row[i]) && (best < 0 || row[i] < row[best])) best = i;
        return best;
    }

    private static int known(double[] row) {
        int n = 0;
        for (double v : row) if (!Double.isNaN(v)) n++;
        return n;
    }

    private int indexOf(int threads) {
        for (int i = 0; i < counts.length; i++) if (counts[i] == threads) return i;
        return -1;
    }

    private static int bucket(int tokens) {
        return Math.min(BUCKETS - 1, 31 - Integer.numberOfLeadingZeros(Math.max(1, tokens)));
    }
}
