package paradec.decode;

import java.util.LinkedHashMap;
import java.util.Map;
import paradec.generation.GenerationResult;

/** Wall time, forward calls and native time of one generation, read off the model's counters. */
final class RunMeter {
    private final CausalModel model;
    private final long start = System.nanoTime();
    private final ModelCounters before;

    RunMeter(CausalModel model) {
        this.model = model;
        this.before = model.counters();
    }

    GenerationResult result(String decoder, int[] prompt, Output out, long acceptedGuesses, int window) {
        long wall = System.nanoTime() - start;
        ModelCounters used = model.counters().minus(before);
        Map<String, Object> extras = new LinkedHashMap<>();
        extras.put("accepted_guesses", acceptedGuesses);
        extras.put("window", window);
        extras.put("memory_nanos", used.memoryNanos());
        return new GenerationResult(decoder, prompt.length, out.tokens(), "", out.stopReason(), used.forwardCalls(), wall,
                used.forwardNanos() + used.memoryNanos(), extras);
    }
}
