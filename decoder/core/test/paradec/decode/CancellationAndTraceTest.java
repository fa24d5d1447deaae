package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import paradec.generation.GenerationResult;
import paradec.generation.StopReason;
import paradec.trace.ArStep;
import paradec.trace.TraceEvent;
import paradec.trace.TraceStart;

/** Cancellation through the token listener, and the trace every AR-family decoder writes. */
class CancellationAndTraceTest {

    private static List<Decoder> decoders() {
        return List.of(new ArDecoder(),
                new JacobiDecoder(JacobiSettings.fixed(4, GuessInit.LOOKUP)),
                new JacobiDecoder(JacobiSettings.fixed(16, GuessInit.REPEAT)),
                new JacobiDecoder(JacobiSettings.fixed(8, GuessInit.RANDOM)),
                new JacobiDecoder(JacobiSettings.defaults()),
                new LookaheadDecoder(new LookaheadSettings(5, 4, 4)),
                new LookaheadDecoder(new LookaheadSettings(2, 2, 8)),
                new LookaheadDecoder(LookaheadSettings.defaults()));
    }

    @Test
    void aListenerReturningFalseCancelsEveryDecoderAfterThatToken() {
        FakeCausalModel model = FakeCausalModel.builder().costCurve(FakeCausalModel.GPU_LIKE).maxSequences(48).unified(true)
                .maxBatch(128).build();
        for (int[] prompt : ArRuns.promptsEndingWith(model, StopReason.MAX_TOKENS, 2, 64)) {
            int[] reference = ArRuns.ar(model, prompt, GenerationSettings.greedy(64)).tokens();
            for (int cancelAt : new int[] {0, 1, 4, 10, 63}) {
                for (Decoder d : decoders()) {
                    List<Integer> heard = new ArrayList<>();
                    int stopAfter = cancelAt + 1;
                    GenerationResult r = d.generate(model, prompt, GenerationSettings.greedy(64), token -> {
                        heard.add(token);
                        return heard.size() < stopAfter;
                    });
                    String label = d.name() + " cancelled at token " + cancelAt;
                    // token 63 is the last one allowed: the listener's veto wins over the limit
                    assertEquals(StopReason.CANCELLED, r.stopReason(), label);
                    assertArrayEquals(Arrays.copyOf(reference, stopAfter), r.tokens(), label + ": tokens up to and including it");
                    assertArrayEquals(r.tokens(), heard.stream().mapToInt(Integer::intValue).toArray(), label + ": heard each token once");
                }
            }
        }
    }

    @Test
    void theListenerHearsEveryTokenOnceWhenItNeverCancels() {
        FakeCausalModel model = FakeCausalModel.unified(256);
        for (int[] prompt : ArRuns.mixedPrompts(model)) {
            for (Decoder d : decoders()) {
                List<Integer> heard = new ArrayList<>();
                GenerationResult r = d.generate(model, prompt, GenerationSettings.greedy(40), t -> heard.add(t));
                assertArrayEquals(r.tokens(), heard.stream().mapToInt(Integer::intValue).toArray(), d.name());
            }
        }
    }

    /**
     * What the trace holds, as the decoders write it today. The conventions differ between plain AR and
     * the speculative decoders, and this test pins both down:
     * <ul>
     * <li>AR writes one step per sampled token, each describing the call whose logits it was sampled
     * from, the prompt's last call included: steps = forward calls - prompt calls + 1, window empty,
     * emitted = {token}; the emitted tokens concatenate to the output (plus the EOS token when it ended
     * the run).
     * <li>Jacobi and lookahead write one step per forward call after the prompt: steps = forward calls -
     * prompt calls. The first output token comes from the prompt's logits and appears only as the first
     * step's window[0], so output = first window[0] followed by the concatenated emitted tokens (cut at
     * EOS, at the limit, or where the listener cancelled).
     * </ul>
     */
    @Test
    void oneStartThenOneStepPerForwardCall() {
        FakeCausalModel model = FakeCausalModel.builder().maxPositions(512).maxBatch(128).maxSequences(48).unified(true).build();
        List<int[]> prompts = new ArrayList<>(ArRuns.mixedPrompts(model));
        prompts.add(ArRuns.prompt(77, 300, 32)); // three prompt chunks of at most 128 tokens
        for (int[] prompt : prompts) {
            int promptCalls = (prompt.length + 127) / 128;
            for (Decoder d : decoders()) {
                List<TraceEvent> trace = new ArrayList<>();
                GenerationResult r = d.generate(model, prompt, GenerationSettings.greedy(64).withTrace(trace::add), null);
                String label = d.name() + " prompt of " + prompt.length;

                TraceStart start = assertInstanceOf(TraceStart.class, trace.getFirst(), label);
                assertEquals(d.name(), start.decoder());
                assertArrayEquals(prompt, start.prompt());
                List<ArStep> steps = new ArrayList<>();
                for (TraceEvent e : trace.subList(1, trace.size())) steps.add(assertInstanceOf(ArStep.class, e, label));
                for (int i = 0; i < steps.size(); i++) assertEquals(i, steps.get(i).iteration(), label);

                List<Integer> stream = new ArrayList<>();
                if (d instanceof ArDecoder) {
                    assertEquals(r.forwardCalls() - promptCalls + 1, steps.size(), label);
                } else {
                    assertEquals(r.forwardCalls() - promptCalls, steps.size(), label);
                    stream.add(steps.getFirst().window()[0]);
                    int position = prompt.length;
                    for (ArStep s : steps) {
                        // each call starts where the previous one's accepted tokens ended
                        assertEquals(position, s.position(), label);
                        assertEquals(s.accepted() + 1, s.emitted().length, label);
                        position += s.emitted().length;
                    }
                }
                for (ArStep s : steps) for (int t : s.emitted()) stream.add(t);
                int[] output = r.tokens();
                assertTrue(stream.size() >= output.length, label);
                int[] streamed = stream.stream().mapToInt(Integer::intValue).toArray();
                assertArrayEquals(output, Arrays.copyOf(streamed, output.length), label + ": the trace spells the output");
                if (r.stopReason() == StopReason.END_OF_GENERATION) {
                    assertTrue(model.isEndOfGeneration(streamed[output.length]), label + ": the EOS token follows the output");
                }
            }
        }
    }
}
