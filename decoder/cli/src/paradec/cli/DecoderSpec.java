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
import paradec.diffusion.DiffusionSettings;
import paradec.engine.GenerationRequest;
import paradec.engine.ParadecModel;

/** A decoder of either family chosen on the command line, with its options, as a generation request. */
final class DecoderSpec {
    private DecoderSpec() {}

    /**
     * The request for decoder {@code name} with the command line's options; the engine checks that
     * the decoder fits the model's family.
     *
     * @param maxNew tokens to generate (the generation length of a diffusion model unless --gen-length says otherwise)
     */
    static GenerationRequest request(String name, Options o, ParadecModel model, int maxNew) throws UsageException, IOException {
        return request(name, o, model, maxNew, 32);
    }

    /** @param defaultBlock the diffusion block length when --block-length is not given (capped at the generation length) */
    static GenerationRequest request(String name, Options o, ParadecModel model, int maxNew, int defaultBlock)
            throws UsageException, IOException {
        GenerationRequest base = GenerationRequest.defaults().maxTokens(maxNew).sampling(GenerateCommand.sampling(o));
        // an unknown name, or a decoder of the other family, is a usage error (exit 2), checked before any work
        try {
            model.checkDecoder(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--decoder: " + e.getMessage());
        }
        if (ParadecModel.AR_DECODERS.contains(name)) return base.decoder(arDecoder(name, o, model));
        DiffusionPolicies.create(name, o); // options are checked now, before the model does any work
        DiffusionSettings settings = diffusionSettings(o, maxNew, defaultBlock).withSeed(base.sampling().seed());
        String kvCache = o.getOr("none", "--kv-cache");
        switch (kvCache) {
            case "none" -> { }
            case "prefix" -> base = base.diffusionCache(o.getInt(1 << 20, 1, 1 << 20, "--cache-refresh"));
            case "dual" -> throw new UsageException("--kv-cache dual cannot be expressed in llama.cpp v0.5.0: a sequence's batch must "
                    + "continue its cached positions (Y = X + 1), so a block between cached cells is refused; use prefix");
            default -> throw new UsageException("--kv-cache must be none, prefix or dual, got '" + kvCache + "'");
        }
        return base.policy(() -> {
            try {
                return DiffusionPolicies.create(name, o);
            } catch (UsageException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }).diffusion(settings).maxTokens(settings.genLength());
    }

    static DiffusionSettings diffusionSettings(Options o, int maxNew, int defaultBlock) throws UsageException {
        int genLength = o.getInt(maxNew, 1, 1 << 16, "--gen-length");
        int blockLength = o.getInt(Math.min(defaultBlock, genLength), 1, 1 << 16, "--block-length");
        int steps = o.getInt(genLength, 1, 1 << 20, "--steps");
        try {
            return DiffusionSettings.of(genLength, blockLength, steps)
                    .withTemperature(o.getDouble(0, 0, 100, "--temp"))
                    .withCfgScale(o.getDouble(0, 0, 100, "--cfg"))
                    .withSeed(o.getLong(0, "--seed"))
                    .withTrimAtEog(true)
                    .withSuffixWindow(suffixWindow(o));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** The options that only some decoders read, and which: any other decoder ignores them (with a warning). */
    static final java.util.Map<String, java.util.List<String>> DECODER_OPTIONS = decoderOptions();

    private static java.util.Map<String, java.util.List<String>> decoderOptions() {
        java.util.Map<String, java.util.List<String>> m = new java.util.LinkedHashMap<>();
        java.util.List<String> diffusion = new java.util.ArrayList<>(DiffusionPolicies.NAMES);
        diffusion.add("vanilla");
        m.put("--window", java.util.List.of("jacobi", "lookahead"));
        m.put("--ngram", java.util.List.of("jacobi", "lookahead"));
        m.put("--guesses", java.util.List.of("lookahead"));
        m.put("--guess-init", java.util.List.of("jacobi"));
        m.put("--init-from", java.util.List.of("jacobi"));
        for (String draft : java.util.List.of("--draft-model", "--draft-length")) m.put(draft, java.util.List.of("specdiff", "draft"));
        m.put("--draft-steps", java.util.List.of("specdiff"));
        m.put("--top-k", ParadecModel.AR_DECODERS);
        m.put("--top-p", ParadecModel.AR_DECODERS);
        for (String d : java.util.List.of("--gen-length", "--block-length", "--steps", "--cfg", "--kv-cache", "--cache-refresh", "--suffix-window")) m.put(d, diffusion);
        m.put("--threshold", java.util.List.of("fast-dllm", "klass"));
        m.put("--factor", java.util.List.of("fast-dllm-factor", "dico"));
        m.put("--dico", java.util.List.of("dico"));
        return java.util.Collections.unmodifiableMap(m);
    }

    /** One warning line per given option that decoder {@code name} does not read. */
    static java.util.List<String> ignoredOptionWarnings(String name, Options o) {
        java.util.List<String> warnings = new java.util.ArrayList<>();
        DECODER_OPTIONS.forEach((option, readers) -> {
            if (o.has(option) && !readers.contains(name)) {
                java.util.List<String> shown = readers.stream().filter(r -> !r.equals("vanilla")).toList();
                warnings.add("warning: --decoder " + name + " ignores " + option + " (it applies to " + String.join(", ", shown) + ")");
            }
        });
        return warnings;
    }

    /** Draft models opened for specdiff, closed when the command ends ({@link #closeDrafts()}). */
    private static final java.util.List<ParadecModel> DRAFTS = new java.util.ArrayList<>();

    static synchronized void closeDrafts() {
        for (ParadecModel m : DRAFTS) m.close();
        DRAFTS.clear();
    }

    private static synchronized ParadecModel openDraft(Path file, int threads) throws IOException {
        ParadecModel m = ParadecModel.load(file, paradec.llama.ModelParams.defaults(), threads);
        DRAFTS.add(m);
        return m;
    }

    private static Decoder arDecoder(String name, Options o, ParadecModel model) throws UsageException, IOException {
        return switch (name) {
            case "ar" -> new ArDecoder();
            case "draft" -> {
                String file = o.get("--draft-model");
                if (file == null) throw new UsageException("--decoder draft needs --draft-model FILE (a small autoregressive model with the same tokenizer)");
                // "auto" (the default): up to 16 tokens, as many as acceptance, the drafter's time per token and the
                // target's cost curve say pay (none when none do)
                boolean adaptive = "auto".equals(o.getOr("auto", "--draft-length"));
                int k = adaptive ? 16 : o.getInt(8, 1, 63, "--draft-length");
                ParadecModel draft = openDraft(Path.of(file), o.getInt(0, 0, 512, "--threads"));
                try {
                    // the family first (a diffusion drafter is refused with what it is for), then the vocabulary
                    paradec.engine.LlamaCausalModel drafter = draft.causalDrafter(0);
                    model.checkSameVocabulary(draft);
                    yield adaptive ? paradec.decode.DraftModelDecoder.adaptive(drafter, k) : new paradec.decode.DraftModelDecoder(drafter, k);
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--draft-model: " + e.getMessage());
                }
            }
            case "specdiff" -> {
                String file = o.get("--draft-model");
                if (file == null) throw new UsageException("--decoder specdiff needs --draft-model FILE (a diffusion model with the same tokenizer)");
                // "auto": up to 16 tokens, as many as acceptance and the cost curve say pay (none when none do)
                boolean adaptive = "auto".equals(o.get("--draft-length"));
                int k = adaptive ? 16 : o.getInt(8, 1, 63, "--draft-length");
                int steps = o.getInt(Math.min(2, k), 1, k, "--draft-steps");
                ParadecModel draft = openDraft(Path.of(file), o.getInt(0, 0, 512, "--threads"));
                int length = Math.min(draft.model().contextLengthTrained() > 0 ? draft.model().contextLengthTrained() : 512, 512);
                try {
                    yield adaptive ? paradec.decode.SpecDiffDecoder.adaptive(draft.drafter(length), k, steps)
                            : new paradec.decode.SpecDiffDecoder(draft.drafter(length), k, steps);
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--draft-model: " + e.getMessage());
                }
            }
            case "jacobi" -> {
                String w = o.getOr("auto", "--window");
                int window = w.equals("auto") ? JacobiSettings.AUTO : o.getInt(8, 1, JacobiSettings.MAX_WINDOW, "--window");
                GuessInit init = GuessInit.LOOKUP;
                String initName = o.get("--guess-init");
                if (initName != null) {
                    try {
                        init = GuessInit.valueOf(initName.toUpperCase(java.util.Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new UsageException("unknown --guess-init '" + initName + "' (" + java.util.Arrays.stream(GuessInit.values())
                                .map(g -> g.name().toLowerCase(java.util.Locale.ROOT)).reduce((a, b) -> a + ", " + b).orElse("") + ")");
                    }
                }
                JacobiSettings s = new JacobiSettings(window, init, o.getInt(3, 1, 16, "--ngram"), null, o.getLong(0, "--seed"));
                String ref = o.get("--init-from");
                if (ref != null) s = s.withReference(model.vocab().tokenize(Main.readText(Path.of(ref)), false, false));
                yield new JacobiDecoder(s);
            }
            case "lookahead" -> {
                String w = o.getOr("auto", "--window");
                int window = w.equals("auto") ? LookaheadSettings.AUTO : o.getInt(8, 1, LookaheadSettings.MAX_W, "--window");
                try {
                    yield new LookaheadDecoder(new LookaheadSettings(window,
                            o.getInt(LookaheadSettings.DEFAULT_N, 2, LookaheadSettings.MAX_N, "--ngram"),
                            o.getInt(LookaheadSettings.DEFAULT_G, 0, LookaheadSettings.MAX_G, "--guesses")));
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
            }
            default -> throw new UsageException("unknown decoder '" + name + "'");
        };
    }

    /** {@code --suffix-window W}: -1 (the default) the whole suffix, else 0..65536. */
    static int suffixWindow(Options o) throws UsageException {
        return o.getInt(-1, -1, 1 << 16, "--suffix-window");
    }
}
