package paradec.llama;

/** llama.cpp's own performance counters of a context (llama_perf_context_data). */
public record PerfData(double startMs, double loadMs, double promptEvalMs, double evalMs, int promptTokens, int evalTokens, int graphReuses) {}
