#!/usr/bin/python3
"""Fills the "## Eval" table of every model card from `bin/paradec eval --json` (make eval-tables).

    eval_cards.py [--models code-ar,tasks-dlm,...] [--paradec bin/paradec] [--tasks-n 100] [--code-n 50]

For each shipped model (models/NAME.gguf with a card models/NAME.md) it runs every decoder that applies to the
model (AR, Jacobi and lookahead for causal models; every unmasking policy for diffusion models) on every task
the model was trained for, and replaces the text between <!-- eval:begin --> and <!-- eval:end --> in the card
with one table: a row per decoder, per task its accuracy, forward calls per problem, tokens per call and
tokens/s, side by side (like the DiCo paper's Table 1). The raw JSON lines go to build/lab/eval/NAME.jsonl.
Every number comes from one run of this script on one machine; tokens/s are from a shared machine and noisy.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

# "auto" sizes the window from the cost curve measured on this machine (and may fall back to plain AR steps);
# the fixed settings show what the model itself allows.
AR = [("ar", []), ("jacobi", []), ("jacobi w16", ["--window", "16"]), ("lookahead", []),
      ("lookahead W8 N4 G4", ["--window", "8", "--ngram", "4", "--guesses", "4"])]
DLM = [(p, []) for p in ("llada", "random", "origin", "entropy", "margin", "fast-dllm", "fast-dllm-factor", "eb",
                         "klass", "dico")]
MODELS = {
    "code-ar": ("code", AR),
    "code-cllm": ("code", AR),
    "code-dlm": ("code", DLM),
    "tasks-ar": ("add,sort,path", AR),
    "tasks-dlm": ("add,sort,path", DLM),
    "tasks-long-dlm": ("inc", DLM),
    "plan-ar": ("plan", AR),
    "plan-dlm": ("plan", DLM),
    "plan-mdm": ("plan", DLM),
}
BEGIN, END = "<!-- eval:begin -->", "<!-- eval:end -->"


def run(paradec, model, task, decoder, extra, n):
    cmd = [paradec, "eval", "-m", f"models/{model}.gguf", "--task", task, "--decoder", decoder.split()[0],
           "--n", str(n), "--json"] + extra
    return eval_json(cmd)


def eval_json(cmd):
    """Runs a `paradec eval ... --json` command; its result with the command line (without the launcher) added."""
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    r = json.loads(p.stdout)
    r["command"] = " ".join(cmd[1:])
    return r


def table(model, tasks, decoders, results):
    head = ["decoder"]
    for t in tasks:
        what = "continuation match" if t == "code" else "exact match"
        head += [f"{t}: {what}", f"{t}: calls/problem", f"{t}: tokens/call", f"{t}: tokens/s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, _ in decoders:
        row = [name]
        for t in tasks:
            r = results[(name, t)]
            calls = r["forward_calls"]
            row += [f"{100 * r['accuracy']:.1f}%", f"{calls / r['n']:.2f}",
                    f"{r['generated_tokens'] / calls:.2f}" if calls else "-", f"{r['tokens_per_second']:.0f}"]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--paradec", default="bin/paradec")
    ap.add_argument("--tasks-n", type=int, default=100)
    ap.add_argument("--code-n", type=int, default=50)
    a = ap.parse_args()
    os.makedirs("build/lab/eval", exist_ok=True)
    for model in a.models.split(","):
        card = f"models/{model}.md"
        if not os.path.exists(f"models/{model}.gguf") or not os.path.exists(card):
            print(f"skip {model}: no models/{model}.gguf or card", file=sys.stderr)
            continue
        text = open(card, encoding="utf-8").read()
        if BEGIN not in text or END not in text:
            raise SystemExit(f"{card} has no {BEGIN} ... {END} section")
        task_list, decoders = MODELS[model]
        tasks = task_list.split(",")
        results = {}
        with open(f"build/lab/eval/{model}.jsonl", "w") as log:
            for t in tasks:
                n = a.code_n if t == "code" else a.tasks_n
                for name, extra in decoders:
                    r = run(a.paradec, model, t, name, extra, n)
                    results[(name, t)] = r
                    log.write(json.dumps(r) + "\n")
                    print(f"{model} {t} {name}: {r['accuracy']:.3f}, {r['forward_calls']} calls, "
                          f"{r['tokens_per_second']:.0f} tok/s", file=sys.stderr, flush=True)
        out = [BEGIN, "", f"`make eval-tables` ({os.path.basename(__file__)}) on {datetime.date.today()}, "
               f"{platform.machine()} CPU, {os.cpu_count()} cores (shared: tokens/s are noisy; calls and accuracy are not). "
               "Each cell: `bin/paradec eval -m models/" + model + ".gguf --task TASK --decoder D --n N --json`, "
               + ", ".join(f"{t}: N={a.code_n if t == 'code' else a.tasks_n} held-out problems" for t in tasks)
               + ". Greedy throughout; on a causal model AR, Jacobi and lookahead must score the same (they are lossless); "
               "calls/problem is the NFE.", ""]
        out += table(model, tasks, decoders, results)
        ppl = [r for (name, t), r in results.items() if "perplexity" in r]
        if ppl:
            out += ["", f"Held-out perplexity (`--task code`, {ppl[0]['perplexity_tokens']} tokens of "
                        f"models/lab/code-heldout.txt, chunks of 256): {ppl[0]['perplexity']:.2f}."]
        out += ["", END]
        i, j = text.index(BEGIN), text.index(END) + len(END)
        with open(card, "w", encoding="utf-8") as fh:
            fh.write(text[:i] + "\n".join(out) + text[j:])
        print(f"{card}: eval table written", file=sys.stderr)


if __name__ == "__main__":
    main()
