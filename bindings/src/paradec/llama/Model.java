package paradec.llama;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import paradec.gguf.GgufFile;
import paradec.gguf.ModelCheck;
import paradec.llama.internal.LlamaLib;
import paradec.llama.internal.llama_model_params;
import paradec.llama.internal.llama_progress_callback;

/**
 * A loaded GGUF model. The native llama_model belongs to this model's arena and is freed when the
 * model is closed.
 *
 * <p>Every file is checked by the pure-Java GGUF validator before llama.cpp sees it, so a corrupt
 * or hostile file becomes an {@link IOException} instead of a native abort.
 *
 * <p>Threading: a model may be shared by threads; each of its {@link Context}s is used by one thread
 * at a time (see {@link Context}), and several contexts may run in parallel. {@link #close()} may be
 * called from any thread: it closes every context of the model first, each waiting until its holder
 * lets go, and frees the weights only after the last native call that uses them (a decode, a
 * tokenization) has returned. Calls that begin after close() started fail with
 * {@link IllegalStateException}, and so do the {@link Vocab} of a closed model.
 */
public final class Model implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment handle;
    private final Vocab vocab;
    private final Path path;
    // guards contexts and the start of close()
    private final java.util.Set<Context> contexts = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private volatile boolean closed;
    private volatile boolean abandoned;
    private final java.util.concurrent.atomic.AtomicLong decodesReturned = new java.util.concurrent.atomic.AtomicLong();

    /** Takes ownership of a llama_model: from here on closing the arena frees it. */
    private Model(Arena arena, MemorySegment rawHandle, Path path, FileState loadedFrom) {
        this.arena = arena;
        this.loadedFrom = loadedFrom;
        this.handle = rawHandle.reinterpret(arena, LlamaLib::llama_model_free);
        this.path = path;
        MemorySegment v = LlamaLib.llama_model_get_vocab(handle);
        // bound to the model's arena: a tokenization holds the model open, and fails once it is closed
        this.vocab = new Vocab(this, v.equals(MemorySegment.NULL) ? v : v.reinterpret(arena, null));
        // facts that never change, read once: no native call (and no race with close) when asked again
        this.contextLengthTrained = LlamaLib.llama_model_n_ctx_train(handle);
        this.embeddingLength = LlamaLib.llama_model_n_embd(handle);
        this.layerCount = LlamaLib.llama_model_n_layer(handle);
        this.parameterCount = LlamaLib.llama_model_n_params(handle);
        this.sizeBytes = LlamaLib.llama_model_size(handle);
        this.diffusion = LlamaLib.llama_model_is_diffusion(handle);
    }

    private final FileState loadedFrom;

    /** The identity, size and modification time of a file. */
    private record FileState(Object key, long size, java.nio.file.attribute.FileTime modified) {
        static FileState of(Path path) throws IOException {
            var a = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class);
            return new FileState(a.fileKey(), a.size(), a.lastModifiedTime());
        }
    }

    /**
     * Checks that the memory-mapped file this model reads its weights from has not been truncated or
     * rewritten since the load: reading a mapped page past a file's new end kills the process with SIGBUS,
     * and a rewritten file changes the weights under the model. A file replaced by another one (a rename
     * over it, a delete) is no danger: the mapping keeps the old file. Called before every new context
     * and generation; a change between two checks cannot be seen, which loading with
     * {@link ModelParams#withMmap ModelParams.withMmap(false)} rules out.
     *
     * @throws IllegalStateException if the file was truncated or modified in place
     */
    public void checkFileUnchanged() {
        if (loadedFrom == null) return;
        FileState now;
        try {
            now = FileState.of(path);
        } catch (IOException e) {
            return; // gone: the mapping keeps the unlinked file alive
        }
        if (loadedFrom.key() == null || !loadedFrom.key().equals(now.key())) return;
        if (now.size() != loadedFrom.size() || !now.modified().equals(loadedFrom.modified())) {
            throw new IllegalStateException(String.format("model file %s changed on disk since it was loaded (%d -> %d bytes, modified %s): "
                    + "its weights are memory-mapped, and reading them now could crash the process; load it again "
                    + "(or load with ModelParams.withMmap(false) to keep the weights in memory)", path, loadedFrom.size(), now.size(), now.modified()));
        }
    }

    private final int contextLengthTrained;
    private final int embeddingLength;
    private final int layerCount;
    private final long parameterCount;
    private final long sizeBytes;
    private final boolean diffusion;

    /**
     * The exception for a native call that lost the race with {@link #close()} on another thread:
     * the call found the model's arena closed (jextract wraps that in an AssertionError).
     */
    static RuntimeException closedDuringCall(AssertionError e) {
        if (e.getCause() instanceof IllegalStateException) return new IllegalStateException("model is closed", e.getCause());
        throw e;
    }

    /**
     * Loads a model.
     *
     * @throws NoSuchFileException if the file does not exist
     * @throws paradec.gguf.GgufFormatException if the file is not a well-formed GGUF
     * @throws ModelLoadException if llama.cpp refuses the file or the progress listener cancelled
     * @throws IOException if the file cannot be read
     */
    public static Model load(Path path, ModelParams params) throws IOException {
        if (!Files.exists(path)) throw new NoSuchFileException(path.toString(), null, "model file does not exist");
        if (!Files.isRegularFile(path)) throw new IOException(path + ": not a regular file");
        if (!Files.isReadable(path)) throw new AccessDeniedException(path.toString(), null, "model file is not readable");
        try (GgufFile file = GgufFile.open(path)) {
            // values llama.cpp would assert on (abort the process) or misread, refused before it sees them
            ModelCheck.check(file, params.vocabOnly());
        }
        NativeLibrary.ensureLoaded();

        Arena arena = Arena.ofShared();
        try {
            MemorySegment mparams = LlamaLib.llama_model_default_params(arena);
            llama_model_params.n_gpu_layers(mparams, params.gpuLayers());
            llama_model_params.vocab_only(mparams, params.vocabOnly());
            if (!params.mmap()) llama_model_params.load_mode(mparams, LlamaLib.LLAMA_LOAD_MODE_NONE());
            // what the file is now: a mapped file that changes later is refused (checkFileUnchanged)
            FileState loadedFrom = params.mmap() && !params.vocabOnly() ? FileState.of(path) : null;
            if (!params.rpcServers().isEmpty()) placeOnRpcServers(mparams, params, arena);
            boolean[] cancelled = {false};
            if (params.progress() != null) {
                var listener = params.progress();
                MemorySegment cb = llama_progress_callback.allocate((progress, user) -> {
                    try {
                        boolean go = listener.test(progress);
                        if (!go) cancelled[0] = true;
                        return go;
                    } catch (Throwable e) {
                        // nothing may unwind through native frames (an upcall that throws ends the JVM), errors included
                        cancelled[0] = true;
                        return false;
                    }
                }, arena);
                llama_model_params.progress_callback(mparams, cb);
            }
            NativeLibrary.clearError();
            MemorySegment cPath = arena.allocateFrom(path.toAbsolutePath().toString());
            MemorySegment h = LlamaLib.llama_model_load_from_file(cPath, mparams);
            if (h.equals(MemorySegment.NULL) && !cancelled[0] && !NativeLibrary.logRouted()) {
                // llama.cpp's reason went unread (its log stays native): route the log from now on, load again to read it
                NativeLibrary.routeLog();
                NativeLibrary.clearError();
                h = LlamaLib.llama_model_load_from_file(cPath, mparams);
            }
            if (h.equals(MemorySegment.NULL)) {
                throw new ModelLoadException(cancelled[0]
                        ? path + ": load cancelled by the progress listener"
                        : path + ": llama.cpp could not load this model"
                                + (NativeLibrary.firstError() != null ? ": " + NativeLibrary.firstError() : " (see the llama.cpp log lines)"));
            }
            return new Model(arena, h, path, loadedFrom);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * The devices of a model on RPC servers: the servers' devices first, then this machine's GPUs, as
     * llama.cpp orders them by default (fewest network transfers); layers are split across them by
     * {@link ModelParams#tensorSplit()} (empty: by free memory) and the rest stays on the CPU.
     */
    private static void placeOnRpcServers(MemorySegment mparams, ModelParams params, Arena arena) throws IOException {
        java.util.List<MemorySegment> devices = new java.util.ArrayList<>(Rpc.devices(params.rpcServers(), params.rpcTimeout()));
        for (long i = 0, n = LlamaLib.ggml_backend_dev_count(); i < n; i++) {
            MemorySegment dev = LlamaLib.ggml_backend_dev_get(i);
            if (LlamaLib.ggml_backend_dev_type(dev) == LlamaLib.GGML_BACKEND_DEVICE_TYPE_GPU()) devices.add(dev);
        }
        MemorySegment list = arena.allocate(java.lang.foreign.ValueLayout.ADDRESS, devices.size() + 1L); // NULL-terminated
        for (int i = 0; i < devices.size(); i++) list.setAtIndex(java.lang.foreign.ValueLayout.ADDRESS, i, devices.get(i));
        llama_model_params.devices(mparams, list);
        if (!params.tensorSplit().isEmpty()) {
            long max = LlamaLib.llama_max_devices();
            if (params.tensorSplit().size() > devices.size() || params.tensorSplit().size() > max) {
                throw new IllegalArgumentException("tensor split has " + params.tensorSplit().size() + " parts for "
                        + devices.size() + " devices");
            }
            MemorySegment split = arena.allocate(java.lang.foreign.ValueLayout.JAVA_FLOAT, max);
            for (int i = 0; i < params.tensorSplit().size(); i++) {
                split.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, params.tensorSplit().get(i).floatValue());
            }
            llama_model_params.tensor_split(mparams, split);
        }
    }

    public static Model load(Path path) throws IOException {
        return load(path, ModelParams.defaults());
    }

    MemorySegment handle() {
        checkOpen();
        return handle;
    }

    void checkOpen() {
        if (closed) throw new IllegalStateException("model is closed");
    }

    public Path path() {
        return path;
    }

    public Vocab vocab() {
        checkOpen();
        return vocab;
    }

    public int contextLengthTrained() {
        checkOpen();
        return contextLengthTrained;
    }

    public int embeddingLength() {
        checkOpen();
        return embeddingLength;
    }

    public int layerCount() {
        checkOpen();
        return layerCount;
    }

    public long parameterCount() {
        checkOpen();
        return parameterCount;
    }

    public long sizeBytes() {
        checkOpen();
        return sizeBytes;
    }

    /** True for masked-diffusion models (LLaDA, Dream, ...): no KV memory, bidirectional attention. */
    public boolean isDiffusion() {
        checkOpen();
        return diffusion;
    }

    public String description() {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment buf = tmp.allocate(256);
            int n = LlamaLib.llama_model_desc(handle(), buf, 256);
            return n < 0 ? "" : buf.getString(0);
        } catch (AssertionError e) {
            throw closedDuringCall(e);
        }
    }

    /** A metadata value as llama.cpp renders it, or null when the key is absent. */
    public String metadata(String key) {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment k = tmp.allocateFrom(key);
            int size = 256;
            while (true) {
                MemorySegment buf = tmp.allocate(size);
                int n = LlamaLib.llama_model_meta_val_str(handle(), k, buf, size);
                if (n < 0) return null;
                if (n < size) return buf.getString(0);
                size = n + 1;
            }
        } catch (AssertionError e) {
            throw closedDuringCall(e);
        }
    }

    /** The model's built-in chat template, or null. */
    public String chatTemplate() {
        try {
            return Strings.fromC(LlamaLib.llama_model_chat_template(handle(), MemorySegment.NULL));
        } catch (AssertionError e) {
            throw closedDuringCall(e);
        }
    }

    /** Creates an inference context on this model. */
    public Context newContext(ContextParams params) {
        checkFileUnchanged();
        synchronized (contexts) {
            checkOpen();
            Context c = new Context(this, params);
            contexts.add(c);
            return c;
        }
    }

    /** True once {@link #close()} has begun. */
    public boolean isClosed() {
        return closed;
    }

    /** Decodes that returned on this model's contexts so far: a heartbeat for callers watching a remote model. */
    public long decodesReturned() {
        return decodesReturned.get();
    }

    void decodeReturned() {
        decodesReturned.incrementAndGet();
    }

    /**
     * Ends this model without freeing it or its contexts: for a model whose RPC server was lost
     * ({@link Rpc}), where freeing would talk to the dead server and a decode may never return. Every
     * later call fails with {@link IllegalStateException}; the native memory stays allocated until the
     * process ends. Returns at once.
     */
    public void abandon() {
        Context[] open;
        synchronized (contexts) {
            abandoned = true;
            closed = true;
            open = contexts.toArray(new Context[0]);
            contexts.clear();
        }
        for (Context c : open) c.abandon();
    }

    void forget(Context c) {
        synchronized (contexts) {
            contexts.remove(c);
        }
    }

    /**
     * Closes every context of this model (each waits for its holder, see {@link Context#close()}),
     * then frees the model. May be called from any thread and more than once; returns once the
     * model is freed.
     */
    @Override
    public void close() {
        if (abandoned) return;
        Context[] open;
        synchronized (contexts) {
            if (abandoned) return;
            // from here on no context is created and every call on this model or its contexts fails
            closed = true;
            open = contexts.toArray(new Context[0]);
        }
        // contexts reference the model's weights: they go first
        for (Context c : open) c.close();
        synchronized (contexts) {
            // a native call on the model (tokenize, metadata, ...) that began before `closed` was set
            // holds the arena: closing it then fails, and is retried once that call has returned
            while (arena.scope().isAlive()) {
                try {
                    arena.close(); // llama_model_free
                } catch (IllegalStateException inUse) {
                    if (!arena.scope().isAlive()) break;
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                }
            }
        }
    }
}
