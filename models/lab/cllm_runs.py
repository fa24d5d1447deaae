#!/usr/bin/python3
"""Compares consistency-training runs (train_cllm.py output directories) with code-ar on the numbers that decide
whether a CLLM is worth shipping: how many tokens Jacobi accepts per forward call, and what the text costs.

    cllm_runs.py RUN_DIR[=LABEL] ... [--out docs/cllm-runs.md]

Per run (and for code-ar, the start of every run): the F16 export of its checkpoint (`bin/paradec export`, cached
as RUN_DIR/f16.gguf); `bin/paradec eval --task code --n 50 --json` with Jacobi (window 16) and lookahead
(W8 N4 G4): forward calls and tokens per call on 50 held-out prompts x 32 greedy tokens, and held-out perplexity
on 18,901 tokens; and from the PyTorch checkpoint, 64 greedy tokens on the same prompts: the share of repeated 4-grams
(the text looping) and the common prefix with code-ar's continuation. All deterministic: one run of this script.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

import sentencepiece as spm
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Llama, read_checkpoint  # noqa: E402
from train_cllm import greedy_agreement  # noqa: E402

START = "build/lab/code-ar/stage2"
# A fixed window: `--window auto` sizes it from a cost curve measured at run time, which is not deterministic.
DECODERS = [("jacobi w16", ["--window", "16"]), ("lookahead W8 N4 G4", ["--window", "8", "--ngram", "4", "--guesses", "4"])]


def load(run):
    cfg, weights, _ = read_checkpoint(os.path.join(run, "ckpt"))
    m = Llama(cfg)
    m.load_arrays(weights)
    return m.eval()


def paradec_eval(gguf, decoder, extra):
    cmd = ["bin/paradec", "eval", "-m", gguf, "--task", "code", "--n", "50", "--json", "--decoder",
           decoder.split()[0]] + extra
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def describe(run):
    path = os.path.join(run, "summary.json")
    s = json.load(open(path)) if os.path.exists(path) else {}
    if "objective" not in s and "ar_weight" not in s:
        return "code-ar (start)"
    obj = s.get("objective", "hard")
    parts = [obj, f"lr {s['lr']:g}", f"AR/corpus weight {s['ar_weight']:g}"]
    if s.get("consistency_weight", 1) != 1:
        parts.append(f"consistency weight {s['consistency_weight']:g}")
    if s.get("anchor_weight"):
        parts.append(f"anchor {s['anchor_weight']:g}")
    if s.get("unlikelihood"):
        parts.append(f"unlikelihood {s['unlikelihood']:g} on looping fixed-point tokens")
    if s.get("skip_repeats"):
        parts.append("skip repeats")
    if s.get("confident"):
        parts.append(f"targets where code-ar's p >= {s['confident']:g}")
    if s.get("trajectories", 200) != 200:
        parts.append(f"{s['trajectories']} trajectories")
    parts.append(f"{s['train_seconds'] / 60:.0f} min")
    return ", ".join(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--out", default="docs/cllm-runs.md")
    ap.add_argument("--tokenizer", default="build/lab/tokenizer/spm.model")
    ap.add_argument("--start", default=START,
                    help="code-ar's checkpoint run directory (gguf_checkpoint.py models/code-ar.gguf ... makes one "
                         "where the training run is gone)")
    a = ap.parse_args()
    torch.set_num_threads(2)
    sp = spm.SentencePieceProcessor(model_file=a.tokenizer)
    start = load(a.start)
    rows = []
    for spec in [a.start] + a.runs:
        run, _, label = spec.partition("=")
        gguf = os.path.join(run, "f16.gguf")
        if not os.path.exists(gguf):
            subprocess.run(["bin/paradec", "export", os.path.join(run, "ckpt"), "-o", gguf], check=True,
                           capture_output=True)
        ev = {d: paradec_eval(gguf, d, extra) for d, extra in DECODERS}
        # train_cllm.py measures the same at the end of a run; older runs' summaries lack it
        summary = os.path.join(run, "summary.json")
        g = (json.load(open(summary)).get("greedy_vs_start") if os.path.exists(summary) else None) \
            or greedy_agreement(load(run), start, sp, "models/lab/code-heldout.tsv")
        rows.append((label or ("code-ar" if run == a.start else os.path.basename(run)), describe(run), ev, g))
        print(rows[-1][0], {d: ev[d]["forward_calls"] for d in ev}, g, flush=True)
    base = rows[0][2]["jacobi w16"]
    base_tpc = base["generated_tokens"] / base["forward_calls"]
    lines = ["# Consistency-training runs against code-ar", "",
             f"`/usr/bin/python3 models/lab/cllm_runs.py {' '.join(sys.argv[1:])}` on {datetime.date.today()}. Each run is "
             "one `train_cllm.py` run from code-ar on the same 200 Jacobi trajectories "
             "(`build/lab/code-cllm/trajectories.jsonl`) unless its recipe names another count (then the first N of "
             "`collect_trajectories.py --prompts N`, half from random guesses). Jacobi and lookahead columns: `bin/paradec eval --task code "
             "--n 50` on the F16 export (50 held-out prompts x 32 greedy tokens; calls are deterministic). Perplexity: the "
             "same command's 18,901 held-out tokens. Repeated 4-grams and common prefix: 64 greedy tokens from "
             "the PyTorch checkpoint on the same 50 prompts; the share of 4-grams that already occurred in the "
             "continuation (a looping text scores near 1) and the tokens shared with code-ar's continuation.", "",
             "| run | recipe | Jacobi w16 tokens/call | vs code-ar | lookahead W8 N4 G4 tokens/call | perplexity | "
             "repeated 4-grams | common prefix with code-ar (of 64) |",
             "|---|---|---|---|---|---|---|---|"]
    for label, recipe, ev, g in rows:
        w16, la = ev["jacobi w16"], ev["lookahead W8 N4 G4"]
        tpc = w16["generated_tokens"] / w16["forward_calls"]
        lines.append(f"| {label} | {recipe} | {tpc:.2f} | {tpc / base_tpc:.2f}x | "
                     f"{la['generated_tokens'] / la['forward_calls']:.2f} | {w16['perplexity']:.1f} | "
                     f"{100 * g['repeated_4grams']:.0f}% | {g['common_prefix']:.1f} |")
    lines.append("")
    with open(a.out, "w") as fh:
        fh.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
