#!/usr/bin/python3
"""Writes the expected values that paradec's Java test checks a shipped GGUF against.

    reference.py CKPT_DIR SPM_MODEL HELDOUT_TXT OUT_PREFIX [--quant F16|Q8_0]

OUT_PREFIX.tokenize.tsv: 200 held-out snippets (fixed seed), one per line:
    escaped text TAB SentencePiece ids (no BOS)
OUT_PREFIX.logits.tsv: for each of 3 prompts, the lines
    prompt TAB escaped text TAB ids (with BOS, as llama.cpp tokenises with add_special)
    argmax TAB PyTorch argmax at every position
    margin TAB top-1 minus top-2 logit at every position
    greedy TAB 16 greedily generated ids (PyTorch, full recompute per token)
    gmargin TAB the top-1 minus top-2 logit of each greedy step
    logits TAB all n_vocab logits of the last position (%.5f)
For a diffusion (llada) checkpoint each block is instead: prompt (ids with BOS, without masks),
masks TAB 16 (that many mask tokens follow the prompt), argmax and margin at every position of
the whole sequence (bidirectional attention, no shift), and logits of the first masked position.
The PyTorch forward pass uses the weights rounded as the shipped file stores them (F16, or
ggml's Q8_0: blocks of 32 along a row, scale max|x|/127 stored as F16), so the comparison
measures llama.cpp's arithmetic, not the export's rounding. (llama.cpp's CPU kernels also
round the activations: to F16 for F16 weights, to Q8_0 for Q8_0 weights; the test's
tolerance allows for that, and it compares argmaxes only where the margin is clear.) Text escapes:
backslash, tab, newline, carriage return as \\\\ \\t \\n \\r.
"""
import os
import sys

import numpy as np
import sentencepiece as spm
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Llama, read_checkpoint  # noqa: E402

PROMPTS = ["def ", "import os\nimport sys\n\n\nclass ", "    def __init__(self, "]
FILE_SEP = "\x00\n"


def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def q8_0(v):
    """ggml's Q8_0 round trip of a float32 matrix (rows of a multiple of 32)."""
    b = v.reshape(-1, 32).astype(np.float32)
    amax = np.abs(b).max(axis=1, keepdims=True)
    d = amax / 127.0
    inv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1), 0.0)
    q = np.round(b * inv)  # ggml uses roundf (half away from zero); ties are vanishingly rare
    return (q * d.astype(np.float16).astype(np.float32)).reshape(v.shape).astype(np.float32)


def load(ckpt, quant="F16"):
    cfg, arrays, props = read_checkpoint(ckpt)
    m = Llama(cfg)
    for k, v in arrays.items():
        if v.ndim >= 2:
            arrays[k] = q8_0(v) if quant == "Q8_0" else v.astype(np.float16).astype(np.float32)
    m.load_arrays(arrays)
    m.eval()
    return m, props


def main(ckpt, spm_model, heldout, out, quant="F16"):
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
    m, props = load(ckpt, quant)
    with torch.no_grad(), open(out + ".logits.tsv", "w", encoding="utf-8") as fh:
        for p in PROMPTS:
            if props["arch"] == "llada":
                ids = [sp.bos_id()] + sp.encode(p)
                mask_id = int(props["mask_token_id"])
                seq = ids + [mask_id] * 16
                logits = m(torch.tensor([seq]))[0]
                top2 = logits.topk(2, dim=-1).values
                fh.write("prompt\t" + esc(p) + "\t" + " ".join(map(str, ids)) + "\n")
                fh.write("masks\t16\n")
                fh.write("argmax\t" + " ".join(str(int(i)) for i in logits.argmax(-1)) + "\n")
                fh.write("margin\t" + " ".join(f"{float(a - b):.5f}" for a, b in top2.tolist()) + "\n")
                fh.write("logits\t" + " ".join(f"{v:.5f}" for v in logits[len(ids)].tolist()) + "\n")
                print(repr(p), "->", repr(sp.decode([int(i) for i in logits.argmax(-1)[len(ids):]])))
                continue
            ids = [sp.bos_id()] + sp.encode(p)
            logits = m(torch.tensor([ids]))[0]
            seq = list(ids)
            gm = []
            for _ in range(16):
                last = m(torch.tensor([seq]))[0, -1]
                top = last.topk(2).values
                gm.append(float(top[0] - top[1]))
                seq.append(int(last.argmax()))
            top2 = logits.topk(2, dim=-1).values
            fh.write("prompt\t" + esc(p) + "\t" + " ".join(map(str, ids)) + "\n")
            fh.write("argmax\t" + " ".join(str(int(i)) for i in logits.argmax(-1)) + "\n")
            fh.write("margin\t" + " ".join(f"{float(a - b):.5f}" for a, b in top2.tolist()) + "\n")
            fh.write("greedy\t" + " ".join(map(str, seq[len(ids):])) + "\n")
            fh.write("gmargin\t" + " ".join(f"{g:.5f}" for g in gm) + "\n")
            fh.write("logits\t" + " ".join(f"{v:.5f}" for v in logits[-1].tolist()) + "\n")
            print(repr(p), "->", repr(sp.decode(seq[len(ids):])))


if __name__ == "__main__":
    args = sys.argv[1:]
    q = "F16"
    if "--quant" in args:
        i = args.index("--quant")
        q = args[i + 1]
        del args[i:i + 2]
    main(*args, quant=q)
