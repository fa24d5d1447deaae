#!/usr/bin/python3
"""Held-out files of `paradec eval --task code`, cut from the lab's held-out corpus split.

    code_heldout.py CORPUS_DIR TOKENIZER.model OUT_PREFIX [--problems 50] [--max-chars 65536]
    code_heldout.py --nll CKPT_DIR TOKENIZER.model OUT_PREFIX OUT.tsv

The second form writes the expected perplexity of a code model on OUT_PREFIX.txt for EvalCommandTest, the
way `paradec eval --task code` computes it (chunks of CHUNK tokens, each scored but its first token), from
PyTorch with the weights rounded to F16 as the shipped file stores them: "chunk TAB scored TAB mean_nats".

OUT_PREFIX.txt   held-out source text for perplexity: whole held-out documents (files the code models
                 never trained on; Python 3.11 standard library, PSF licence) in manifest order, skipping
                 generated tables (the encodings/ code pages and pydoc_data/topics.py), up to MAX_CHARS.
OUT_PREFIX.tsv   greedy-continuation problems "prompt TAB continuation" (backslash escapes for tab,
                 newline and backslash): the prompt is PROMPT_TOKENS tokens of a document starting at a
                 line start, the continuation is the CONTINUATION_TOKENS tokens that follow in the
                 document, both decoded back to text. Positions are drawn with seed SEED.
"""
import argparse
import json
import os
import re
import sys

import numpy as np
import sentencepiece as spm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

SEED = 7
PROMPT_TOKENS = 64
CONTINUATION_TOKENS = 32
SKIP_PREFIXES = ("encodings/", "pydoc_data/")


def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def unesc(s):
    """The inverse of esc (what paradec's TsvText.unescape does when `eval --task code` reads the file)."""
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), s)


CHUNK = 256


def write_nll(ckpt, tokenizer, prefix, out):
    import torch
    from reference import load
    torch.set_num_threads(1)
    model, _ = load(ckpt, "F16")
    with open(prefix + ".txt", encoding="utf-8") as fh:
        ids = spm.SentencePieceProcessor(model_file=tokenizer).encode(fh.read())
    nll, scored = 0.0, 0
    with torch.no_grad():
        for s in range(0, len(ids) - 1, CHUNK):
            chunk = ids[s:s + CHUNK]
            if len(chunk) < 2:
                break
            logp = model(torch.tensor([chunk]))[0].log_softmax(-1)
            nll -= logp[torch.arange(len(chunk) - 1), torch.tensor(chunk[1:])].sum().item()
            scored += len(chunk) - 1
    with open(out, "w") as fh:
        fh.write(f"{CHUNK}\t{scored}\t{nll / scored:.6f}\n")
    print(f"{out}: {scored} tokens, {nll / scored:.4f} nats per token")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--nll":
        return write_nll(*sys.argv[2:6])
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("tokenizer")
    ap.add_argument("out")
    ap.add_argument("--problems", type=int, default=50)
    ap.add_argument("--max-chars", type=int, default=65536)
    a = ap.parse_args()
    manifest = json.load(open(os.path.join(a.corpus, "manifest.json")))
    with open(os.path.join(a.corpus, "heldout.txt"), encoding="utf-8") as fh:
        docs = fh.read().split("\x00\n")
    names = manifest["heldout"]["files"]
    assert len(names) == len(docs), (len(names), len(docs))
    chosen, total = [], 0
    for name, doc in zip(names, docs):
        if name.startswith(SKIP_PREFIXES) or total + len(doc) > a.max_chars:
            continue
        chosen.append((name, doc))
        total += len(doc)
    with open(a.out + ".txt", "w", encoding="utf-8") as fh:
        fh.write("\n".join(doc for _, doc in chosen))
    sp = spm.SentencePieceProcessor(model_file=a.tokenizer)
    rng = np.random.default_rng(SEED)
    rows = []
    while len(rows) < a.problems:
        name, doc = chosen[int(rng.integers(len(chosen)))]
        starts = [0] + [i + 1 for i, c in enumerate(doc) if c == "\n"]
        s = starts[int(rng.integers(len(starts)))]
        ids = sp.encode(doc[s:])
        if len(ids) < PROMPT_TOKENS + CONTINUATION_TOKENS:
            continue
        prompt = sp.decode(ids[:PROMPT_TOKENS])
        cont = sp.decode(ids[PROMPT_TOKENS:PROMPT_TOKENS + CONTINUATION_TOKENS])
        if not doc[s:].startswith(prompt + cont) or not cont.strip():
            continue  # decoding must give back the source text exactly; skip all-blank continuations
        rows.append(esc(prompt) + "\t" + esc(cont))
    with open(a.out + ".tsv", "w", encoding="utf-8") as fh:
        fh.write("\n".join(rows) + "\n")
    print(f"{len(chosen)} documents, {total} chars; {len(rows)} problems ({[n for n, _ in chosen]})")


if __name__ == "__main__":
    main()
