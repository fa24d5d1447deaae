#!/usr/bin/python3
"""Writes a model card (models/NAME.md) and its loss curve (models/NAME-loss.png).

    card.py RUN_DIR MODEL_PREFIX      e.g. card.py build/lab/code-ar models/code-ar

Reads RUN_DIR/{summary.json,loss.csv}, the corpus manifest and the tokenizer, and runs
`bin/paradec generate` on the shipped model for the sample and the decoder table.
"""
import csv
import json
import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot(rows, png, title):
    steps = [int(r["step"]) for r in rows[:-1]]
    tok = [int(r["tokens"]) / 1e6 for r in rows[:-1]]
    loss = [float(r["train_loss"]) for r in rows[:-1]]
    ema, e = [], None
    for v in loss:
        e = v if e is None else 0.95 * e + 0.05 * v
        ema.append(e)
    held = [(int(r["tokens"]) / 1e6, float(r["heldout_loss"])) for r in rows if r["heldout_loss"]]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    ax.plot(tok, loss, color="#bbb", lw=0.8, label="train (batch)")
    ax.plot(tok, ema, color="#1f77b4", lw=1.8, label="train (EMA)")
    if held:
        ax.plot([h[0] for h in held], [h[1] for h in held], "o-", color="#d62728", label="held-out")
    ax.set_xlabel("training tokens (millions)")
    ax.set_ylabel("cross-entropy (nats/token)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    top = max(ema[len(ema) // 10:] + [h[1] for h in held]) if ema else 8
    ax.set_ylim(min(ema + [h[1] for h in held]) - 0.2, min(8.5, top + 0.5))
    fig.tight_layout()
    fig.savefig(png)
    del steps


def generate(model, decoder, prompt, n, diffusion=False):
    cmd = ["bin/paradec", "generate", "-m", model, "-p", prompt, "--decoder", decoder, "--threads", "2", "--json"]
    cmd += ["--gen-length", str(n)] if diffusion else ["-n", str(n)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def code_heldout_loss(run_dir, skip):
    """Held-out loss (AR) on the held-out files other than `skip`, 64 windows of the context length."""
    import math
    import numpy as np
    import sentencepiece as spm
    import torch
    import torch.nn.functional as F
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from reference import load
    torch.set_num_threads(2)
    m, _ = load(os.path.join(run_dir, "ckpt"), "F16")
    sp = spm.SentencePieceProcessor(model_file="build/lab/tokenizer/spm.model")
    man = json.load(open("build/lab/corpus/manifest.json"))
    ids = []
    for f in man["heldout"]["files"]:
        if f != skip:
            ids += [sp.bos_id()] + sp.encode(open(os.path.join(man["root"], f), encoding="utf-8").read()) + [sp.eos_id()]
    data = np.array(ids, dtype=np.int64)
    T = m.cfg.n_ctx
    starts = np.linspace(0, len(data) - T - 2, 64).astype(np.int64)
    tot = 0.0
    with torch.no_grad():
        for i in range(0, 64, 8):
            x = torch.from_numpy(np.stack([data[j:j + T] for j in starts[i:i + 8]]))
            y = torch.from_numpy(np.stack([data[j + 1:j + T + 1] for j in starts[i:i + 8]]))
            tot += F.cross_entropy(m(x).reshape(-1, m.cfg.n_vocab), y.reshape(-1), reduction="sum").item()
    loss = tot / (64 * T)
    return loss, math.exp(loss), len(data)


def main(run_dir, prefix):
    name = os.path.basename(prefix)
    s = json.load(open(os.path.join(run_dir, "summary.json")))
    # follow the --init-from chain back to the first run, so the curve covers every stage
    chain, d = [], run_dir
    while d:
        chain.insert(0, d)
        d = json.load(open(os.path.join(d, "summary.json"))).get("init_from")
    rows = []
    for d in chain:
        rows += list(csv.DictReader(open(os.path.join(d, "loss.csv"))))[:-1]
    rows.append(list(csv.DictReader(open(os.path.join(run_dir, "loss.csv"))))[-1])
    stages = [json.load(open(os.path.join(d, "summary.json"))) for d in chain]
    man = json.load(open("build/lab/corpus/manifest.json"))
    png = prefix + "-loss.png"
    total_steps = sum(x["steps"] for x in stages)
    total_tokens = sum(x["tokens"] for x in stages)
    total_s = sum(x["train_seconds"] for x in stages)
    plot(rows, png, f"{name}: {s['params'] / 1e6:.2f}M parameters, {total_steps} steps")
    model = prefix + ".gguf"
    size = os.path.getsize(model)
    ft = subprocess.run(["bin/paradec", "inspect", model], capture_output=True, text=True).stdout
    ftype = "F16" if "general.file_type                             UINT32 1" in ft else (
        "Q8_0" if "UINT32 7" in ft else "F32")
    dlm = "objective" in s
    sample = generate(model, "llada" if dlm else "ar", "def ", 64, dlm)
    sample2_prompt = "class Queue:\n    def __init__(self"
    sample2 = generate(model, "llada" if dlm else "ar", sample2_prompt, 64, dlm)
    torch_pkg = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-torch"], capture_output=True,
                               text=True).stdout.strip() or "?"
    sizes = {f: os.path.getsize(os.path.join(man["root"], f)) for f in man["heldout"]["files"]
             if os.path.exists(os.path.join(man["root"], f))}
    big = max(sizes, key=sizes.get) if sizes else None
    code_loss = None if "objective" in s or not big else code_heldout_loss(run_dir, big)
    c = s["config"]
    pk = man["packages"]
    intro = [
        "A small masked-diffusion code model (llama.cpp architecture `llada`: bidirectional attention,",
        "mask token `<|mdm_mask|>`, `diffusion.shift_logits=false`) trained from scratch by paradec's",
        "model lab (`models/lab/train_dlm.py`) on the Python 3.11 standard library with a masked-diffusion",
        "objective (t ~ U(0,1), each token masked with probability t, cross-entropy on the masked tokens "
        + ("weighted 1/t, as LLaDA)." if s.get("time_weight", "inverse") == "inverse" else
           "averaged over the step's masked positions: flat in t, not LLaDA's 1/t, which learned far slower here; "
           "see docs/planning-by-distance.md)."),
        f"Same tokenizer as code-ar plus the mask token. Tiny and undertrained (CPU, 2 threads, one "
        f"~{total_s / 60:.0f}-minute run, {total_tokens / s['train_tokens_corpus']:.1f} epochs). It is shipped for the "
        "diffusion decoders' plumbing and speed measurements; its text is not good code.",
    ] if dlm else [
        "A small causal code model (llama architecture) trained from scratch by paradec's model lab",
        "(`models/lab/`) on the Python 3.11 standard library. It is the default model of",
        "`bin/paradec generate` when `models/" + name + ".gguf` exists. It is tiny and undertrained",
        "(CPU, 2 threads, ~20 minutes a run): it writes Python-looking text, not working programs.",
    ]
    lines = [
        f"# {name}",
        "",
    ] + intro + [
        "",
        "| | |",
        "|---|---|",
        f"| file | `models/{name}.gguf`, {size / 1e6:.1f} MB, {ftype} matrices, F32 norms |",
        f"| architecture | llama: {c['n_layer']} layers, embedding {c['n_embd']}, {c['n_head']} heads "
        f"(head dim {c['n_embd'] // c['n_head']}), {c['n_head_kv']} KV heads, SwiGLU FFN {c['n_ff']}, "
        f"RMSNorm eps {c['norm_eps']}, rope base {c['rope_base']:g} (normal/LLAMA rope), untied output |",
        f"| parameters | {s['params']:,} |",
        f"| context | {c['n_ctx']} tokens (trained length) |",
        f"| tokenizer | SentencePiece BPE, {c['n_vocab']} pieces, byte fallback, identity normalisation, "
        "no dummy prefix (GGUF `tokenizer.ggml.model=llama`, `add_space_prefix=false`), BOS added |",
        f"| data | Python 3.11 standard library `.py` files from Debian packages "
        + ", ".join(f"`{k}` {v}" for k, v in pk.items())
        + f"; test suites excluded; {len(man['train']['files'])} train files "
        f"({s['train_tokens_corpus']:,} tokens), {len(man['heldout']['files'])} held-out files "
        f"({s['heldout_tokens_corpus']:,} tokens), split by SHA-256 of the path |",
        "| licence of the data | PSF License (Python Software Foundation License Version 2), see "
        "`/usr/share/doc/libpython3.11-stdlib/copyright` |",
        f"| training | {len(stages)} run(s), each a time-capped AdamW run (betas 0.9/0.95, wd 0.1), batch "
        f"{s['batch']} x {s['ctx']} tokens"
        + (f" ({1 - s['long_share']:.0%} of the steps: {s['batch'] * s['ctx'] // s['short_ctx']} x {s['short_ctx']})"
           if s.get("short_ctx") else "")
        + f", seed {s['seed']}: "
        + "; ".join(f"run {i + 1}: peak lr {x['lr']}, warm-up then cosine to 10%, {x['steps']} steps, "
                    f"{x['tokens']:,} tokens, {x['train_seconds'] / 60:.1f} min, {x['tokens_per_second']:.0f} tokens/s"
                    for i, x in enumerate(stages))
        + f"; total {total_steps} steps, {total_tokens:,} tokens ({total_tokens / s['train_tokens_corpus']:.2f} epochs) |",
        f"| wall time | {total_s / 60:.1f} min of training on 2 threads of a 2-core machine shared with other "
        f"jobs (Debian python3-torch {torch_pkg} + OpenBLAS 0.3.21) |",
        (f"| final loss | 1/t-weighted masked cross-entropy (an upper bound on NLL"
         + ("; the training objective" if s.get("time_weight", "inverse") == "inverse" else "") + "): "
         f"train {s['train_loss_eval']:.3f}, held-out {s['heldout_loss']:.3f} nats/token on 64 windows of "
         f"{s['ctx']} tokens |") if dlm else
        (f"| final loss | train {s['train_loss_eval']:.3f} nats/token, held-out {s['heldout_loss']:.3f} "
         f"(perplexity {s['heldout_ppl']:.1f}) on 128 windows of {s['ctx']} tokens each |"),
        "",
        (f"The held-out split is dominated by `{big}` ({100 * sizes[big] / sum(sizes.values()):.0f}% of its "
         "bytes: generated documentation text, not code). Held-out loss on the other held-out files "
         f"({code_loss[2]:,} tokens, 64 windows): {code_loss[0]:.3f} nats/token (perplexity {code_loss[1]:.1f})."
         if big and code_loss else ""),
        "",
        f"![loss curve]({name}-loss.png)",
        "",
        "## Sample",
        "",
        (f"`bin/paradec generate -m models/{name}.gguf -p \"def \" --decoder llada --gen-length 64`:" if dlm
         else "`bin/paradec generate -p \"def \" -n 64` (greedy):"),
        "",
        "```python",
        "def " + sample.get("text", sample.get("error", "")),
        "```",
        "",
        "A prompt that ends in a space is an unusual token boundary for this tokenizer (a space is",
        "normally merged into the next word's piece, `▁name`), which is why the continuation of `def `",
        "starts oddly. A prompt ending inside a word, `" + sample2_prompt.replace("\n", "\\n") + "`:",
        "",
        "```python",
        sample2_prompt + sample2.get("text", sample2.get("error", "")),
        "```",
        "",
        "## Eval",
        "",
        "<!-- eval:begin -->",
        "(`make eval-tables` writes the table of every decoder here.)",
        "<!-- eval:end -->",
    ]
    lines += ["",
              "## Reproduce", "", "`make lab-deps && make models` (see `models/lab/README.md`). The expected "
              "values that `ShippedModelTest` checks the GGUF against are in `models/lab/ref/" + name + ".*.tsv`.", ""]
    open(prefix + ".md", "w").write("\n".join(lines))
    print("wrote", prefix + ".md", png)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
