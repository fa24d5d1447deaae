package paradec.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;

/** ThreadChooser on simulated decode times: no native library involved. */
class ThreadChooserTest {
    /** Quiet 2-core machine, code-ar: one-token decodes 0.38 ms on 2 threads, 0.55 ms on 1. */
    private static final IntToLongFunction QUIET = t -> t == 2 ? 380_000 : 550_000;
    /** The same machine with another busy process: 2 threads wait at every barrier (measured ~13x slower). */
    private static final IntToLongFunction BUSY = t -> t == 2 ? 7_000_000 : 600_000;

    private record Outcome(int[] uses, long nanos) {}

    private static Outcome run(ThreadChooser chooser, int decodes, int tokens, IntToLongFunction cost) {
        int[] uses = new int[chooser.ceiling() + 1];
        long total = 0;
        for (int i = 0; i < decodes; i++) {
            int t = chooser.choose(tokens);
            uses[t]++;
            long nanos = cost.applyAsLong(t);
            total += nanos;
            chooser.observe(tokens, t, nanos);
        }
        return new Outcome(uses, total);
    }

    @Test
    void onABusyMachineMostDecodesLeaveTheContendedThreadAlone() {
        Outcome o = run(new ThreadChooser(2, true), 2000, 1, BUSY);
        assertTrue(o.uses()[1] > 1950, "decodes on 1 thread: " + o.uses()[1]);
        // the tries on 2 threads stay a small share of the time: all on 1 thread would take 2000 x 0.6 ms
        assertTrue(o.nanos() < 1.10 * 2000 * 600_000L, "total " + o.nanos() / 1e6 + " ms");
    }

    @Test
    void onAQuietMachineTheCeilingIsKeptAndTriesCostLittle() {
        Outcome o = run(new ThreadChooser(2, true), 2000, 1, QUIET);
        assertTrue(o.uses()[2] > 1900, "decodes on 2 threads: " + o.uses()[2]);
        assertTrue(o.nanos() < 1.02 * 2000 * 380_000L, "total " + o.nanos() / 1e6 + " ms");
    }

    @Test
    void followsTheLoadWhenItComesAndGoes() {
        ThreadChooser chooser = new ThreadChooser(2, true);
        run(chooser, 500, 1, QUIET);
        Outcome busy = run(chooser, 1000, 1, BUSY);
        assertTrue(busy.uses()[1] > 900, "busy phase on 1 thread: " + busy.uses()[1]);
        Outcome quietAgain = run(chooser, 2000, 1, QUIET);
        // back on 2 threads after the first try that sees the quiet machine. What the chooser guarantees: a try of 2
        // threads, last seen at 7 ms a decode, waits at most until EXPLORE_SHARE times that has passed on 1 thread
        // (0.55 ms a decode); where in that period the busy phase ended is chance (this run: 242 decodes)
        long waited = (long) (ThreadChooser.EXPLORE_SHARE * BUSY.applyAsLong(2) / QUIET.applyAsLong(1));
        assertTrue(quietAgain.uses()[2] > 2000 - waited - ThreadChooser.EXPLORE_EVERY - 2 * ThreadChooser.TRY_DECODES,
                "quiet phase on 2 threads: " + quietAgain.uses()[2]);
    }

    /**
     * The development machine when merely noisy (measured with a C loop on libllama, 20 x 128 one-token decodes per
     * count, interleaved): 2 threads median 0.24-0.32 ms with a tail (p90 0.31-0.53), 1 thread 0.34-0.43 (p90
     * 0.47-0.64). Modelled as a base time plus, now and then, a burst of other tenants' work.
     */
    private static IntToLongFunction noisy(long seed) {
        java.util.Random random = new java.util.Random(seed);
        return t -> {
            double base = t == 2 ? 240_000 : 340_000;
            double burst = random.nextDouble() < (t == 2 ? 0.15 : 0.08) ? 1 + 2.5 * random.nextDouble() : 1;
            return (long) (base * burst * (0.95 + 0.1 * random.nextDouble()));
        };
    }

    @Test
    void onANoisyMachineTheCeilingKeepsWinningTheComparisons() {
        for (long seed = 1; seed <= 5; seed++) {
            IntToLongFunction cost = noisy(seed);
            Outcome o = run(new ThreadChooser(2, true), 5000, 1, cost);
            assertTrue(o.uses()[2] > 4850, "seed " + seed + ": decodes on 2 threads: " + o.uses()[2]);
            Outcome fixed = run(new ThreadChooser(2, false), 5000, 1, noisy(seed + 100));
            assertTrue(o.nanos() < 1.03 * fixed.nanos(), "seed " + seed + ": " + o.nanos() / 1e6 + " ms against " + fixed.nanos() / 1e6);
        }
    }

    /**
     * The same noisy machine over a long run, as a server's or a bench's context lives through it: now and then (a few
     * times a minute of decoding) another tenant takes a core for 20-100 ms, in a 2-thread decode twice as often as in
     * a 1-thread one. Measured: with fresh contexts gone (one per model and request shape, kept across generations),
     * bench runs of AR spent whole runs on 1 thread after such a stall (2,840-3,000 tokens/s against 3,580-4,310 with
     * the ceiling fixed, interleaved).
     */
    private static IntToLongFunction noisyWithRareStalls(long seed) {
        IntToLongFunction noisy = noisy(seed);
        java.util.Random random = new java.util.Random(seed + 7);
        return t -> noisy.applyAsLong(t)
                + (random.nextDouble() < (t == 2 ? 1 / 3000.0 : 1 / 6000.0) ? (long) (20_000_000 + 80_000_000 * random.nextDouble()) : 0);
    }

    @Test
    void aStallNowAndThenDoesNotSendALongRunToOneThread() {
        for (long seed = 1; seed <= 5; seed++) {
            Outcome o = run(new ThreadChooser(2, true), 40_000, 1, noisyWithRareStalls(seed));
            assertTrue(o.uses()[2] > 38_000, "seed " + seed + ": decodes on 2 threads: " + o.uses()[2]);
            Outcome fixed = run(new ThreadChooser(2, false), 40_000, 1, noisyWithRareStalls(seed + 100));
            assertTrue(o.nanos() < 1.04 * fixed.nanos(), "seed " + seed + ": " + o.nanos() / 1e6 + " ms against " + fixed.nanos() / 1e6);
        }
    }

    @Test
    void aCountJudgedByOneStalledTryIsTriedAgainSoon() {
        for (long seed = 1; seed <= 5; seed++) {
            ThreadChooser chooser = new ThreadChooser(2, true);
            run(chooser, 3000, 1, noisy(seed));
            // a burst of another tenant's work: the next 2-thread decodes, tries included, take 130 ms (measured: a
            // try's one decode of 129 ms then kept 2 threads out of the rest of a bench)
            int[] stalled = {0};
            IntToLongFunction noisy = noisy(seed + 50);
            run(chooser, 200, 1, t -> t == 2 && stalled[0]++ < 4 ? 130_000_000L : noisy.applyAsLong(t));
            run(chooser, 10_000, 1, noisy(seed + 100));
            Outcome after = run(chooser, 10_000, 1, noisy(seed + 200));
            assertTrue(after.uses()[2] > 9_500, "seed " + seed + ": decodes on 2 threads after the burst: " + after.uses()[2]);
        }
    }

    @Test
    void otherSizesTryingInBetweenDoNotDelayTheTriesOfOneTokenDecodes() {
        // AR's one-token decodes share a context with Jacobi's windows of 2-16 tokens (rounds of 128 one-token
        // decodes, then 40 windows). Two rounds in which every 2-thread decode stalls (12 ms) send the one-token
        // decodes to 1 thread, and their last try of 2 threads stalled too; the next try must not wait for a stretch
        // of decoding that the windows' own tries keep cutting short (with one try clock for all sizes: 9 rounds
        // mostly on 1 thread after the stalls for seed 1; with one per size at most 4 for these seeds)
        for (long seed = 1; seed <= 6; seed++) {
            ThreadChooser chooser = new ThreadChooser(2, true);
            java.util.Random sizes = new java.util.Random(seed);
            IntToLongFunction noisy = noisy(seed);
            int roundsOnOne = 0;
            for (int round = 0; round < 80; round++) {
                int onTwo = 0;
                for (int i = 0; i < 128; i++) {
                    int t = chooser.choose(1);
                    chooser.observe(1, t, t == 2 && (round == 50 || round == 51) ? 12_000_000L : noisy.applyAsLong(t));
                    if (t == 2) onTwo++;
                }
                for (int i = 0; i < 40; i++) {
                    int k = 2 + sizes.nextInt(15);
                    int t = chooser.choose(k);
                    chooser.observe(k, t, (long) (noisy.applyAsLong(t) * (1 + 0.3 * k)));
                }
                if (round >= 52 && onTwo < 64) roundsOnOne++;
            }
            assertTrue(roundsOnOne <= 4, "seed " + seed + ": rounds mostly on 1 thread after the stalls: " + roundsOnOne);
        }
    }

    /**
     * A busy machine as measured in paradec (one-token decodes of code-ar, both cores loaded by other processes):
     * 2 threads keep the better median (0.24-0.27 against 0.41 ms) but stall for up to 450 ms now and then (p99
     * 300-430 ms, mean 6-12 ms against 0.8 on 1 thread).
     */
    private static IntToLongFunction stalls(long seed) {
        java.util.Random random = new java.util.Random(seed);
        return t -> {
            if (t == 2) return random.nextDouble() < 0.02 ? (long) (50_000_000 + 400_000_000 * random.nextDouble()) : 250_000;
            return random.nextDouble() < 0.05 ? 3_000_000 : 400_000;
        };
    }

    @Test
    void twoThreadsThatStallNowAndThenLoseToOneThatDoesNot() {
        for (long seed = 1; seed <= 5; seed++) {
            Outcome o = run(new ThreadChooser(2, true), 5000, 1, stalls(seed));
            Outcome one = run(new ThreadChooser(1, true), 5000, 1, stalls(seed + 100));
            assertTrue(o.uses()[1] > 4700, "seed " + seed + ": decodes on 1 thread: " + o.uses()[1]);
            // the first stalls cannot be foreseen (up to 450 ms each against a whole run of ~2.6 s on 1 thread), and one
            // stall alone no longer sends the ceiling away (aStallNowAndThenDoesNotSendALongRunToOneThread): 1.18-1.45x
            // over five seeds (1.35 was the bound while one stall kept 2 threads out for tens of seconds)
            assertTrue(o.nanos() < 1.5 * one.nanos(), "seed " + seed + ": " + o.nanos() / 1e6 + " ms against " + one.nanos() / 1e6);
        }
    }

    /**
     * ggml's second thread sleeps once it has spun a few milliseconds without work: the first 2-thread decode after a
     * stretch on 1 thread wakes it and takes {@code wake} longer (measured on the noisy machine: tries of 2 threads
     * ended at their first decode as more than 1.5x 1 thread's median of 525 us, where 2 threads' median was 347).
     */
    private static IntToLongFunction withWakeUps(IntToLongFunction cost, long wake) {
        int[] last = {0};
        return t -> {
            long nanos = cost.applyAsLong(t) + (last[0] > 0 && t > last[0] ? wake : 0);
            last[0] = t;
            return nanos;
        };
    }

    @Test
    void waitingForSleepingWorkersDoesNotKeepTheirCountOut() {
        for (long seed = 1; seed <= 5; seed++) {
            ThreadChooser chooser = new ThreadChooser(2, true);
            run(chooser, 2000, 1, withWakeUps(noisy(seed), 600_000));
            // a burst of another tenant's work sends the decodes to 1 thread (as in aCountJudgedByOneStalledTryIsTriedAgainSoon)
            int[] stalled = {0};
            IntToLongFunction noisy = withWakeUps(noisy(seed + 50), 600_000);
            run(chooser, 200, 1, t -> t == 2 && stalled[0]++ < 4 ? 130_000_000L : noisy.applyAsLong(t));
            run(chooser, 10_000, 1, withWakeUps(noisy(seed + 100), 600_000));
            Outcome after = run(chooser, 10_000, 1, withWakeUps(noisy(seed + 200), 600_000));
            // judged by the waking decode, every try of 2 threads failed and this stayed at 0-30
            assertTrue(after.uses()[2] > 9_500, "seed " + seed + ": decodes on 2 threads: " + after.uses()[2]);
        }
    }

    @Test
    void aColdFirstDecodeDoesNotDriveTheChoice() {
        // a context's first decode pays for first touches (here 300 ms against 0.38 ms warm): taken as the ceiling's
        // time, 1 thread would look faster, and a try of 2 threads would wait for 40 x 300 ms of decodes
        long[] calls = {0};
        Outcome o = run(new ThreadChooser(2, true), 2000, 128, t -> calls[0]++ == 0 ? 300_000_000L : QUIET.applyAsLong(t));
        assertTrue(o.uses()[2] > 1900, "decodes on 2 threads: " + o.uses()[2]);
    }

    @Test
    void aNewBatchSizeFollowsWhatOtherSizesLearnt() {
        ThreadChooser chooser = new ThreadChooser(2, true);
        run(chooser, 300, 1, BUSY);
        // first decodes of 16 tokens: the busy machine is already known, they start on 1 thread
        int first = chooser.choose(16);
        assertEquals(1, first);
    }

    @Test
    void candidatesHalveDownToOneAndFixedKeepsTheCeiling() {
        ThreadChooser eight = new ThreadChooser(8, true);
        java.util.Set<Integer> seen = new java.util.TreeSet<>();
        // the first decode of a size is left out, then each count is tried for TRY_DECODES decodes
        for (int i = 0; i < 1 + 4 * ThreadChooser.TRY_DECODES; i++) {
            int t = eight.choose(1);
            seen.add(t);
            eight.observe(1, t, 1_000_000);
        }
        assertEquals(java.util.Set.of(1, 2, 4, 8), seen);
        ThreadChooser fixed = new ThreadChooser(8, false);
        Outcome o = run(fixed, 100, 1, t -> t == 8 ? 9_000_000 : 100_000);
        assertEquals(100, o.uses()[8]);
        assertThrows(IllegalArgumentException.class, () -> new ThreadChooser(0, true));
    }
}
