package paradec.decode;

import paradec.llama.Context;

/** Wall time, forward calls and decode time of one generation, read off the context's counters. */
final class RunMeter {
    private final Context ctx;
    private final long start = System.nanoTime();
    private final long calls0;
    private final long decode0;
    private final long memory0;

    RunMeter(Context ctx) {
        this.ctx = ctx;
        this.calls0 = ctx.decodeCalls();
        this.decode0 = ctx.decodeNanos();
        this.memory0 = ctx.memoryNanos();
    }

    GenerationResult result(String decoder, int[] prompt, Output out, long acceptedGuesses, int window) {
        return new GenerationResult(decoder, prompt.length, out.tokens(), out.stopReason(), ctx.decodeCalls() - calls0,
                System.nanoTime() - start, ctx.decodeNanos() - decode0, ctx.memoryNanos() - memory0, acceptedGuesses, window);
    }
}
