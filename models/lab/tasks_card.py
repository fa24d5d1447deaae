#!/usr/bin/python3
"""Writes the model card of tasks-dlm: OUT_PREFIX.md and OUT_PREFIX-loss.png.

    tasks_card.py RUN_DIR EVAL_JSON OUT_PREFIX [--bench docs/bench-diffusion-tasks.md]

RUN_DIR holds train_tasks.py's summary.json and loss.csv; EVAL_JSON is tasks_eval.py's --out.
"""
import argparse
import csv
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import tasks  # noqa: E402


def plot(run, png):
    steps, loss, em_s, em = [], [], [], []
    ema = None
    with open(os.path.join(run, "loss.csv")) as fh:
        for r in csv.DictReader(fh):
            v = float(r["train_loss"])
            ema = v if ema is None else 0.95 * ema + 0.05 * v
            steps.append(int(r["step"]))
            loss.append(ema)
            if r["heldout_em_vanilla"]:
                em_s.append(int(r["step"]))
                em.append(float(r["heldout_em_vanilla"]))
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    ax.plot(steps, loss, color="tab:blue", label="train loss (EMA)")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("1/t-weighted masked CE (nats)")
    ax2 = ax.twinx()
    ax2.plot(em_s, em, color="tab:red", marker=".", label="held-out exact match (200, vanilla)")
    ax2.set_ylim(0, 1.02)
    ax2.set_ylabel("exact match")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="center right", fontsize=8)
    ax.set_title("tasks-dlm training", fontsize=9)
    fig.tight_layout()
    fig.savefig(png)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("eval_json")
    ap.add_argument("prefix")
    ap.add_argument("--bench", default="docs/bench-diffusion-tasks.md")
    a = ap.parse_args()
    s = json.load(open(os.path.join(a.run, "summary.json")))
    ev = json.load(open(a.eval_json))
    name = os.path.basename(a.prefix)
    plot(a.run, a.prefix + "-loss.png")
    c = s["config"]
    size = os.path.getsize(a.prefix + ".gguf")
    L, S = ev["gen_length"], ev["steps"]
    base = next((r["mean_nfe"] for r in ev["table"] if r["decoder"] == "llada"), None)
    rows = ["| decoder | exact match | mean NFE per prompt | NFE vs llada |", "|---|---|---|---|"]
    for r in ev["table"]:
        rows.append(f"| {r['decoder']} | {r['correct']}/{r['n']} ({100 * r['correct'] / r['n']:.0f}%) | "
                    f"{r['mean_nfe']:.2f} | {r['mean_nfe'] / base:.2f}x |")
    wrong = [f"`{x['prompt']}` -> `{x['text']}` ({x['decoder']}, want {x['answer']})"
             for x in ev["runs"] if not x["correct"]]
    md = [
        f"# {name}",
        "",
        "A small masked-diffusion model (llama.cpp architecture `llada`: bidirectional attention, mask",
        "token `<|mdm_mask|>`, `diffusion.shift_logits=false`) trained from scratch by paradec's model lab",
        "(`models/lab/train_tasks.py`) on a synthetic task with exact answers, multi-digit addition",
        "(`models/lab/tasks.py`). It exists so the diffusion benchmark can compare policies on a model",
        "that is *confident*: vanilla LLaDA unmasks one position per forward pass, adaptive policies",
        "(Fast-dLLM's threshold, EB, KLASS, DiCo) may unmask several at once when the model is sure.",
        "",
        "| | |",
        "|---|---|",
        f"| file | `models/{name}.gguf`, {size / 1e6:.1f} MB, F16 matrices, F32 norms |",
        f"| architecture | llada: {c['n_layer']} layers, embedding {c['n_embd']}, {c['n_head']} heads (head dim "
        f"{c['n_embd'] // c['n_head']}), SwiGLU FFN {c['n_ff']}, RMSNorm eps {c['norm_eps']}, rope base "
        f"{c['rope_base']:g} (normal rope), untied output, bidirectional attention |",
        f"| parameters | {s['params']:,} |",
        f"| vocabulary | {c['n_vocab']} tokens, character level: `<unk>` `<s>` `</s>`, digits, `+`, `=`, `\u2581` (space), "
        "`\\n`, mask `<|mdm_mask|>` (id 17); GGUF `tokenizer.ggml.model=llama` with one single-character piece per "
        "token, so llama.cpp tokenises `12+34=` as `<s> 1 2 + 3 4 =`; BOS added |",
        f"| data | generated on the fly: `a+b=` then the sum and `</s>` padding to {s['gen_len']} answer positions, in fixed "
        f"width (a and b zero-padded to {s['max_digits']} digits, the sum to {s['max_digits'] + 1}: `0052+1945=01997`); a and b "
        f"have 1-{s['max_digits']} digits (digit count uniform, then the number uniform); training seed "
        f"{s['train_seed']}; held-out problems from seed {s['heldout_seed']} (pool of {s['heldout_pool']}, never trained "
        "on: the trainer rejects them) |",
        f"| objective | LLaDA SFT: the prompt is never masked; each answer position is masked with probability "
        f"t ~ U(1e-3, 1); cross-entropy on masked positions weighted 1/t |",
        f"| training | AdamW (0.9/0.98, wd 0.1), peak lr {s['lr']}, warm-up 100 steps then cosine to 5%, batch "
        f"{s['batch']} problems ({s['groups']} groups of equal digit counts), {s['steps']} steps, "
        f"{s['steps'] * s['batch']:,} problems, seed {s['train_seed']} |",
        f"| wall time | {s['train_seconds'] / 60:.1f} min on {s['threads']} thread of the shared 2-core development "
        f"machine (Debian torch {s['torch']}) |",
        f"| final loss | train (EMA) {s['final_train_loss_ema']:.4f} nats per answer position |",
        f"| held-out (PyTorch, 500 problems) | exact match {100 * s['heldout_em_vanilla_500']:.1f}% with vanilla "
        f"low-confidence unmasking ({s['gen_len']} passes), {100 * s['heldout_em_oneshot_500']:.1f}% with one "
        "pass (argmax of every position at once) |",
        "",
        f"![loss curve]({name}-loss.png)",
        "",
        "## Decoders",
        "",
        f"The first {ev['table'][0]['n']} held-out problems of `tasks.py` (the first 20 are "
        "`models/lab/tasks-add-heldout.txt`), "
        f"`bin/paradec generate -m models/{name}.gguf -p PROMPT --decoder D --gen-length {L} --block-length {L} "
        f"--steps {S} --json`, default policy settings; the answer is the text up to `</s>`, compared exactly with "
        "the zero-padded sum. NFE = forward passes per prompt (vanilla `llada` spends one per step).",
        f"(`/usr/bin/python3 models/lab/tasks_eval.py models/tasks-dlm.gguf --n {ev['table'][0]['n']}`.)",
        "",
        *rows,
        "",
    ]
    if wrong:
        md += ["Wrong answers: " + "; ".join(wrong[:12]) + ("; ..." if len(wrong) > 12 else "") + ".", ""]
    if os.path.exists(a.bench):
        md += [f"Timings (the 20 prompts of `models/lab/tasks-add-heldout.txt`, `bin/paradec bench`, 2 rounds): "
               f"`{a.bench}`.", ""]
    md += ["The model is confident enough that the threshold policies (Fast-dLLM, EB) commit all answer positions "
           "in the first pass (PyTorch: one-pass argmax is already right on "
           f"{100 * s['heldout_em_oneshot_500']:.1f}% of 500 held-out sums), so this task separates policies by "
           "how much evidence they demand before committing, not by accuracy; a harder task (longer operands, "
           "natural width) would be needed to see accuracy trade-offs.", ""]
    md += ["## Reproduce", "", "    make models/tasks-dlm.gguf     # models/lab/lab.mk; LAB_TASK_MINUTES caps training", ""]
    with open(a.prefix + ".md", "w") as fh:
        fh.write("\n".join(md))


if __name__ == "__main__":
    main()
