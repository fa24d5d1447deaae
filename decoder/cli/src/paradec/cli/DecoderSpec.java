package paradec.cli;

import java.io.IOException;
import java.nio.file.Path;
import paradec.decode.ArDecoder;
import paradec.decode.Decoder;
import paradec.decode.GuessInit;
import paradec.decode.JacobiDecoder;
import paradec.decode.JacobiSettings;
import paradec.decode.LookaheadDecoder;
import paradec.decode.LookaheadSettings;
import paradec.llama.ContextParams;
import paradec.llama.Model;

/** An autoregressive-family decoder chosen on the command line, with the context it needs. */
record DecoderSpec(Decoder decoder, int sequences, boolean unifiedKv, int batch, int extraPositions) {

    static DecoderSpec parse(String name, Options o, Model model) throws UsageException, IOException {
        return switch (name) {
            case "ar" -> new DecoderSpec(new ArDecoder(), 1, false, 512, 0);
            case "jacobi" -> {
                String w = o.getOr("auto", "--window");
                int window = w.equals("auto") ? JacobiSettings.AUTO : o.getInt(8, 1, JacobiSettings.MAX_WINDOW, "--window");
                GuessInit init = GuessInit.LOOKUP;
                String initName = o.get("--guess-init");
                if (initName != null) init = GuessInit.valueOf(initName.toUpperCase());
                JacobiSettings s = new JacobiSettings(window, init, o.getInt(3, 1, 16, "--ngram"), null, o.getLong(0, "--seed"));
                String ref = o.get("--init-from");
                if (ref != null) s = s.withReference(model.vocab().tokenize(Main.readText(Path.of(ref)), false, false));
                yield new DecoderSpec(new JacobiDecoder(s), 1, false, 512, JacobiSettings.MAX_WINDOW);
            }
            case "lookahead" -> {
                String w = o.getOr("auto", "--window");
                int window = w.equals("auto") ? LookaheadSettings.AUTO : o.getInt(8, 1, LookaheadSettings.MAX_W, "--window");
                LookaheadSettings s;
                try {
                    s = new LookaheadSettings(window, o.getInt(LookaheadSettings.DEFAULT_N, 2, LookaheadSettings.MAX_N, "--ngram"),
                            o.getInt(LookaheadSettings.DEFAULT_G, 0, LookaheadSettings.MAX_G, "--guesses"));
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
                int seqs = s.sequencesNeeded();
                yield new DecoderSpec(new LookaheadDecoder(s), seqs, true, Math.max(512, s.maxBatch()), s.maxBatch());
            }
            default -> throw new UsageException("unknown decoder '" + name + "' for an autoregressive model (ar, jacobi, lookahead)");
        };
    }

    ContextParams contextParams(int contextLength) {
        return new ContextParams(contextLength, batch, batch, sequences, 0, unifiedKv);
    }

    /**
     * One context that serves every given decoder: the most sequences, the largest batch and
     * the most extra positions any of them needs. Comparisons then run on the same context, and
     * no idle context's native thread pool competes with the one measured.
     */
    static ContextParams shared(java.util.Collection<DecoderSpec> specs, int promptAndNew, int threads) {
        int seqs = 1;
        int batch = 1;
        int extra = 0;
        boolean unified = false;
        for (DecoderSpec s : specs) {
            seqs = Math.max(seqs, s.sequences());
            batch = Math.max(batch, s.batch());
            extra = Math.max(extra, s.extraPositions());
            unified |= s.unifiedKv();
        }
        return new ContextParams(promptAndNew + extra + 8, batch, batch, seqs, threads, unified);
    }
}
