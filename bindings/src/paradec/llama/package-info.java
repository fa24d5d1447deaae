/**
 * The safe layer over llama.cpp: {@link paradec.llama.Model}, {@link paradec.llama.Vocab},
 * {@link paradec.llama.Context}, {@link paradec.llama.Batch}. Every argument that could reach a
 * native abort is checked first; native memory is bound to arenas, so a closed object or a stale
 * logits view fails with {@link java.lang.IllegalStateException} instead of reading freed memory.
 *
 * {@snippet :
 * try (Model model = Model.load(Path.of("models/code-ar.gguf"));
 *      Context ctx = model.newContext(ContextParams.of(256));
 *      Context.Lease lease = ctx.acquire();            // this thread holds the context
 *      Batch batch = ctx.newBatch(64)) {
 *     int[] prompt = model.vocab().tokenize("def f(x):", true, true);
 *     for (int i = 0; i < prompt.length; i++) batch.add(prompt[i], i, i == prompt.length - 1, 0);
 *     ctx.decode(batch);
 *     MemorySegment row = ctx.logits(prompt.length - 1); // valid until the next decode
 * }
 * }
 *
 * <p>A context is used by one thread at a time; a call from a second thread fails at once with
 * {@link java.lang.IllegalStateException}. Several contexts of one model may run in parallel.
 */
package paradec.llama;
