#!/usr/bin/python3
"""Every unmasking policy on the long-answer task (tasks-long-dlm, `--task inc`): accuracy and NFE, one table.

    long_policies.py [--model models/tasks-long-dlm.gguf] [--heldout FILE] [--n N] [--block 24] [--out FILE]
                     [--card models/tasks-long-dlm.md] [--extra NAME=ARGS ...]

Runs `bin/paradec eval --task inc --decoder D --gen-length 72 --block-length B --steps 72 --threads 1 --json` for
every diffusion policy (vanilla LLaDA commits one position per step, so steps = the answer's 72 positions) and
writes a markdown table: exact match, forward calls per problem (the NFE), NFE as a fraction of vanilla's, tokens
per call, tokens/s. The default layout follows the DiCo paper's GSM8K setting scaled to this answer (LLaDA's
semi-autoregressive blocks, steps = generation length: vanilla's 256 steps there, 72 here). --heldout
models/lab/tasks-inc-dev.tsv runs the tuning set instead (problems never in the held-out file); --extra adds rows,
e.g. `--extra "dico f2=--factor 2"`. --out and --card replace the file's <!-- policies:begin --> ...
<!-- policies:end --> section (the notes around it stay).
"""
import argparse
import datetime
import os
import platform
import shlex
import sys

from eval_cards import eval_json

POLICIES = ["llada", "random", "origin", "entropy", "margin", "fast-dllm", "fast-dllm-factor", "eb", "klass", "dico"]
GEN = 72
BEGIN, END = "<!-- policies:begin -->", "<!-- policies:end -->"


def run(paradec, model, heldout, n, block, decoder, extra):
    cmd = [paradec, "eval", "-m", model, "--task", "inc", "--decoder", decoder, "--gen-length", str(GEN),
           "--block-length", str(block), "--steps", str(GEN), "--threads", "1", "--json"] + extra
    if heldout:
        cmd += ["--heldout", heldout]
    if n:
        cmd += ["--n", str(n)]
    return eval_json(cmd)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/tasks-long-dlm.gguf")
    ap.add_argument("--paradec", default="bin/paradec")
    ap.add_argument("--heldout", default=None, help="default: the task's held-out file (models/lab/tasks-inc-heldout.tsv)")
    ap.add_argument("--n", type=int, default=0, help="problems (default: all)")
    ap.add_argument("--block", type=int, default=24)
    ap.add_argument("--policies", default=",".join(POLICIES))
    ap.add_argument("--extra", action="append", default=[], help="'DECODER LABEL=ARGS': one more row")
    ap.add_argument("--out", default=None, help="markdown file (default: stdout)")
    ap.add_argument("--card", default=None)
    a = ap.parse_args()
    rows = [(p, p, []) for p in a.policies.split(",") if p]
    for e in a.extra:
        head, args = e.split("=", 1)
        decoder, label = head.split(" ", 1) if " " in head else (head, head)
        rows.append((f"{decoder} ({label})", decoder, shlex.split(args)))
    results = []
    for label, decoder, extra in rows:
        r = run(a.paradec, a.model, a.heldout, a.n, a.block, decoder, extra)
        results.append((label, r))
        print(f"{label}: {100 * r['accuracy']:.1f}%, {r['forward_calls'] / r['n']:.2f} calls/problem", file=sys.stderr, flush=True)
    base = next((r for label, r in results if label == "llada"), None)
    n = results[0][1]["n"]
    heldout = a.heldout or "models/lab/tasks-inc-heldout.tsv"
    cmdline = "/usr/bin/python3 models/lab/long_policies.py" + "".join(
        f" {k} {shlex.quote(str(v))}" for k, v in (("--heldout", a.heldout), ("--n", a.n or None),
                                                      ("--block", a.block if a.block != 24 else None)) if v)
    cmdline += "".join(f" --extra {shlex.quote(e)}" for e in a.extra)
    cmdline += "".join(f" {k} {v}" for k, v in (("--out", a.out), ("--card", a.card)) if v)
    lines = [f"Measured {datetime.date.today()} on {platform.machine()}, {os.cpu_count()} shared cores, 1 thread "
             f"(tokens/s are noisy; calls and accuracy are not). Model `{a.model}`; {n} problems of `{heldout}`; "
             f"generation length {GEN} (71 answer characters and `</s>`), blocks of {a.block}, {GEN} steps, greedy. "
             f"Each row: `bin/paradec eval -m {a.model} --task inc --decoder D --gen-length {GEN} --block-length "
             f"{a.block} --steps {GEN} --threads 1 --json`. Regenerate: `{cmdline}`.", "",
             "| decoder | exact match | NFE (calls/problem) | NFE vs vanilla | accuracy vs vanilla (points) | tokens/call | tokens/s |",
             "|---|---|---|---|---|---|---|"]
    for label, r in results:
        calls = r["forward_calls"] / r["n"]
        rel = f"{calls / (base['forward_calls'] / base['n']):.3f}x" if base else "-"
        dacc = f"{100 * (r['accuracy'] - base['accuracy']):+.1f}" if base else "-"
        tpc = r["generated_tokens"] / r["forward_calls"] if r["forward_calls"] else 0
        lines.append(f"| {label} | {100 * r['accuracy']:.1f}% | {calls:.2f} | {rel} | {dacc} | {tpc:.2f} | "
                     f"{r['tokens_per_second']:.0f} |")
    text = "\n".join(lines) + "\n"
    if a.out:
        fill(a.out, text, required=False)
    else:
        sys.stdout.write(text)
    if a.card:
        fill(a.card, text, required=True)


def fill(path, text, required):
    """Replaces the file's <!-- policies:begin --> ... <!-- policies:end --> section (the notes around it stay); a file
    without one is written whole (an error for a card, which must have it)."""
    old = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    section = BEGIN + "\n\n" + text + "\n" + END
    if BEGIN in old and END in old:
        i, j = old.index(BEGIN), old.index(END) + len(END)
        new = old[:i] + section + old[j:]
    elif required:
        raise SystemExit(f"{path} has no {BEGIN} ... {END} section")
    else:
        new = section + "\n"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(new)

if __name__ == "__main__":
    main()
