#!/usr/bin/python3
"""Writes the expected values that paradec's Java test checks a shipped GGUF against.

    reference.py CKPT_DIR SPM_MODEL HELDOUT_TXT OUT_PREFIX

OUT_PREFIX.tokenize.tsv: 200 held-out snippets (fixed seed), one per line:
    escaped text TAB SentencePiece ids (no BOS)
OUT_PREFIX.logits.tsv: for each of 3 prompts, the lines
    prompt TAB escaped text TAB ids (with BOS, as llama.cpp tokenises with add_special)
    argmax TAB PyTorch argmax at every position
    greedy TAB 16 greedily generated ids (PyTorch, full recompute per token)
    logits TAB all n_vocab logits of the last position (%.5f)
The PyTorch forward pass uses the weights rounded to float16 as the exporter stores them, so
the comparison measures llama.cpp's arithmetic, not the export's rounding. Text escapes:
backslash, tab, newline, carriage return as \\\\ \\t \\n \\r.
"""
import os
import sys

import numpy as np
import sentencepiece as spm
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Config, Llama  # noqa: E402

PROMPTS = ["def ", "import os\nimport sys\n\n\nclass ", "    def __init__(self, "]
FILE_SEP = "\x00\n"


def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def load(ckpt):
    props = {}
    for line in open(os.path.join(ckpt, "config.properties")):
        k, v = line.rstrip("\n").split("=", 1)
        props[k] = v
    fields = Config.__dataclass_fields__
    kw = {}
    for k, f in fields.items():
        if k in props:
            t = f.type if isinstance(f.type, type) else eval(f.type)
            kw[k] = (props[k] == "true") if t is bool else t(props[k])
    cfg = Config(**kw)
    m = Llama(cfg)
    arrays = dict(np.load(os.path.join(ckpt, "weights.npz")))
    for k, v in arrays.items():
        if v.ndim >= 2:
            arrays[k] = v.astype(np.float16).astype(np.float32)
    m.load_arrays(arrays)
    m.eval()
    return m, props


def main(ckpt, spm_model, heldout, out):
    torch.set_num_threads(2)
    sp = spm.SentencePieceProcessor(model_file=spm_model)
    docs = open(heldout, encoding="utf-8").read().split(FILE_SEP)
    rng = np.random.default_rng(5)
    with open(out + ".tokenize.tsv", "w", encoding="utf-8") as fh:
        for _ in range(200):
            d = docs[rng.integers(len(docs))]
            a = int(rng.integers(0, max(1, len(d) - 400)))
            s = d[a:a + int(rng.integers(1, 400))]
            fh.write(esc(s) + "\t" + " ".join(map(str, sp.encode(s))) + "\n")
    m, props = load(ckpt)
    with torch.no_grad(), open(out + ".logits.tsv", "w", encoding="utf-8") as fh:
        for p in PROMPTS:
            ids = [sp.bos_id()] + sp.encode(p)
            logits = m(torch.tensor([ids]))[0]
            seq = list(ids)
            for _ in range(16):
                seq.append(int(m(torch.tensor([seq]))[0, -1].argmax()))
            fh.write("prompt\t" + esc(p) + "\t" + " ".join(map(str, ids)) + "\n")
            fh.write("argmax\t" + " ".join(str(int(i)) for i in logits.argmax(-1)) + "\n")
            fh.write("greedy\t" + " ".join(map(str, seq[len(ids):])) + "\n")
            fh.write("logits\t" + " ".join(f"{v:.5f}" for v in logits[-1].tolist()) + "\n")
            print(repr(p), "->", repr(sp.decode(seq[len(ids):])))


if __name__ == "__main__":
    main(*sys.argv[1:5])
