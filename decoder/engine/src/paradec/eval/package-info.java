/** Held-out tasks, their scoring, and perplexity over a llama.cpp context (what {@code paradec eval} reports). */
package paradec.eval;
