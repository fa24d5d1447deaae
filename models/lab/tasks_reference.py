#!/usr/bin/python3
"""Expected values for ShippedModelTest of tasks-ar and tasks-dlm, in reference.py's format.

    tasks_reference.py CKPT_DIR OUT_PREFIX [--tasks add,sort,path] [--quant F16|Q8_0]

OUT_PREFIX.tokenize.tsv: 200 held-out problems of the three tasks written out ("prompt answer", some with
spaces and a newline) and their character ids (the tasks' vocabulary, tasks.vocab_for: plan's letters for the plan
models; no BOS). OUT_PREFIX.logits.tsv: for one held-out
prompt per task (add, sort, path; with a single task such as tasks-long-dlm's inc, its first three), the prompt ids with BOS and, from PyTorch with the weights rounded to F16 as
the file stores them (reference.load; --quant Q8_0 for a file exported with `paradec export --q8_0`):
  llada: the task's GEN_LEN masks, argmax and top-2 margin at every position, the logits of the first mask;
  llama: argmax and margin at every prompt position, the last position's logits, and 16 greedy tokens with
         their top-2 margins.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tasks  # noqa: E402
from reference import esc, load  # noqa: E402

GREEDY = 16


def row(fh, key, values, fmt="{}"):
    fh.write(key + "\t" + " ".join(fmt.format(v) for v in values) + "\n")


def main(ckpt, out, task_list=",".join(tasks.TASKS), quant="F16"):
    torch.set_num_threads(1)
    rng = np.random.default_rng(5)
    names = task_list.split(",")
    V = tasks.vocab_for(names)
    pools = {t: tasks.heldout_problems(t) for t in names}
    with open(out + ".tokenize.tsv", "w", encoding="utf-8") as fh:
        for i in range(200):
            t = names[i % len(names)]
            p, ans = pools[t][int(rng.integers(len(pools[t])))]
            s = p + ans if i % 10 else p.replace("=", " = ") + ans + "\n"
            fh.write(esc(s) + "\t" + " ".join(map(str, V.encode(s))) + "\n")
    m, props = load(ckpt, quant)
    with torch.no_grad(), open(out + ".logits.tsv", "w", encoding="utf-8") as fh:
        # ShippedModelTest reads three prompts: one per task, or the first three of a single task
        for t, k in [(t, 0) for t in names] if len(names) == 3 else [(names[0], k) for k in range(3)]:
            p, ans = pools[t][k]
            ids = [tasks.BOS] + V.encode(p)
            fh.write("prompt\t" + esc(p) + "\t" + " ".join(map(str, ids)) + "\n")
            if props["arch"] == "llada":
                g = tasks.GEN_LENS[t]
                logits = m(torch.tensor([ids + [V.mask_id] * g]))[0]
                top2 = logits.topk(2, dim=-1).values
                fh.write(f"masks\t{g}\n")
                row(fh, "argmax", logits.argmax(-1).tolist())
                row(fh, "margin", [a - b for a, b in top2.tolist()], "{:.5f}")
                row(fh, "logits", logits[len(ids)].tolist(), "{:.5f}")
                print(repr(p), "->", repr(V.decode(logits.argmax(-1)[len(ids):].tolist())), "expected", ans)
                continue
            logits = m(torch.tensor([ids]))[0]
            top2 = logits.topk(2, dim=-1).values
            seq, gm = list(ids), []
            for _ in range(GREEDY):
                last = m(torch.tensor([seq]))[0, -1]
                top = last.topk(2).values
                gm.append(float(top[0] - top[1]))
                seq.append(int(last.argmax()))
            row(fh, "argmax", logits.argmax(-1).tolist())
            row(fh, "margin", [a - b for a, b in top2.tolist()], "{:.5f}")
            row(fh, "greedy", seq[len(ids):])
            row(fh, "gmargin", gm, "{:.5f}")
            row(fh, "logits", logits[-1].tolist(), "{:.5f}")
            print(repr(p), "->", repr(V.decode(seq[len(ids):])), "expected", ans)


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("out")
    ap.add_argument("--tasks", default=",".join(tasks.TASKS))
    ap.add_argument("--quant", choices=["F16", "Q8_0"], default="F16")
    a = ap.parse_args()
    main(a.ckpt, a.out, a.tasks, a.quant)
