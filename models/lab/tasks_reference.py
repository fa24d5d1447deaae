#!/usr/bin/python3
"""Expected values for ShippedModelTest of tasks-dlm, in reference.py's format (llada blocks).

    tasks_reference.py CKPT_DIR OUT_PREFIX

OUT_PREFIX.tokenize.tsv: 200 held-out problems written out ("a+b=c", some with spaces and a
newline) and their character ids (tasks.encode, no BOS). OUT_PREFIX.logits.tsv: for 3 held-out
prompts, prompt ids with BOS, masks GEN_LEN, argmax and top-2 margin at every position, and the
logits of the first masked position, from PyTorch with the weights rounded to F16 as the file
stores them (reference.load).
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tasks  # noqa: E402
from reference import esc, load  # noqa: E402


def main(ckpt, out):
    torch.set_num_threads(1)
    held = tasks.heldout()
    rng = np.random.default_rng(5)
    with open(out + ".tokenize.tsv", "w", encoding="utf-8") as fh:
        for i in range(200):
            a, b = held[int(rng.integers(len(held)))]
            s = f"{a}+{b}={a + b}"
            if i % 10 == 0:
                s = f"{a} + {b} = {a + b}\n"
            fh.write(esc(s) + "\t" + " ".join(map(str, tasks.encode(s))) + "\n")
    m, props = load(ckpt, "F16")
    with torch.no_grad(), open(out + ".logits.tsv", "w", encoding="utf-8") as fh:
        for a, b in held[:3]:
            p = tasks.prompt(a, b)
            ids = [tasks.BOS] + tasks.encode(p)
            seq = ids + [tasks.MASK_ID] * tasks.GEN_LEN
            logits = m(torch.tensor([seq]))[0]
            top2 = logits.topk(2, dim=-1).values
            fh.write("prompt\t" + esc(p) + "\t" + " ".join(map(str, ids)) + "\n")
            fh.write(f"masks\t{tasks.GEN_LEN}\n")
            fh.write("argmax\t" + " ".join(str(int(i)) for i in logits.argmax(-1)) + "\n")
            fh.write("margin\t" + " ".join(f"{float(x - y):.5f}" for x, y in top2.tolist()) + "\n")
            fh.write("logits\t" + " ".join(f"{v:.5f}" for v in logits[len(ids)].tolist()) + "\n")
            print(repr(p), "->", repr(tasks.decode([int(i) for i in logits.argmax(-1)[len(ids):]])), a + b)


if __name__ == "__main__":
    main(*sys.argv[1:])
