#!/usr/bin/python3
"""Collects Jacobi trajectories of code-ar for CLLM training, from paradec's own --trace output.

    collect_trajectories.py MODEL.gguf CORPUS_DIR TOKENIZER.model OUT.jsonl [--prompts 200] [--new 96]
                            [--window 16]

Prompts are PROMPT_MIN..PROMPT_MAX-token snippets of the TRAINING split (build/lab/corpus/train.txt), each
starting at a line start, drawn with seed SEED. For each one `bin/paradec generate --decoder jacobi --window W
--trace T.jsonl --json` runs greedy; the first half of the prompts start every window from random guesses
(`--guess-init random`, the noise a CLLM learns to map to the fixed point), the second half from paradec's default
guesses (n-gram lookup drafts). Writes one JSON object per prompt:

    {"prompt": [ids, with BOS], "output": [the generated ids], "states": [[position, [window ids]], ...]}

where output is the fixed point y* (Jacobi is lossless, so it is the greedy AR output) and each state is one
forward call of the trajectory: the window evaluated at KV positions position.. (window[0] is the settled next
token, the rest are guesses).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import sentencepiece as spm

SEED = 11
PROMPT_MIN, PROMPT_MAX = 16, 48


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("corpus")
    ap.add_argument("tokenizer")
    ap.add_argument("out")
    ap.add_argument("--prompts", type=int, default=200)
    ap.add_argument("--new", type=int, default=96)
    ap.add_argument("--window", type=int, default=16)
    ap.add_argument("--paradec", default="bin/paradec")
    ap.add_argument("--threads", default="1")
    a = ap.parse_args()
    with open(os.path.join(a.corpus, "train.txt"), encoding="utf-8") as fh:
        docs = [d for d in fh.read().split("\x00\n") if len(d) > 2000]
    sp = spm.SentencePieceProcessor(model_file=a.tokenizer)
    rng = np.random.default_rng(SEED)
    t0 = time.time()
    calls = tokens = 0
    with open(a.out, "w") as out, tempfile.TemporaryDirectory() as tmp:
        for i in range(a.prompts):
            doc = docs[int(rng.integers(len(docs)))]
            starts = [0] + [j + 1 for j, c in enumerate(doc) if c == "\n"]
            s = starts[int(rng.integers(len(starts)))]
            ids = sp.encode(doc[s:s + 2000])[:int(rng.integers(PROMPT_MIN, PROMPT_MAX + 1))]
            prompt = sp.decode(ids)
            trace = os.path.join(tmp, "t.jsonl")
            cmd = [a.paradec, "generate", "-m", a.model, "-p", prompt, "-n", str(a.new), "--decoder", "jacobi",
                   "--window", str(a.window), "--trace", trace, "--json", "--threads", a.threads]
            if i < a.prompts // 2:
                cmd += ["--guess-init", "random", "--seed", str(i)]
            r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            header, states = None, []
            with open(trace) as fh:
                for line in fh:
                    rec = json.loads(line)
                    if rec["kind"] == "ar-header":
                        header = rec["prompt"]
                    elif rec["kind"] == "ar-step":
                        states.append([rec["position"], rec["window"]])
            out.write(json.dumps({"prompt": header, "output": r["tokens"], "states": states}) + "\n")
            calls += len(states)
            tokens += len(r["tokens"])
            if (i + 1) % 20 == 0:
                print(f"{i + 1} prompts, {calls} states, {tokens / max(1, calls):.2f} tokens/call, "
                      f"{time.time() - t0:.0f}s", file=sys.stderr, flush=True)
    print(f"{a.prompts} prompts, {calls} states, {tokens} tokens, {time.time() - t0:.0f}s -> {a.out}")


if __name__ == "__main__":
    main()
