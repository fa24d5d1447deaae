#!/usr/bin/python3
"""Synthetic tasks with exact answers for the diffusion benchmark: multi-digit addition.

    tasks.py vocab OUT.tsv                       character vocabulary (vocab.tsv format, mask token last)
    tasks.py prompts OUT.txt [--n 20]            held-out prompts "a+b=", one per line
    tasks.py answers OUT.tsv [--n 20]            held-out prompt TAB sum

A problem is "a+b=" followed by the decimal sum c and the end marker </s>, in fixed width: a and b
zero-padded to MAX_DIGITS digits, c to MAX_DIGITS + 1 ("0052+1945=01997"), so every answer digit sits
at a fixed offset from the operand digits it depends on (a small model learns that in minutes on a
CPU; natural-width operands, tried first, were still at 0% held-out exact match after 1,000 steps).
The number of digits of a and of b is drawn uniformly from 1..max_digits, then the number uniformly
among numbers of that many digits (0 counts as a 1-digit number). Training draws from seed TRAIN_SEED (a numpy Generator
per run); held-out problems come from HELDOUT_SEED and the trainer rejects any training problem
whose (a, b) is in the held-out set of HELDOUT_POOL problems, so held-out sums are never trained on.

Vocabulary (character level, a llama/SPM GGUF vocabulary whose normal pieces are single
characters, so llama.cpp's SPM tokenizer splits "12+34=" into characters): <unk>, <s>, </s>,
the digits 0-9, '+', '=', '\u2581' (SentencePiece's escaped space), '\\n', then the mask token
<|mdm_mask|> (a CONTROL token, as train_dlm.py appends it).
"""
import argparse
import sys

import numpy as np

TRAIN_SEED = 1234
HELDOUT_SEED = 424242
HELDOUT_POOL = 2000
MAX_DIGITS = 4
GEN_LEN = 8          # answer positions: up to 5 sum digits, then </s> padding

UNK, BOS, EOS = 0, 1, 2
CHARS = list("0123456789+=") + ["\u2581", "\n"]
MASK_PIECE = "<|mdm_mask|>"
PIECES = ["<unk>", "<s>", "</s>"] + CHARS + [MASK_PIECE]
MASK_ID = len(PIECES) - 1
N_VOCAB = len(PIECES)
CHAR_ID = {c: i for i, c in enumerate(PIECES) if i > EOS and i != MASK_ID}
CHAR_ID[" "] = CHAR_ID["\u2581"]


def encode(text):
    return [CHAR_ID.get(c, UNK) for c in text]


def decode(ids):
    out = []
    for i in ids:
        if i == EOS:
            break
        if EOS < i < MASK_ID:
            out.append(" " if PIECES[i] == "\u2581" else PIECES[i])
    return "".join(out)


def draw(rng, max_digits=MAX_DIGITS):
    def num():
        d = int(rng.integers(1, max_digits + 1))
        lo = 0 if d == 1 else 10 ** (d - 1)
        return int(rng.integers(lo, 10 ** d))
    return num(), num()


def heldout(n=HELDOUT_POOL, max_digits=MAX_DIGITS, seed=HELDOUT_SEED):
    rng = np.random.default_rng(seed)
    return [draw(rng, max_digits) for _ in range(n)]


def prompt(a, b):
    return f"{a:0{MAX_DIGITS}d}+{b:0{MAX_DIGITS}d}="


def answer(a, b):
    return f"{a + b:0{MAX_DIGITS + 1}d}"


def sequence(a, b, gen_len=GEN_LEN):
    """Token ids of <s>a+b= (the prompt) and of the answer c</s></s>... (gen_len positions)."""
    p = [BOS] + encode(prompt(a, b))
    ans = encode(answer(a, b)) + [EOS]
    assert len(ans) <= gen_len, (a, b)
    return p, ans + [EOS] * (gen_len - len(ans))


def write_vocab(path):
    with open(path, "w", encoding="utf-8") as fh:
        for i, p in enumerate(PIECES):
            t = 2 if i == UNK else 3 if (i in (BOS, EOS) or i == MASK_ID) else 1
            fh.write(f"{i}\t{t}\t0.0\t{p.replace(chr(92), chr(92) * 2).replace(chr(10), chr(92) + 'n')}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["vocab", "prompts", "answers"])
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=20)
    a = ap.parse_args()
    if a.what == "vocab":
        write_vocab(a.out)
        return
    with open(a.out, "w") as fh:
        for x, y in heldout()[:a.n]:
            fh.write(prompt(x, y) + ("\n" if a.what == "prompts" else f"\t{answer(x, y)}\n"))


if __name__ == "__main__":
    sys.exit(main())
