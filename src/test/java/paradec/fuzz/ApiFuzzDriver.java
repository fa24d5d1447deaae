package paradec.fuzz;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import paradec.decode.SamplingSettings;
import paradec.diffusion.DiffusionSettings;
import paradec.engine.GenerationRequest;
import paradec.engine.ParadecModel;
import paradec.llama.Batch;
import paradec.llama.Context;
import paradec.llama.ContextParams;
import paradec.llama.LlamaException;
import paradec.llama.Model;
import paradec.llama.ModelParams;
import paradec.testing.TestModels;

/**
 * Runs in a child JVM ({@link ChildJvm}): random sequences of public Java API calls, in any order, on the
 * shipped models: loads and closes of {@link ParadecModel} and {@link Model}, generations with every decoder
 * (and names that do not fit), listeners that throw (exceptions and errors) or cancel, generations on other
 * threads while the model is closed, contexts, batches and their accessors, logits views kept past the next
 * decode or close, KV calls with any arguments, tokenize/detokenize of hostile text and ids, and every call
 * after close. Arguments: the first case, the seed, the number of cases.
 *
 * <p>Each call must return or throw a clean exception (IllegalArgumentException, IllegalStateException,
 * IndexOutOfBoundsException, LlamaException, IOException, or the listener's own throwable), and a model
 * whose listener threw must still generate. Anything else is BAD; a death or hang is seen by the parent.
 */
public final class ApiFuzzDriver {
    private ApiFuzzDriver() {}

    static final String[] MODELS = {"code-ar", "code-dlm", "tasks-ar", "tasks-dlm"};
    static final String[] DECODERS = {"ar", "jacobi", "lookahead", "specdiff", "draft", "llada", "random", "origin", "entropy", "margin",
        "fast-dllm", "fast-dllm-factor", "eb", "klass", "dico", "no-such"};

    /** A throwable a listener threw on purpose: it may come back out of the call. */
    static final class Planted extends RuntimeException {
        Planted() {
            super("planted by the fuzzer");
        }
    }

    static final class PlantedError extends Error {
        PlantedError() {
            super("planted by the fuzzer");
        }
    }

    public static void main(String[] args) {
        int from = Integer.parseInt(args[0]);
        long seed = Long.parseLong(args[1]);
        int count = Integer.parseInt(args[2]);
        ChildJvm.cases(from, count, 120, i -> "seed " + seed + " case " + i, i -> new ApiFuzzDriver.Run(seed, i).run());
    }

    /** One case: a sequence of calls with its objects. */
    static final class Run {
        final SplittableRandom r;
        final List<ParadecModel> paradecModels = new ArrayList<>();
        final List<Model> models = new ArrayList<>();
        final List<Context> contexts = new ArrayList<>();
        final List<Batch> batches = new ArrayList<>();
        final List<MemorySegment> views = new ArrayList<>();
        final List<Thread> threads = new ArrayList<>();
        final List<String> log = new ArrayList<>();
        volatile String backgroundFailure;

        Run(long seed, int index) {
            r = new SplittableRandom(seed * 1_000_003L + index);
        }

        String run() throws InterruptedException {
            int calls = 10 + r.nextInt(30);
            String failure = null;
            for (int k = 0; k < calls && failure == null; k++) failure = step();
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(60));
                if (t.isAlive() && failure == null) failure = "a generation thread did not end within 60 s";
            }
            for (Batch b : batches) b.close();
            for (Context c : contexts) c.close();
            for (Model m : models) m.close();
            for (ParadecModel m : paradecModels) m.close();
            if (failure == null) failure = backgroundFailure;
            if (failure != null) return "BAD " + failure + " after " + String.join(", ", log);
            // what the calls came to, e.g. "generate 5, generate -> Planted 2, decode -> IllegalStateException 1"
            var tally = new java.util.TreeMap<String, Integer>();
            for (String l : log) tally.merge(l, 1, Integer::sum);
            return "OK " + calls + " calls: " + tally;
        }

        /** One random call; null when it ended as allowed, else what went wrong. */
        String step() {
            int what = r.nextInt(100);
            String name = "?";
            try {
                if (what < 8 || paradecModels.isEmpty() && models.isEmpty()) {
                    name = "load";
                    Path f = TestModels.root().resolve("models/" + MODELS[r.nextInt(MODELS.length)] + ".gguf");
                    if (r.nextBoolean()) {
                        ModelParams p = ModelParams.defaults();
                        if (r.nextInt(4) == 0) p = p.withProgress(progress -> {
                            if (r.nextBoolean()) throw new PlantedError();
                            return r.nextInt(8) != 0; // sometimes cancels the load
                        });
                        paradecModels.add(ParadecModel.load(f, p, r.nextInt(3)));
                    } else {
                        models.add(Model.load(f, r.nextInt(5) == 0 ? ModelParams.vocabOnlyParams() : ModelParams.defaults()));
                    }
                } else if (what < 14) {
                    name = "close";
                    closeSomething();
                } else if (what < 38) {
                    name = "generate";
                    if (!paradecModels.isEmpty()) return generate(pick(paradecModels), false, r);
                } else if (what < 44) {
                    name = "generate on another thread, close meanwhile";
                    if (!paradecModels.isEmpty()) {
                        ParadecModel m = pick(paradecModels);
                        SplittableRandom own = r.split(); // the thread's own: the case stays a function of its seed
                        Thread t = Thread.ofPlatform().start(() -> {
                            String f = generate(m, true, own);
                            if (f != null) backgroundFailure = f;
                        });
                        threads.add(t);
                        Thread.sleep(r.nextInt(30));
                        if (r.nextBoolean()) m.close();
                    }
                } else if (what < 56) {
                    name = "vocab";
                    vocab();
                } else if (what < 64) {
                    name = "new context";
                    Model m = anyModel();
                    if (m != null) {
                        int[] lengths = {-1, 0, 1, 8, 64, 256};
                        contexts.add(m.newContext(new ContextParams(lengths[r.nextInt(lengths.length)], 1 + r.nextInt(64), 1 + r.nextInt(64),
                                1 + r.nextInt(4), r.nextInt(4), r.nextBoolean())));
                    }
                } else if (what < 70) {
                    name = "new batch";
                    if (!contexts.isEmpty()) batches.add(pick(contexts).newBatch(r.nextInt(-1, 70), r.nextInt(0, 3)));
                } else if (what < 78) {
                    name = "batch add";
                    if (!batches.isEmpty()) {
                        Batch b = pick(batches);
                        b.add(r.nextInt(-2, 5000), r.nextInt(-2, 300), r.nextBoolean(), r.nextInt(-1, 5));
                    }
                } else if (what < 86) {
                    name = "decode";
                    if (!contexts.isEmpty() && !batches.isEmpty()) pick(contexts).decode(pick(batches));
                } else if (what < 90) {
                    name = "logits";
                    if (!contexts.isEmpty()) {
                        Context c = pick(contexts);
                        views.add(r.nextBoolean() ? c.logits(r.nextInt(-1, 8)) : c.outputLogits());
                    }
                } else if (what < 94) {
                    name = "read a logits view";
                    if (!views.isEmpty()) {
                        MemorySegment v = pick(views);
                        if (v.byteSize() >= 4) v.get(ValueLayout.JAVA_FLOAT, 4L * r.nextInt((int) Math.min(Integer.MAX_VALUE, v.byteSize() / 4)));
                    }
                } else if (what < 98) {
                    name = "kv";
                    if (!contexts.isEmpty()) kv(pick(contexts));
                } else {
                    name = "batch accessors";
                    if (!batches.isEmpty()) {
                        Batch b = pick(batches);
                        int i = r.nextInt(-1, 4);
                        b.token(i);
                        b.position(i);
                        b.isOutput(i);
                        b.clear();
                    }
                }
                log.add(name);
                return null;
            } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException | LlamaException | IOException
                     | Planted | PlantedError e) {
                log.add(name + " -> " + e.getClass().getSimpleName());
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return name + " was interrupted";
            } catch (Throwable e) {
                return name + " threw " + e;
            }
        }

        /** A generation with random settings and listeners; null when it ended as allowed. */
        String generate(ParadecModel m, boolean background, SplittableRandom r) {
            String decoder = DECODERS[r.nextInt(DECODERS.length)];
            boolean diffusionName = !ParadecModel.AR_DECODERS.contains(decoder) && !decoder.equals("no-such");
            int listener = r.nextInt(6);
            int[] seen = {0};
            int throwAt = r.nextInt(1, 5);
            GenerationRequest q = GenerationRequest.of(decoder).maxTokens(1 + r.nextInt(8));
            if (diffusionName) q = q.diffusion(DiffusionSettings.of(4, r.nextBoolean() ? 4 : 2, 1 + r.nextInt(4)));
            if (r.nextBoolean()) q = q.sampling(new SamplingSettings(r.nextDouble(0, 2), r.nextInt(0, 50), r.nextDouble(0, 1), r.nextLong()));
            if (r.nextInt(4) == 0) q = q.contextLength(r.nextInt(0, 300));
            q = switch (listener) {
                case 0 -> q.onToken(t -> {
                    if (++seen[0] >= throwAt) throw new Planted();
                    return true;
                });
                case 1 -> q.onText(s -> {
                    if (++seen[0] >= throwAt) throw new PlantedError();
                    return true;
                });
                case 2 -> q.onToken(t -> ++seen[0] < throwAt); // cancels
                default -> q;
            };
            String prompt = r.nextInt(3) == 0 ? CliFuzzDriver.prompt(r, 16) : m.model().path().toString().contains("tasks") ? "12+34=" : "def f(x):";
            try {
                m.generate(prompt, q);
            } catch (IllegalArgumentException | IllegalStateException | LlamaException | Planted | PlantedError e) {
                if (background || !(e instanceof Planted || e instanceof PlantedError)) return null;
                // a listener that threw leaves the model as it was: it must generate again
                try {
                    String again = m.model().path().toString().contains("tasks") ? "12+34=" : "def f(x):";
                    m.generate(again, GenerationRequest.defaults().maxTokens(2).diffusion(DiffusionSettings.of(2, 2, 2)));
                } catch (IllegalStateException closed) {
                    return null; // closed meanwhile by a background call
                } catch (Throwable t) {
                    return "after a listener threw " + e.getClass().getSimpleName() + ", the next generation threw " + t;
                }
                return null;
            } catch (Throwable e) {
                return "generate(" + decoder + ") threw " + e;
            }
            return null;
        }

        void vocab() {
            Model m = anyModel();
            if (m == null) return;
            var v = m.vocab();
            switch (r.nextInt(4)) {
                case 0 -> v.tokenize(CliFuzzDriver.prompt(r, 32), r.nextBoolean(), r.nextBoolean());
                case 1 -> {
                    int[] ids = new int[r.nextInt(8)];
                    for (int k = 0; k < ids.length; k++) ids[k] = r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(-1, 100);
                    v.detokenize(ids, r.nextBoolean());
                }
                case 2 -> v.pieceBytes(r.nextInt(-2, 5000), r.nextBoolean());
                default -> v.text(r.nextInt(-2, 5000));
            }
        }

        void kv(Context c) {
            int a = r.nextInt(-2, 6), b = r.nextInt(-2, 6), from = r.nextInt(-2, 300), to = r.nextInt(-2, 300);
            switch (r.nextInt(7)) {
                case 0 -> c.removeTokens(a, from, to);
                case 1 -> c.copySequence(a, b, from, to);
                case 2 -> c.keepSequence(a);
                case 3 -> c.maxPosition(a);
                case 4 -> c.clearMemory();
                case 5 -> c.setThreads(new int[] {-1, 0, 1, 2, 513, 100_000}[r.nextInt(6)]);
                default -> c.setCausalAttention(r.nextBoolean());
            }
        }

        void closeSomething() {
            switch (r.nextInt(4)) {
                case 0 -> {
                    if (!paradecModels.isEmpty()) pick(paradecModels).close();
                }
                case 1 -> {
                    if (!models.isEmpty()) pick(models).close();
                }
                case 2 -> {
                    if (!contexts.isEmpty()) pick(contexts).close();
                }
                default -> {
                    if (!batches.isEmpty()) pick(batches).close();
                }
            }
        }

        Model anyModel() {
            List<Model> all = new ArrayList<>(models);
            for (ParadecModel p : paradecModels) all.add(p.model());
            return all.isEmpty() ? null : pick(all);
        }

        <T> T pick(List<T> list) {
            return list.get(r.nextInt(list.size()));
        }
    }
}
