#!/usr/bin/python3
"""Exact-match accuracy and NFE per diffusion decoder of a tasks-dlm GGUF, through paradec's CLI.

    tasks_eval.py MODEL.gguf [--n 20] [--decoders llada,fast-dllm,...] [--gen-length 8] [--steps 8]
                  [--out OUT.json] [--md OUT.md]

Runs `bin/paradec generate -m MODEL -p "a+b=" --decoder D --gen-length L --block-length L
--steps S --json` for the first N held-out problems of tasks.py (seed HELDOUT_SEED), cuts the
text at the end marker and compares it with the true sum. Prints a markdown table (decoder,
exact match, mean NFE per prompt) and writes the per-prompt results as JSON.
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tasks  # noqa: E402

DECODERS = "llada,fast-dllm,fast-dllm-factor,eb,klass,dico"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--decoders", default=DECODERS)
    ap.add_argument("--gen-length", type=int, default=tasks.GEN_LEN)
    ap.add_argument("--steps", type=int, default=tasks.GEN_LEN)
    ap.add_argument("--paradec", default="bin/paradec")
    ap.add_argument("--out")
    ap.add_argument("--md")
    a = ap.parse_args()
    probs = tasks.heldout()[:a.n]
    rows, runs = [], []
    for d in a.decoders.split(","):
        ok = nfe = 0
        for x, y in probs:
            cmd = [a.paradec, "generate", "-m", a.model, "-p", tasks.prompt(x, y), "--decoder", d,
                   "--gen-length", str(a.gen_length), "--block-length", str(a.gen_length),
                   "--steps", str(a.steps), "--json"]
            r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            text = r["text"].split("</s>")[0].strip()
            good = text == tasks.answer(x, y)
            ok += good
            nfe += r["nfe"]
            runs.append({"decoder": d, "prompt": tasks.prompt(x, y), "answer": tasks.answer(x, y), "text": r["text"],
                         "correct": good, "nfe": r["nfe"], "forward_calls": r["forward_calls"]})
        rows.append((d, ok, len(probs), nfe / len(probs)))
        print(f"{d}: {ok}/{len(probs)} exact, NFE {nfe / len(probs):.2f}", file=sys.stderr, flush=True)
    md = ["| decoder | exact match | mean NFE per prompt | NFE vs llada |", "|---|---|---|---|"]
    base = next((r[3] for r in rows if r[0] == "llada"), None)
    for d, ok, n, f in rows:
        rel = f"{f / base:.2f}x" if base else ""
        md.append(f"| {d} | {ok}/{n} ({100 * ok / n:.0f}%) | {f:.2f} | {rel} |")
    print("\n".join(md))
    if a.md:
        with open(a.md, "w") as fh:
            fh.write("\n".join(md) + "\n")
    if a.out:
        with open(a.out, "w") as fh:
            json.dump({"model": a.model, "gen_length": a.gen_length, "steps": a.steps,
                       "table": [dict(zip(("decoder", "correct", "n", "mean_nfe"), r)) for r in rows],
                       "runs": runs}, fh, indent=1)


if __name__ == "__main__":
    main()
