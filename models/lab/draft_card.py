#!/usr/bin/python3
"""Writes the card of the drafter (models/code-draft.md) from its training run and paradec's own eval.

    draft_card.py RUN_DIR MODEL_PREFIX      e.g. draft_card.py build/lab/code-draft models/code-draft

Reads RUN_DIR/summary.json, checks that the shipped GGUF has code-ar's vocabulary (token texts, scores
and types, read with llama.cpp's gguf-py from build/llama-src), and runs
`bin/paradec eval --task code --json` on the drafter and on code-ar for the held-out perplexity.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "build", "llama-src", "gguf-py"))


def vocabulary(path):
    """(token texts, scores, types) of a GGUF file."""
    import gguf  # llama.cpp's reader, from the source tree make native uses
    r = gguf.GGUFReader(path)
    f = r.fields["tokenizer.ggml.tokens"]
    tokens = [bytes(f.parts[i]).decode("utf-8") for i in f.data]
    s = r.fields["tokenizer.ggml.scores"]
    t = r.fields["tokenizer.ggml.token_type"]
    return tokens, [float(s.parts[i][0]) for i in s.data], [int(t.parts[i][0]) for i in t.data]


def evaluate(model):
    out = subprocess.run([os.path.join(ROOT, "bin", "paradec"), "eval", "-m", model, "--task", "code", "--json", "--threads", "1"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main(run_dir, prefix):
    s = json.load(open(os.path.join(run_dir, "summary.json")))
    c = s["config"]
    gguf_path = prefix + ".gguf"
    mine, ref = vocabulary(gguf_path), vocabulary(os.path.join(ROOT, "models", "code-ar.gguf"))
    if mine != ref:
        raise SystemExit(f"{gguf_path}: its vocabulary differs from code-ar's; the drafter must share code-ar's tokenizer")
    ev, ev_ar = evaluate(gguf_path), evaluate(os.path.join(ROOT, "models", "code-ar.gguf"))
    size = os.path.getsize(gguf_path)
    name = os.path.basename(prefix)
    lines = [
        f"# {name}",
        "",
        "A tiny causal model (llama architecture) trained by paradec's model lab (`models/lab/`) on the same Python 3.11",
        "standard-library corpus and with exactly code-ar's tokenizer, to draft for code-ar in classic draft-model",
        "speculative decoding (`--decoder draft --draft-model models/code-draft.gguf`) and for llama-server's",
        "`--spec-type draft-simple` in `bin/paradec bench --against-llama-cpp`. It is a drafter, not a model to use alone.",
        "",
        "| | |",
        "|---|---|",
        f"| file | `{gguf_path}`, {size / 1e6:.1f} MB, Q8_0 matrices, F32 norms |",
        f"| architecture | llama: {c['n_layer']} layers, embedding {c['n_embd']}, {c['n_head']} heads (head dim {c['n_embd'] // c['n_head']}), "
        f"SwiGLU FFN {c['n_ff']}, untied output |",
        f"| parameters | {s['params']:,} (code-ar: 5,212,416) |",
        f"| context | {c['n_ctx']} tokens (trained length) |",
        "| tokenizer | code-ar's (checked when this card is written: the GGUF's `tokenizer.ggml.tokens`, scores and types equal code-ar's) |",
        f"| training | one time-capped AdamW run (betas 0.9/0.95, wd 0.1), batch {s['batch']} x {s['ctx']} tokens, peak lr {s['lr']}, "
        f"seed {s['seed']}, {s['steps']} steps, {s['tokens']:,} tokens, {s['train_seconds'] / 60:.1f} min on {s['threads']} thread "
        f"(nice 19, on a 2-core machine shared with other jobs), torch {s['torch']} |",
        f"| final loss (PyTorch) | train {s['train_loss_eval']:.3f}, held-out {s['heldout_loss']:.3f} nats/token "
        f"(perplexity {s['heldout_ppl']:.1f}) on 128 windows of 256 tokens |",
        f"| held-out perplexity (`bin/paradec eval --task code`, {ev['perplexity_tokens']:,} tokens) | "
        f"**{ev['perplexity']:.2f}** (code-ar: {ev_ar['perplexity']:.2f}) |",
        "",
    ]
    if ev["perplexity"] < ev_ar["perplexity"]:
        lines += [
            "Its held-out perplexity is below code-ar's: code-ar is undertrained (0.79 epochs, see its card), and this",
            "run saw about as many tokens at a quarter of the size. What speculation needs is agreement with code-ar's",
            "greedy choices, not quality of its own: the bench's tokens per call measure that.",
            "",
        ]
    lines += [
        "## Reproduce",
        "",
        "    make models/code-draft.gguf      # models/lab/lab.mk: train_ar.py, export, Q8_0, this card",
        "",
        "The training command the target runs:",
        "",
        f"    OMP_NUM_THREADS=1 nice -n 19 /usr/bin/python3 models/lab/train_ar.py --out {run_dir} --minutes {os.environ.get('LAB_DRAFT_MINUTES', '12')} \\",
        f"      --steps 3000 --lr {s['lr']} --threads 1 --embd {c['n_embd']} --layers {c['n_layer']} --heads {c['n_head']} "
        f"--ff {c['n_ff']} --name paradec-code-draft",
        "",
        "The perplexity: `bin/paradec eval -m models/code-draft.gguf --task code --json` (and `-m models/code-ar.gguf`).",
        "",
    ]
    with open(prefix + ".md", "w") as fh:
        fh.write("\n".join(lines))
    print(f"wrote {prefix}.md")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
