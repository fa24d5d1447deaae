#!/usr/bin/python3
"""code-ar against code-cllm, in one run: Jacobi tokens per forward call and tokens/s on held-out code.

    cllm_bench.py [--rounds 5] [--n 50] [--out docs/bench-cllm.md]

Each round runs, for both models in turn, `bin/paradec eval --task code --n N --json` with the decoders AR,
Jacobi (--window auto) and Jacobi with a fixed 16-token window: the same 50 held-out prompts of
models/lab/code-heldout.tsv, 32 greedy tokens each. Calls, tokens per call and the continuation match are
deterministic; tokens/s are reported as median and range over the rounds (the machine is shared).
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess

MODELS = ["code-ar", "code-cllm"]
DECODERS = [("ar", []), ("jacobi", []), ("jacobi w16", ["--window", "16"])]


def run(model, decoder, extra, n):
    cmd = ["bin/paradec", "eval", "-m", f"models/{model}.gguf", "--task", "code", "--n", str(n), "--json",
           "--decoder", decoder.split()[0]] + extra
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--out", default="docs/bench-cllm.md")
    a = ap.parse_args()
    res = {(m, d): [] for m in MODELS for d, _ in DECODERS}
    for r in range(a.rounds):
        for m in (MODELS if r % 2 == 0 else MODELS[::-1]):
            for d, extra in DECODERS:
                res[(m, d)].append(run(m, d, extra, a.n))
        print(f"round {r + 1}/{a.rounds} done", flush=True)
    lines = ["# code-cllm against code-ar: Jacobi on a consistency-trained model", "",
             f"`/usr/bin/python3 models/lab/cllm_bench.py --rounds {a.rounds} --n {a.n}` on {datetime.date.today()}, "
             f"{platform.machine()} CPU, {os.cpu_count()} shared cores, one run: {a.rounds} rounds, the two models "
             "alternating, each `bin/paradec eval --task code --n N --json --decoder D` on the same held-out prompts "
             "(models/lab/code-heldout.tsv, 32 greedy tokens each). Calls are deterministic; tokens/s is the median "
             "over rounds with its range.", "",
             "| model | decoder | forward calls | tokens/call | tokens/s median (min-max) | vs AR (same model, median of per-round ratios) | continuation match |",
             "|---|---|---|---|---|---|---|"]
    for m in MODELS:
        base = res[(m, "ar")]
        for d, _ in DECODERS:
            rs = res[(m, d)]
            tps = [x["tokens_per_second"] for x in rs]
            ratio = statistics.median(x["tokens_per_second"] / b["tokens_per_second"] for x, b in zip(rs, base))
            calls = rs[0]["forward_calls"]
            lines.append(f"| {m} | {d} | {calls} | {rs[0]['generated_tokens'] / calls:.2f} | "
                         f"{statistics.median(tps):.0f} ({min(tps):.0f}-{max(tps):.0f}) | {ratio:.2f}x | "
                         f"{100 * rs[0]['accuracy']:.1f}% |")
    ar16 = {m: res[(m, "jacobi w16")][0] for m in MODELS}
    tpc = {m: ar16[m]["generated_tokens"] / ar16[m]["forward_calls"] for m in MODELS}
    lines += ["", f"Jacobi (window 16) tokens per call: code-ar {tpc['code-ar']:.2f}, code-cllm {tpc['code-cllm']:.2f} "
              f"({tpc['code-cllm'] / tpc['code-ar']:.2f}x). Each model's Jacobi output equals its own greedy AR output "
              "(lossless); the two models' outputs differ, since code-cllm's weights differ.", ""]
    with open(a.out, "w") as fh:
        fh.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
