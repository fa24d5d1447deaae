package paradec.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import paradec.decode.ArDecoder;
import paradec.decode.ContextNeeds;
import paradec.decode.Decoder;
import paradec.decode.GenerationSettings;
import paradec.decode.JacobiDecoder;
import paradec.decode.JacobiSettings;
import paradec.decode.LookaheadDecoder;
import paradec.decode.LookaheadSettings;
import paradec.diffusion.DiffusionGenerator;
import paradec.diffusion.DiffusionSettings;
import paradec.diffusion.Policies;
import paradec.diffusion.UnmaskingPolicy;
import paradec.generation.GenerationResult;
import paradec.generation.StopReason;
import paradec.generation.TokenListener;
import paradec.llama.ComputeThread;
import paradec.llama.Context;
import paradec.llama.ContextParams;
import paradec.llama.LlamaException;
import paradec.llama.Model;
import paradec.llama.ModelParams;
import paradec.llama.Vocab;

/**
 * The entry point: a loaded GGUF model, autoregressive or diffusion (detected from the file), that
 * generates with any decoder of its family, by name or object, into one {@link GenerationResult}.
 *
 * <pre>{@code
 * try (ParadecModel model = ParadecModel.load(Path.of("model.gguf"))) {
 *     GenerationResult r = model.generate("def fibonacci(n):",
 *             GenerationRequest.of("jacobi").maxTokens(64).streamTo(System.out::print));
 * }
 * }</pre>
 *
 * <p>Contexts are made for the decoder they serve (sequences, unified KV, batch; the context length
 * defaults to the model's trained length) and kept for the next generation that needs the same.
 * Several threads may generate at once: each generation gets a context of its own, and only one thread of the
 * process decodes on more than one CPU thread ({@link ComputeThread}: the first to decode so, or paradec's compute
 * thread once something called {@link ComputeThread#start()}, as the server does, which then takes each generation
 * while it is free); the others decode on one. {@link #close()}
 * from another thread fails the running generations cleanly (they end with an
 * {@link IllegalStateException}), never the JVM.
 */
public final class ParadecModel implements AutoCloseable {
    private static final int IDLE_CONTEXTS = 4;
    /** Native contexts made so far (generations reuse idle ones): for tests. */
    private int contextsMade;

    synchronized int contextsMade() {
        return contextsMade;
    }

    private final Model model;
    private final ModelParams params;
    private final int threads;
    // non-null for a model on RPC servers: every native call of this model runs on its thread
    private final RpcWorker remote;
    private final List<LlamaCausalModel> idleCausal = new ArrayList<>();
    private final List<LlamaDenoisingModel> idleDenoising = new ArrayList<>();
    private final List<PrefixCachedDenoisingModel> idleCached = new ArrayList<>();
    private Model causalView;
    private final Map<AutoCloseable, Boolean> busy = new IdentityHashMap<>();
    private boolean closed;

    private ParadecModel(Model model, ModelParams params, int threads, RpcWorker remote) {
        this.model = model;
        this.params = params;
        this.threads = threads;
        this.remote = remote;
    }

    /** Loads a model with llama.cpp's defaults and one thread per core. */
    public static ParadecModel load(Path file) throws IOException {
        return load(file, ModelParams.defaults(), 0);
    }

    /**
     * Loads a model.
     *
     * <p>With {@link ModelParams#rpcServers()} the offloaded layers run on those ggml-rpc servers, and every
     * native call of this model (load, generations, close) runs on a thread of the model's own, watched:
     * a server that goes away or stops answering for {@link ModelParams#rpcTimeout()} fails the waiting
     * call with {@link paradec.llama.RpcServerLostException} and abandons the model, never the JVM.
     * Generations of such a model run one at a time, and their listeners are called on that thread.
     *
     * @param threads threads per generation; 0 = one per core
     * @throws IOException if the file cannot be read or is not a valid GGUF model llama.cpp can load,
     *                     or an RPC server cannot be reached
     */
    public static ParadecModel load(Path file, ModelParams params, int threads) throws IOException {
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        if (params.rpcServers().isEmpty()) return new ParadecModel(Model.load(file, params), params, threads, null);
        RpcWorker remote = new RpcWorker(params.rpcServers(), params.rpcTimeout());
        var user = params.progress();
        ModelParams watched = params.withProgress(p -> {
            remote.beat();
            return user == null || user.test(p);
        });
        Model model;
        try {
            model = remote.call(() -> Model.load(file, watched));
        } catch (java.io.UncheckedIOException e) {
            remote.shutdown();
            throw e.getCause();
        } catch (RuntimeException e) {
            if (remote.lostReason() == null) remote.shutdown();
            throw e;
        }
        remote.watchDecodes(model::decodesReturned);
        return new ParadecModel(model, params, threads, remote);
    }

    /**
     * Runs work where this model's native calls belong: on its RPC thread, else where {@link ComputeThread#call}
     * puts it (here, or paradec's compute thread when a server started it).
     */
    private <T> T onModelThread(java.util.concurrent.Callable<T> work) {
        if (remote == null) {
            return ComputeThread.call(() -> {
                try {
                    return work.call();
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        try {
            return remote.call(work);
        } catch (paradec.llama.RpcServerLostException e) {
            abandon();
            throw e;
        }
    }

    /** The model lost its RPC servers: nothing is freed (that would talk to them), every later call fails. */
    private void abandon() {
        synchronized (this) {
            closed = true;
            idleCausal.clear();
            idleDenoising.clear();
            idleCached.clear();
            busy.clear();
            if (causalView != null) causalView.abandon();
        }
        model.abandon();
        remote.shutdown();
    }

    /** The safe-layer model: vocabulary, metadata, contexts of one's own. */
    public Model model() {
        return model;
    }

    public Vocab vocab() {
        return model.vocab();
    }

    public boolean isDiffusion() {
        return model.isDiffusion();
    }

    /** Whether its offloaded layers run on ggml-rpc servers (its native calls then run on a thread of its own). */
    public boolean usesRpc() {
        return remote != null;
    }

    /** Tokenizes a prompt as the CLI does: with BOS where the model wants it, special tokens parsed. */
    public int[] tokenize(String text) {
        return model.vocab().tokenize(text, true, true);
    }

    /**
     * A chat as the model's prompt, ending where the assistant's turn begins: through the model's own chat
     * template (GGUF {@code tokenizer.chat_template}, applied by llama.cpp's built-in templates, which it
     * recognises by name or by the markers in the Jinja text). A model without a template gets the plain
     * fallback: the messages' contents in order, separated by a blank line, no role markers (a single user
     * message is then exactly the completion prompt, which is what a base model continues best).
     *
     * @throws IllegalArgumentException if the model has a template llama.cpp does not know
     */
    public String chatPrompt(java.util.List<paradec.llama.ChatMessage> messages) {
        String template = model.chatTemplate();
        if (template == null) return plainChat(messages);
        try {
            return paradec.llama.ChatTemplates.apply(template, messages, true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the model's chat template is not one llama.cpp knows: " + e.getMessage(), e);
        }
    }

    /** The model's chat template as stored in the file, or null (then {@link #chatPrompt} is the plain fallback). */
    public String chatTemplate() {
        return model.chatTemplate();
    }

    /** The fallback of {@link #chatPrompt} for a model without a chat template. */
    public static String plainChat(java.util.List<paradec.llama.ChatMessage> messages) {
        StringBuilder sb = new StringBuilder();
        for (paradec.llama.ChatMessage m : messages) {
            if (m.content().isEmpty()) continue;
            if (!sb.isEmpty()) sb.append("\n\n");
            sb.append(m.content());
        }
        return sb.toString();
    }

    public String detokenize(int[] tokens) {
        return model.vocab().detokenize(tokens, false);
    }

    public GenerationResult generate(String prompt, GenerationRequest request) {
        return generate(tokenize(prompt), request);
    }

    /**
     * Generates a continuation of the prompt's tokens.
     *
     * @throws IllegalArgumentException if the decoder does not fit the model's family, the prompt is
     *                                  empty, holds ids outside the vocabulary or leaves no room
     * @throws IllegalStateException    if the model is closed, before or during the generation, or its
     *                                  memory-mapped file changed on disk ({@link Model#checkFileUnchanged()})
     */
    public GenerationResult generate(int[] prompt, GenerationRequest request) {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(request, "request");
        return onModelThread(() -> generateHere(prompt, request));
    }

    private GenerationResult generateHere(int[] prompt, GenerationRequest request) {
        // a memory-mapped file truncated under the model would end the process at the next weight read
        model.checkFileUnchanged();
        TextAssembly text = new TextAssembly(model.vocab(), request);
        long start = System.nanoTime();
        long[] firstToken = {-1};
        TokenListener inner = text.listener();
        // time to first token: what an interactive user waits for (a diffusion model's first committed token)
        TokenListener timed = token -> {
            if (firstToken[0] < 0) firstToken[0] = System.nanoTime();
            return inner == null || inner.onToken(token);
        };
        GenerationResult raw = model.isDiffusion() ? diffusion(prompt, request, timed) : autoregressive(prompt, request, timed);
        long end = System.nanoTime();
        if (firstToken[0] >= 0) raw = raw.withExtra("first_token_ms", (firstToken[0] - start) / 1e6);
        // an AR model's generation speed counts from its first token, as llama.cpp's tools count it; a diffusion
        // model commits tokens all through its run, so its speed stays the whole run's
        if (firstToken[0] >= 0 && !model.isDiffusion()) raw = raw.withExtra(GenerationResult.AFTER_FIRST_TOKEN_MS, (end - firstToken[0]) / 1e6);
        return text.finish(raw, model.vocab().detokenize(raw.tokens(), false));
    }

    // ---- the autoregressive family ----------------------------------------------------------

    /**
     * The AR-family decoder of a name with its default settings.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    /**
     * This diffusion model as a drafter for {@link paradec.decode.SpecDiffDecoder}: a context of its own that
     * holds {@code maxSequenceLength} positions (the draft's context plus the draft), closed with this model.
     * One generation uses it at a time.
     *
     * @throws IllegalArgumentException if this is not a diffusion model
     */
    public LlamaDenoisingModel drafter(int maxSequenceLength) {
        if (!model.isDiffusion()) {
            throw new IllegalArgumentException(model.path() + " is autoregressive: specdiff's drafter must be a diffusion model "
                    + "(an autoregressive drafter drafts for the draft decoder)");
        }
        return onModelThread(() -> register(new LlamaDenoisingModel(model, maxSequenceLength, threads)));
    }

    /**
     * This autoregressive model as a drafter for {@link paradec.decode.DraftModelDecoder}: a context of its own (one
     * sequence, its own KV cache) of {@code contextLength} positions (0: the model's trained length), closed with this
     * model. One generation uses it at a time.
     *
     * @throws IllegalArgumentException if this is a diffusion model
     */
    public LlamaCausalModel causalDrafter(int contextLength) {
        if (model.isDiffusion()) {
            throw new IllegalArgumentException(model.path() + " is a diffusion model: the draft decoder's drafter must be autoregressive "
                    + "(a diffusion drafter drafts for specdiff)");
        }
        // what AR needs: one sequence, prompts in batches of 512
        ContextParams params = contextFor(new ArDecoder().needs(), contextLength);
        return onModelThread(() -> register(new LlamaCausalModel(model, params)));
    }

    /**
     * Checks that a draft model tokenizes as this one does: the same number of tokens, the same text for every id,
     * the same BOS and EOS. Speculation compares token ids, so a drafter with another vocabulary would only waste
     * calls (or, with ids beyond this model's, be refused by llama.cpp).
     *
     * @throws IllegalArgumentException naming the first difference
     */
    public void checkSameVocabulary(ParadecModel draft) {
        Vocab mine = model.vocab();
        Vocab theirs = draft.model.vocab();
        String who = draft.model.path() + " and " + model.path();
        if (mine.size() != theirs.size()) {
            throw new IllegalArgumentException(who + " have different vocabularies (" + theirs.size() + " and " + mine.size() + " tokens)");
        }
        if (mine.bos() != theirs.bos() || mine.eos() != theirs.eos()) {
            throw new IllegalArgumentException(who + " have different BOS/EOS tokens");
        }
        for (int t = 0; t < mine.size(); t++) {
            if (!mine.text(t).equals(theirs.text(t))) {
                throw new IllegalArgumentException(who + " have different vocabularies: token " + t + " is '" + theirs.text(t) + "' in the draft, '"
                        + mine.text(t) + "' here");
            }
        }
    }

    /** The names {@link #decoderNamed} knows. */
    public static final java.util.List<String> AR_DECODERS = java.util.List.of("ar", "jacobi", "lookahead", "specdiff", "draft");

    /** The decoders a benchmark of this model compares by default, the baseline first. */
    public java.util.List<String> defaultDecoders() {
        return model.isDiffusion() ? java.util.List.of("llada", "fast-dllm", "eb", "klass", "dico") : AR_DECODERS.subList(0, 3);
    }

    /**
     * Measures the cost curve of the context these needs get, now, and makes it what auto modes
     * use from here on (benchmarks start with it); null for a diffusion model.
     */
    public paradec.decode.CostCurve recalibrateCostCurve(ContextNeeds needs, int contextLength) {
        if (model.isDiffusion()) return null;
        return onModelThread(() -> {
            LlamaCausalModel causal = take(contextFor(needs, contextLength));
            try {
                return CostCurves.recalibrate(causal);
            } finally {
                give(causal, idleCausal);
            }
        });
    }

    /**
     * Checks that a decoder name is known and fits this model's family.
     *
     * @throws IllegalArgumentException naming the decoders this model can run
     */
    public void checkDecoder(String name) {
        boolean ar = AR_DECODERS.contains(name);
        boolean diffusion = Policies.NAMES.contains(name) || name.equals("vanilla");
        if (!ar && !diffusion) {
            throw new IllegalArgumentException("unknown decoder '" + name + "' (autoregressive: " + String.join(", ", AR_DECODERS)
                    + "; diffusion: " + String.join(", ", Policies.NAMES) + ")");
        }
        if (ar && model.isDiffusion()) {
            throw new IllegalArgumentException("decoder " + name + " needs an autoregressive model; " + model.path() + " is a diffusion model");
        }
        if (diffusion && !model.isDiffusion()) {
            throw new IllegalArgumentException("decoder " + name + " is an unmasking policy and needs a diffusion model; " + model.path()
                    + " is autoregressive");
        }
    }

    public static Decoder decoderNamed(String name) {
        return switch (name) {
            case "ar" -> new ArDecoder();
            case "jacobi" -> new JacobiDecoder(JacobiSettings.defaults());
            case "lookahead" -> new LookaheadDecoder(LookaheadSettings.defaults());
            case "specdiff" -> throw new IllegalArgumentException("specdiff needs a diffusion drafter: pass "
                    + "new SpecDiffDecoder(draftModel.drafter(length), k, steps) as the decoder");
            case "draft" -> throw new IllegalArgumentException("draft needs an autoregressive drafter: pass "
                    + "DraftModelDecoder.adaptive(draftModel.causalDrafter(0), k) as the decoder");
            default -> throw new IllegalArgumentException("unknown decoder '" + name + "' for an autoregressive model (ar, jacobi, lookahead)");
        };
    }

    private GenerationResult autoregressive(int[] prompt, GenerationRequest request, TokenListener listener) {
        if (request.policy() != null) throw new IllegalArgumentException("an unmasking policy needs a diffusion model; " + model.path() + " is autoregressive");
        if (request.decoderName() != null) checkDecoder(request.decoderName());
        Decoder decoder = request.decoder() != null ? request.decoder()
                : decoderNamed(request.decoderName() == null ? "ar" : request.decoderName());
        ContextParams params = contextFor(request.contextNeeds() != null ? request.contextNeeds().union(decoder.needs()) : decoder.needs(),
                request.contextLength());
        LlamaCausalModel causal = take(params);
        // the lease keeps other threads off the context for the whole generation and scopes its logits views
        try (Context.Lease lease = causal.context().acquire(); Leases helpers = holdAuxiliary(decoder)) {
            return decoder.generate(causal, prompt, new GenerationSettings(request.maxTokens(), request.sampling(), request.trace()), listener);
        } finally {
            give(causal, idleCausal);
        }
    }

    /**
     * The contexts of a decoder's auxiliary models (a drafter's), held for the generation as the model's is: their
     * logits views then live in a confined arena. Without a lease each decode's views live in a shared one, whose
     * close is a handshake with every thread of the JVM (perf: is_accessing_session, safepoint poll updates): the
     * draft decoder on code-ar spent 10-19% of its decode time in Java, 1.4-3.1% with the drafter held. Released in
     * the reverse order; models without a paradec context (a test's) hold nothing.
     */
    private static Leases holdAuxiliary(Decoder decoder) {
        Leases leases = new Leases();
        try {
            for (Object m : java.util.Objects.requireNonNullElse(decoder.auxiliaryModels(), List.<Object>of())) {
                Context c = m instanceof LlamaCausalModel causal ? causal.context() : m instanceof LlamaDenoisingModel denoising ? denoising.context() : null;
                if (c != null) leases.held.add(c.acquire());
            }
        } catch (RuntimeException e) {
            leases.close();
            throw e;
        }
        return leases;
    }

    /** Leases released in the reverse order of their taking. */
    private static final class Leases implements AutoCloseable {
        private final java.util.ArrayDeque<Context.Lease> held = new java.util.ArrayDeque<>();

        @Override
        public void close() {
            RuntimeException first = null;
            while (!held.isEmpty()) {
                try {
                    held.removeLast().close();
                } catch (RuntimeException e) {
                    if (first == null) first = e;
                    else first.addSuppressed(e);
                }
            }
            if (first != null) throw first;
        }
    }

    /** The context an AR-family decoder with these needs runs on. */
    public ContextParams contextFor(ContextNeeds needs, int contextLength) {
        int length = contextLength > 0 ? contextLength : model.contextLengthTrained() > 0 ? model.contextLengthTrained() : 4096;
        return new ContextParams(length, needs.batch(), needs.batch(), needs.sequences(), threads, needs.unifiedKv());
    }

    private LlamaCausalModel take(ContextParams params) {
        synchronized (this) {
            checkOpen();
            for (int i = 0; i < idleCausal.size(); i++) {
                LlamaCausalModel m = idleCausal.get(i);
                if (m.requested().equals(params.withThreads(0))) {
                    idleCausal.remove(i);
                    busy.put(m, true);
                    return m;
                }
            }
        }
        return register(new LlamaCausalModel(model, params));
    }

    // ---- the diffusion family ---------------------------------------------------------------

    private GenerationResult diffusion(int[] prompt, GenerationRequest request, TokenListener listener) {
        if (request.decoder() != null) {
            throw new IllegalArgumentException("decoder " + request.decoder().name() + " needs an autoregressive model; " + model.path() + " is a diffusion model");
        }
        Supplier<? extends UnmaskingPolicy> policy = request.policy() != null ? request.policy()
                : diffusionPolicy(request.decoderName() == null ? "llada" : request.decoderName());
        DiffusionSettings settings = request.diffusion() != null ? request.diffusion() : diffusionSettings(request);
        int length = prompt.length + settings.genLength();
        boolean prefixCache = request.diffusionCache() > 0;
        PrefixCachedDenoisingModel cached = prefixCache ? takeCached(length) : exactStepsOnView(length);
        if (cached != null) {
            try (Context.Lease lease = cached.context().acquire()) {
                // refreshed at every step, the view computes what the diffusion path does, block rows only
                cached.reset(prefixCache ? request.diffusionCache() : 1);
                long[] before = cached.counters();
                GenerationResult r = new DiffusionGenerator().generate(cached, prompt, settings, policy.get(), listener, request.trace());
                long[] after = cached.counters();
                java.util.Map<String, Object> extras = new java.util.LinkedHashMap<>(r.extras());
                extras.put("kv_cache", prefixCache ? "prefix" : "none");
                extras.put("causal_view", true);
                if (prefixCache) extras.put("cache_refresh", request.diffusionCache());
                extras.put("full_passes", after[0] - before[0]);
                extras.put("cached_passes", after[1] - before[1]);
                extras.put("positions_computed", after[2] - before[2]);
                return new GenerationResult(r.decoder(), r.promptTokens(), r.tokens(), r.text(), r.stopReason(), r.forwardCalls(),
                        r.wallNanos(), r.nativeNanos(), extras);
            } finally {
                give(cached, idleCached);
            }
        }
        LlamaDenoisingModel dlm = takeDenoising(length);
        try (Context.Lease lease = dlm.context().acquire()) {
            long before = dlm.computedPositions();
            GenerationResult r = new DiffusionGenerator().generate(dlm, prompt, settings, policy.get(), listener, request.trace());
            java.util.Map<String, Object> extras = new java.util.LinkedHashMap<>(r.extras());
            extras.put("kv_cache", "none");
            extras.put("causal_view", false);
            // without a cache every forward call computes the whole sequence it is given (a suffix window shortens it)
            extras.put("positions_computed", dlm.computedPositions() - before);
            return new GenerationResult(r.decoder(), r.promptTokens(), r.tokens(), r.text(), r.stopReason(), r.forwardCalls(),
                    r.wallNanos(), r.nativeNanos(), extras);
        } finally {
            give(dlm, idleDenoising);
        }
    }

    /** Where causal views are kept: {@code paradec.cache.dir}/views, default ~/.cache/paradec/views. */
    private static Path viewDir() {
        String dir = System.getProperty("paradec.cache.dir");
        return (dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "paradec")).resolve("views");
    }

    /**
     * The model's causal view (same weights, KV memory, bidirectional attention), written once into the
     * cache folder ({@link #viewDir}) and loaded on first use.
     */
    private synchronized Model causalView() {
        checkOpen();
        if (causalView == null) {
            Path view = null;
            try {
                view = paradec.gguf.CausalView.ensure(model.path(), viewDir());
                // the same placement as the model (GPU layers, RPC servers), since it replaces the model's compute
                causalView = Model.load(view, params.withProgress(null));
            } catch (IOException | LlamaException e) {
                // a view damaged on disk (a full disk, another tool) is written once more before giving up
                try {
                    if (view == null) throw e;
                    Files.deleteIfExists(view);
                    causalView = Model.load(paradec.gguf.CausalView.ensure(model.path(), viewDir()), params.withProgress(null));
                } catch (IOException | LlamaException again) {
                    again.addSuppressed(e);
                    throw new java.io.UncheckedIOException("could not write or load the causal view of " + model.path(),
                            again instanceof IOException io ? io : new IOException(again.getMessage(), again));
                }
            }
        }
        return causalView;
    }

    /**
     * Model files up to this size run exact steps on their causal view without being asked. The view is a second
     * model in memory (llama.cpp maps and reads each file whole: a one-shot run at 126k vocabulary took 253 MB
     * against 209 MB for a 35.6 MB model), so a bigger model takes the diffusion path unless asked
     * ({@code always}); there the transformer body, not the rows, is most of a decode anyway.
     */
    static final long VIEW_SIZE_LIMIT = 1L << 30;
    /** System property: {@code auto} (default), {@code always} or {@code never} run exact diffusion steps on the causal view. */
    public static final String VIEW_PROPERTY = "paradec.diffusion.view";
    private boolean viewUnusable;

    /**
     * A context on the causal view for exact (uncached) diffusion steps, or null to take the diffusion
     * path. A diffusion architecture runs through llama.cpp's encoder path, which computes the logits of
     * every position; the view computes only the rows a step reads (the current block), and at a 126k
     * vocabulary the output projection is most of a decode. {@code auto} takes the view for a model up to
     * {@link #VIEW_SIZE_LIMIT} bytes, {@code always} for any; a view that cannot be written or loaded leaves the
     * diffusion path in use.
     */
    private PrefixCachedDenoisingModel exactStepsOnView(int length) {
        String mode = System.getProperty(VIEW_PROPERTY, "auto");
        synchronized (this) {
            if (viewUnusable || mode.equals("never")) return null;
            if (causalView == null && !mode.equals("always")) {
                try {
                    if (!paradec.gguf.CausalView.TWINS.containsKey(model.metadata("general.architecture"))) return null;
                    if (Files.size(model.path()) > VIEW_SIZE_LIMIT) return null;
                } catch (IOException e) {
                    return null;
                }
            }
        }
        try {
            return takeCached(length);
        } catch (java.io.UncheckedIOException | LlamaException | IllegalArgumentException e) {
            synchronized (this) {
                checkOpen();
                viewUnusable = true;
            }
            System.getLogger("paradec").log(System.Logger.Level.WARNING,
                    "exact diffusion steps take the slower diffusion path: the causal view of " + model.path() + " is unusable: " + e.getMessage());
            return null;
        }
    }

    private PrefixCachedDenoisingModel takeCached(int length) {
        synchronized (this) {
            checkOpen();
            for (int i = 0; i < idleCached.size(); i++) {
                PrefixCachedDenoisingModel m = idleCached.get(i);
                if (m.maxSequenceLength() >= length && m.maxSequenceLength() <= 2 * length) {
                    idleCached.remove(i);
                    busy.put(m, true);
                    return m;
                }
            }
        }
        return register(new PrefixCachedDenoisingModel(model, causalView(), length, threads, 1));
    }

    private Supplier<UnmaskingPolicy> diffusionPolicy(String name) {
        checkDecoder(name);
        return Policies.named(name);
    }

    /** Generation length = maxTokens, blocks of up to 32, one step per position; greedy unless sampling says otherwise. */
    static DiffusionSettings diffusionSettings(GenerationRequest request) {
        int n = request.maxTokens();
        int block = Math.min(32, n);
        int genLength = (n + block - 1) / block * block;
        return DiffusionSettings.of(genLength, block, genLength).withTemperature(request.sampling().temperature())
                .withSeed(request.sampling().seed()).withTrimAtEog(true);
    }

    private LlamaDenoisingModel takeDenoising(int length) {
        synchronized (this) {
            checkOpen();
            for (int i = 0; i < idleDenoising.size(); i++) {
                LlamaDenoisingModel m = idleDenoising.get(i);
                if (m.maxSequenceLength() >= length && m.maxSequenceLength() <= 2 * length) {
                    idleDenoising.remove(i);
                    busy.put(m, true);
                    return m;
                }
            }
        }
        return register(new LlamaDenoisingModel(model, length, threads));
    }

    /** Marks a context made outside the lock as in use, unless the model closed meanwhile. */
    private <T extends AutoCloseable> T register(T made) {
        synchronized (this) {
            contextsMade++;
            if (!closed) {
                busy.put(made, true);
                return made;
            }
        }
        closeQuietly(made);
        throw new IllegalStateException("model is closed");
    }

    // ---- lifetime ---------------------------------------------------------------------------

    private <T extends AutoCloseable> void give(T m, List<T> idle) {
        synchronized (this) {
            busy.remove(m);
            if (!closed && idle.size() < IDLE_CONTEXTS) {
                idle.add(m);
                return;
            }
        }
        closeQuietly(m);
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("model is closed");
    }

    /**
     * Closes every context and the model. Generations running on other threads fail cleanly with
     * {@link IllegalStateException} at their next model call. Idempotent.
     */
    @Override
    public void close() {
        if (remote == null) {
            closeHere();
            return;
        }
        if (remote.lostReason() != null) {
            abandon();
            return;
        }
        try {
            onModelThread(() -> {
                closeHere();
                return null;
            });
            remote.shutdown();
        } catch (paradec.llama.RpcServerLostException e) {
            // abandoned by onModelThread: closing a model on a lost server ends here, without freeing it
        }
    }

    private void closeHere() {
        List<AutoCloseable> all;
        synchronized (this) {
            if (closed) return;
            closed = true;
            all = new ArrayList<>(idleCausal);
            all.addAll(idleDenoising);
            all.addAll(idleCached);
            all.addAll(busy.keySet());
            idleCausal.clear();
            idleDenoising.clear();
            idleCached.clear();
        }
        for (AutoCloseable c : all) closeQuietly(c);
        synchronized (this) {
            if (causalView != null) causalView.close();
        }
        model.close();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing must go on for the others; a context that fails to close is already unusable
        }
    }

    /** Streams text with stop strings, and settles the final text and stop reason. */
    private static final class TextAssembly {
        private final GenerationRequest request;
        private final TextStream stream;
        private final StopStrings stops;
        private final boolean wantsText;

        TextAssembly(Vocab vocab, GenerationRequest request) {
            this.request = request;
            this.stream = new TextStream(vocab);
            this.stops = new StopStrings(request.stop());
            this.wantsText = request.onText() != null || !request.stop().isEmpty();
        }

        TokenListener listener() {
            TokenListener user = request.onToken();
            if (!wantsText) return user;
            return token -> {
                if (user != null && !user.onToken(token)) return false;
                return deliver(stops.push(stream.push(token))) && !stops.stopped();
            };
        }

        private boolean deliver(String piece) {
            return piece.isEmpty() || request.onText() == null || request.onText().onText(piece);
        }

        GenerationResult finish(GenerationResult raw, String fullText) {
            if (wantsText && !stops.stopped()) {
                deliver(stops.push(stream.flush()));
                deliver(stops.flush());
            }
            if (stops.stopped()) {
                int at = stops.firstStop(fullText);
                return raw.withText(at >= 0 ? fullText.substring(0, at) : fullText, StopReason.STOP_STRING);
            }
            return raw.withText(fullText, raw.stopReason());
        }
    }
}
