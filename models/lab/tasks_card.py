#!/usr/bin/python3
"""Writes the model card of tasks-ar, tasks-dlm or tasks-long-dlm: OUT_PREFIX.md and OUT_PREFIX-loss.png.

    tasks_card.py RUN_DIR OUT_PREFIX

RUN_DIR holds train_tasks.py's summary.json and loss.csv. The card ends with an empty "## Eval" section that
`make eval-tables` (eval_cards.py) fills with every decoder's accuracy, calls and speed.
"""
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tasks  # noqa: E402

COLORS = {"add": "tab:red", "sort": "tab:green", "path": "tab:purple", "inc": "tab:orange"}


def plot(run, png, names, title, ylabel):
    steps, loss, em = [], [], {t: ([], []) for t in names}
    ema = None
    with open(os.path.join(run, "loss.csv")) as fh:
        for r in csv.DictReader(fh):
            v = float(r["train_loss"])
            ema = v if ema is None else 0.95 * ema + 0.05 * v
            steps.append(int(r["step"]))
            loss.append(ema)
            for t in names:
                if r[f"heldout_em_{t}"]:
                    em[t][0].append(int(r["step"]))
                    em[t][1].append(float(r[f"heldout_em_{t}"]))
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    ax.plot(steps, loss, color="tab:blue", label="train loss (EMA)")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax2 = ax.twinx()
    for t in names:
        ax2.plot(em[t][0], em[t][1], color=COLORS.get(t, "black"), marker=".", label=f"held-out exact match: {t}")
    ax2.set_ylim(0, 1.02)
    ax2.set_ylabel("exact match (100 held-out)")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="center right", fontsize=8)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(png)


def main(run, prefix):
    s = json.load(open(os.path.join(run, "summary.json")))
    name = os.path.basename(prefix)
    dlm = s["arch"] == "llada"
    names = s["tasks"]
    plot(run, prefix + "-loss.png", names, f"{name} training",
         "weighted masked CE (nats)" if dlm else "answer CE (nats/token)")
    c = s["config"]
    size = os.path.getsize(prefix + ".gguf")
    em = s["heldout_exact_match_500"]
    weights = ", ".join(f"{t} {w:.2f}" for t, w in zip(names, s["task_weights"]))
    long = names == ["inc"]  # tasks-long-dlm: the long-answer task alone
    intro = ([
        "A small masked-diffusion model (llama.cpp architecture `llada`: bidirectional attention, mask token",
        "`<|mdm_mask|>`, `diffusion.shift_logits=false`) trained from scratch by paradec's model lab",
        "(`models/lab/train_tasks.py --tasks inc`) on one synthetic task with a long answer (`models/lab/tasks.py`):",
        "24 two-digit numbers, each plus one, 71 answer characters in 72 generated positions. Every answer",
        "character is fixed by one or two prompt characters, so a model that has learnt the task is confident",
        "about most positions at once: the setting where parallel unmasking policies (Fast-dLLM, EB, KLASS, DiCo)",
        "should need far fewer forward calls than vanilla LLaDA's one position per call (issue #15's",
        "\"DiCo where parallelism matters\"; the table is in `docs/long-task-policies.md`).",
    ] if long else [
        "A small masked-diffusion model (llama.cpp architecture `llada`: bidirectional attention, mask token",
        "`<|mdm_mask|>`, `diffusion.shift_logits=false`) trained from scratch by paradec's model lab",
        "(`models/lab/train_tasks.py`) on the lab's synthetic tasks with exact answers (`models/lab/tasks.py`):",
        "multi-digit addition, list sorting and the star-graph path-finding task of seed 000. It lets the",
        "diffusion policies be compared by accuracy against forward calls on a model that is often confident:",
        "vanilla LLaDA unmasks one position per forward pass, adaptive policies (Fast-dLLM, EB, KLASS, DiCo)",
        "several when the model is sure.",
    ] if dlm else [
        "A small causal model (llama architecture) trained from scratch by paradec's model lab",
        "(`models/lab/train_tasks.py --arch llama`) on the lab's synthetic tasks with exact answers",
        "(`models/lab/tasks.py`): multi-digit addition, list sorting and the star-graph path-finding task of",
        "seed 000, the same problems tasks-dlm learns, so AR and diffusion can be compared on them. Its decoders",
        "are AR, Jacobi and lookahead (lossless: they must score the same).",
    ])
    objective = (
        "LLaDA SFT with MDM token reweighting: the prompt is never masked; each of the task's answer positions "
        "(the answer, then `</s>` padding) is masked with probability t ~ U(1e-3, 1); a masked position's "
        "cross-entropy u is weighted (1/t) * v with v = 1.0 * (1 - exp(-u))^2, u detached: the adaptive "
        "token-level reweighting of seed 000's multi-granularity diffusion modeling (Ye et al., \"Beyond "
        "Autoregression\", ICLR 2025) in its focal-loss form, so hard subgoals (carries, the first edge of a "
        "path) weigh more than learnt ones (the padding)" if dlm else
        "teacher-forced cross-entropy on the answer tokens and `</s>` after `<s>` + prompt")
    md = [f"# {name}", "", *intro, "",
          "| | |", "|---|---|",
          f"| file | `models/{name}.gguf`, {size / 1e6:.1f} MB, F16 matrices, F32 norms |",
          f"| architecture | {c['arch']}: {c['n_layer']} layers, embedding {c['n_embd']}, {c['n_head']} heads (head dim "
          f"{c['n_embd'] // c['n_head']}), SwiGLU FFN {c['n_ff']}, RMSNorm eps {c['norm_eps']}, rope base "
          f"{c['rope_base']:g} (normal rope), untied output, {'bidirectional' if dlm else 'causal'} attention, "
          f"context {c['n_ctx']} |",
          f"| parameters | {s['params']:,} |",
          f"| vocabulary | {c['n_vocab']} tokens, character level: `<unk>` `<s>` `</s>`, digits, `+ = , \\| > : s p`, "
          f"`\u2581` (space), `\\n`, mask `<|mdm_mask|>` (id {tasks.MASK_ID}{'' if dlm else ', unused'}); GGUF "
          "`tokenizer.ggml.model=llama` with one single-character piece per token, so llama.cpp tokenises "
          "`12+34=` as `<s> 1 2 + 3 4 =`; BOS added |",
          ("| data | generated on the fly (`tasks.py`): **inc** `+1:47,09,99,...=` (24 numbers 00-99) -> "
           "`48,10,00,...` (each plus one modulo 100, in order) | " if long else
          "| data | generated on the fly (`tasks.py`): **add** `0052+1945=` -> `01997` (a, b of 1-4 digits, "
          "zero-padded to 4, the sum to 5); **sort** `s:83,07,45=` -> `07,45,83` (2-5 two-digit numbers); **path** "
          "`p:58,31,82,53\\|5>1=` -> `53,31` (a star graph: 2 arms of length d = 2-4 from the start node, edges "
          "shuffled, the goal at the end of one arm; the answer is the path's edges; d is the planning distance) | ")
          + (f"task mix per step: {weights}; training seed {s['train_seed']}; held-out problems from seed "
          f"{s['heldout_seed']} + task index (pools of {s['heldout_pool']} per task, never trained on: the "
          "trainer rejects their prompts) |"),
          f"| objective | {objective} |",
          f"| training | AdamW (0.9/0.98, wd 0.1), peak lr {s['lr']}, warm-up then cosine to 5%, {s['batch']} "
          f"problems a step ({s['groups']} groups, each one task and one shape), {s['steps']} steps, "
          f"{s['problems']:,} problems, seed {s['train_seed']} |",
          f"| wall time | {s['train_seconds'] / 60:.1f} min on {s['threads']} thread of the shared 2-core development "
          f"machine (Debian torch {s['torch']}) |",
          f"| final loss | train (EMA) {s['final_train_loss_ema']:.4f} |",
          f"| held-out exact match (PyTorch, {s.get('final_n', 500)} per task, " + ("vanilla unmasking" if dlm else "greedy") + ") | "
          + ", ".join(f"{t} {100 * em[t]:.1f}%" for t in names) + " |",
          "", f"![loss curve]({name}-loss.png)", "",
          *(["## Every policy on the long answer (blocks of 24, 72 steps)", "",
              "<!-- policies:begin -->", "(`make long-task-policies` writes the table here and to "
              "`docs/long-task-policies.md`.)", "<!-- policies:end -->", ""] if long else []),
          "## Eval", "", "<!-- eval:begin -->", "(`make eval-tables` writes the table of every decoder here.)",
          "<!-- eval:end -->", "",
          "## Reproduce", "", f"    make models/{name}.gguf    # models/lab/lab.mk; LAB_TASK_MINUTES caps training",
          "    make eval-tables", "",
          f"`ShippedModelTest` checks the GGUF against PyTorch (`models/lab/ref/{name}.*.tsv`, "
          "`models/lab/tasks_reference.py`).", ""]
    with open(prefix + ".md", "w") as fh:
        fh.write("\n".join(md))
    print("wrote", prefix + ".md")


if __name__ == "__main__":
    main(*sys.argv[1:])
