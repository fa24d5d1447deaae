package paradec.llama;

import java.util.Arrays;

/**
 * Chooses how many of a context's threads each decode uses, from the decode times it has seen.
 *
 * <p>ggml's CPU threads meet at a spinning barrier after every operation of the graph: when another process
 * takes one of the cores, the thread left on it misses its time slice and every barrier waits for it. On the
 * 2-core development machine with one other busy process, a one-token decode of the shipped code model took
 * ~13x longer on 2 threads than on 1 (llama-bench -t 2: 179 tokens/s, -t 1: 1,100-2,080, the same minute). So
 * the configured count is a ceiling: decodes run on the count that has been fastest, and now and then another
 * count is tried for a few decodes, so a change of load is seen.
 *
 * <p>What "fastest" must mean was measured on this machine in two states. Merely noisy (other tenants' short
 * bursts): 2-thread decodes have a tail (p90 above 1 thread's median) while 2 threads stay ~1.4x faster in mean and
 * median; a running mean with one-decode tries moved 25-45% of AR's one-token decodes to 1 thread there. Busy
 * (cores loaded by other processes): 2 threads keep the better median but stall for up to 450 ms now and then
 * (mean 6-12 ms against 0.8 on 1 thread); a median alone kept half the decodes on 2 threads there. So a count's
 * estimate is the median of its recent decodes ({@value #WINDOW}; a try's own {@value #TRY_DECODES}, one when it
 * is already {@value #CLEARLY_SLOWER}x slower) plus a stall term: the average excess of its decodes over their
 * median at the time, halved by every 1.5 s of decoding and shrunk toward zero by {@value #STALL_PRIOR} decodes
 * without excess (a quarter of a second of code-ar's), so that stalls that keep coming keep a count out while they
 * come, while one stall now and then (another tenant taking a core for 20-100 ms, a few times a minute) does not:
 * with a prior of 32 decodes one such stall sent a long-lived context to 1 thread for the rest of a bench (AR at
 * 2,840-3,000 tokens/s against 3,580-4,310 with the ceiling fixed). A count not run for a while is tried again.
 * Another count takes over only when estimated {@value #MARGIN_PERCENT}% faster, and each try that keeps the
 * current count on a close call makes the next one rarer. Times are compared only between decodes of
 * similar size (power-of-two buckets of the batch's token count); a size not compared yet follows the sizes that
 * have been. The first decode of each size is cold and left out. A try's first decode on more threads than the
 * decode before it is judged leniently ({@value #WOKEN_SLOWER}x): ggml's OpenMP workers sleep once they have spun a
 * few milliseconds without work, and waking them costs that one decode a few hundred microseconds (the median of the
 * try's decodes shrugs it off). Judged as any other, tries of 2 threads after a stretch on 1 ended at their first
 * decode as clearly slower, again and again (measured: 31% of a noisy minute's one-token decodes on 1 thread, in runs
 * of 100-290 between one-decode tries, 1 thread's median 525 us against 347 on 2; 13-19% with this).
 *
 * <p>Not thread-safe: a {@link Context} uses it under its lock.
 */
final class ThreadChooser {
    /** Fewest decodes between two tries of another count. */
    static final int EXPLORE_EVERY = 8;
    /** Time of the decodes between two tries, in multiples of what the try is expected to take: at first... */
    static final double EXPLORE_SHARE = 40;
    /** ...and at most, after tries that kept the current count on close calls. */
    static final double MAX_EXPLORE_SHARE = 640;
    /** Decodes of a try. */
    static final int TRY_DECODES = 3;
    /** The longest a try is taken to cost when the wait before it is set, in multiples of the current count's estimate. */
    static final double MAX_TRY_COST = 8;
    /** A try ends at once when a decode of it takes this multiple of the current count's estimate. */
    static final double CLEARLY_SLOWER = 1.5;
    /** The same for a try's first decode when it wakes sleeping workers (more threads than the decode before). */
    static final double WOKEN_SLOWER = 4;
    /** How much faster (estimate against estimate) another count must be to take over. */
    static final int MARGIN_PERCENT = 10;
    /** Recent decodes per bucket and count whose median is the typical part of that count's estimate. */
    static final int WINDOW = 16;
    /** The current count's estimate moving by this factor (either way) since the last try makes tries frequent again. */
    static final double LOAD_CHANGE = 1.5;
    /** Decode time (any count's, per bucket) over which the stall sums lose half their weight. */
    static final double STALL_HALF_LIFE_NANOS = 1.5e9;
    private static final double STALL_DECAY_PER_NANO = -Math.log(2) / STALL_HALF_LIFE_NANOS;
    /** Decodes without excess that the stall term starts from: one stall weighs little; a count not run for a while drifts back to its median. */
    static final double STALL_PRIOR = 1000;
    private static final int BUCKETS = 16;

    private final int[] counts;
    /** Per bucket and count: the last {@link #WINDOW} decode times, a ring. */
    private final double[][][] times;
    private final int[][] filled;
    private final int[][] next;
    /**
     * Per bucket and count: decayed sums of each decode's excess over the count's median at the time, and of
     * decodes: the stall term of its estimate, {@code stallNanos / (stallDecodes + STALL_PRIOR)}.
     */
    private final double[][] stallNanos;
    private final double[][] stallDecodes;
    /** Per bucket and count: the median of its ring, NaN until computed after the ring last changed. */
    private final double[][] medians;
    private final double[] scratch = new double[WINDOW];
    /** Per bucket: the count it runs on (-1: follows {@link #current}); the last count any try settled. */
    private final int[] currentOf = new int[BUCKETS];
    private int current;
    /** Per bucket: the current count's median when its last try ended. */
    private final double[] reference = new double[BUCKETS];
    /** Per bucket: whether its first, cold decode has been seen (and left out). */
    private final boolean[] warm = new boolean[BUCKETS];
    /** Counts not tried yet since the start: the first decodes try each once. */
    private int sweep;
    /**
     * Per bucket: decodes and decode time since its last try ended, and the share of time its tries may take. Kept
     * per size: with one count's decodes of other sizes in between (Jacobi's and the draft decoder's windows share
     * AR's context), their tries reset a shared clock so often that a size whose other count had met one stall was
     * not tried again for seconds (measured: AR on 1 thread for 2,000 one-token decodes in a bench).
     */
    private final int[] decodesSinceTry = new int[BUCKETS];
    private final double[] nanosSinceTry = new double[BUCKETS];
    private final double[] share = new double[BUCKETS];
    private int nextTry;
    /** The thread count of the last decode observed, any size (0: none yet). */
    private int lastThreads;
    private int trying = -1;
    private int tryBucket;
    private int tryLeft;

    /** Candidates: the ceiling, then (when adaptive) halves of it down to 1. */
    ThreadChooser(int ceiling, boolean adaptive) {
        if (ceiling < 1) throw new IllegalArgumentException("ceiling must be >= 1, got " + ceiling);
        int n = 0;
        for (int t = ceiling; t >= 1 && (adaptive || n == 0); t = t == 1 ? 0 : Math.max(1, t / 2)) n++;
        counts = new int[n];
        for (int i = 0, t = ceiling; i < n; i++, t = Math.max(1, t / 2)) counts[i] = t;
        times = new double[BUCKETS][n][WINDOW];
        filled = new int[BUCKETS][n];
        next = new int[BUCKETS][n];
        medians = new double[BUCKETS][n];
        stallNanos = new double[BUCKETS][n];
        stallDecodes = new double[BUCKETS][n];
        for (double[] row : medians) Arrays.fill(row, Double.NaN);
        Arrays.fill(currentOf, -1);
        Arrays.fill(share, EXPLORE_SHARE);
    }

    int ceiling() {
        return counts[0];
    }

    /** The thread count for a decode of {@code tokens} tokens. */
    int choose(int tokens) {
        if (counts.length == 1) return counts[0];
        int b = bucket(tokens);
        int cur = currentIn(b);
        if (trying >= 0) {
            if (b == tryBucket) return counts[trying];
            trying = -1; // a try is one size's: another size's decode ends it
        }
        if (!warm[b]) return counts[cur];
        if (sweep < counts.length) return startTry(b, sweep++);
        if (++decodesSinceTry[b] < EXPLORE_EVERY) return counts[cur];
        double now = estimate(b, cur);
        if (Double.isNaN(now)) return counts[cur];
        if (reference[b] > 0 && (now > LOAD_CHANGE * reference[b] || now * LOAD_CHANGE < reference[b])) {
            share[b] = EXPLORE_SHARE;
            reference[b] = now;
        }
        int other = (nextTry + 1) % counts.length;
        if (other == cur) other = (other + 1) % counts.length;
        double known = estimate(b, other);
        // a try of a count clearly slower ends after one decode; otherwise it takes TRY_DECODES. What the wait is
        // measured against is capped: a count known by one stalled decode (a try that met another tenant's burst:
        // 10-130 ms, measured) would otherwise wait hundreds of times that, seconds of decoding, for its next try
        double expected = !Double.isNaN(known) && known > CLEARLY_SLOWER * now
                ? Math.min(known, MAX_TRY_COST * now) : TRY_DECODES * (Double.isNaN(known) ? now : known);
        if (nanosSinceTry[b] >= share[b] * expected) {
            nextTry = other;
            return startTry(b, other);
        }
        return counts[cur];
    }

    /** Records how long a decode of {@code tokens} tokens took on {@code threads} threads. */
    void observe(int tokens, int threads, long nanos) {
        if (counts.length == 1 || nanos <= 0) return;
        int i = indexOf(threads);
        if (i < 0) return;
        boolean woke = lastThreads > 0 && threads > lastThreads;
        lastThreads = threads;
        int b = bucket(tokens);
        if (!warm[b]) {
            warm[b] = true;
            return;
        }
        nanosSinceTry[b] += nanos;
        record(b, i, nanos);
        if (trying != i || b != tryBucket) return;
        int cur = currentIn(b);
        double now = estimate(b, cur);
        // the first decode on more threads than the last one wakes workers that went to sleep in between: what a
        // switch costs, once; a try ends on it only when it took far longer than that (a stall)
        boolean clearlySlower = i != cur && !Double.isNaN(now) && nanos > (woke ? WOKEN_SLOWER : CLEARLY_SLOWER) * now;
        if (--tryLeft > 0 && !clearlySlower) return;
        trying = -1;
        decodesSinceTry[b] = 0;
        nanosSinceTry[b] = 0;
        double tried = estimate(b, i);
        if (i != cur && (Double.isNaN(now) || tried * 100 < (100 - MARGIN_PERCENT) * now)) {
            currentOf[b] = i;
            current = i;
            share[b] = EXPLORE_SHARE;
            reference[b] = tried;
        } else {
            // kept: a close call is tried more rarely next time; a clear loss costs its own (long) decode anyway
            if (i != cur && !clearlySlower) share[b] = Math.min(MAX_EXPLORE_SHARE, share[b] * 2);
            reference[b] = Double.isNaN(now) ? tried : now;
        }
    }

    private int startTry(int b, int index) {
        trying = index;
        tryBucket = b;
        tryLeft = TRY_DECODES;
        // the try's decodes alone tell this count's time now
        filled[b][index] = 0;
        next[b][index] = 0;
        medians[b][index] = Double.NaN;
        return counts[index];
    }

    private int currentIn(int b) {
        return currentOf[b] >= 0 ? currentOf[b] : current;
    }

    private void record(int b, int i, long nanos) {
        double typical = median(b, i);
        double decay = Math.exp(nanos * STALL_DECAY_PER_NANO);
        for (int j = 0; j < counts.length; j++) {
            stallNanos[b][j] *= decay;
            stallDecodes[b][j] *= decay;
        }
        stallNanos[b][i] += Double.isNaN(typical) ? 0 : Math.max(0, nanos - typical);
        stallDecodes[b][i] += 1;
        medians[b][i] = Double.NaN;
        times[b][i][next[b][i]] = nanos;
        next[b][i] = (next[b][i] + 1) % WINDOW;
        if (filled[b][i] < WINDOW) filled[b][i]++;
    }

    /** A count's time in a bucket: its recent median plus its stall term; NaN when it has no recent decode. */
    private double estimate(int b, int i) {
        return median(b, i) + stallNanos[b][i] / (stallDecodes[b][i] + STALL_PRIOR);
    }

    /** The median of a count's recent decode times in a bucket, NaN when it has none. */
    private double median(int b, int i) {
        int n = filled[b][i];
        if (n == 0) return Double.NaN;
        if (!Double.isNaN(medians[b][i])) return medians[b][i];
        System.arraycopy(times[b][i], 0, scratch, 0, n);
        Arrays.sort(scratch, 0, n);
        return medians[b][i] = n % 2 == 1 ? scratch[n / 2] : (scratch[n / 2 - 1] + scratch[n / 2]) / 2;
    }

    private int indexOf(int threads) {
        for (int i = 0; i < counts.length; i++) if (counts[i] == threads) return i;
        return -1;
    }

    private static int bucket(int tokens) {
        return Math.min(BUCKETS - 1, 31 - Integer.numberOfLeadingZeros(Math.max(1, tokens)));
    }
}
