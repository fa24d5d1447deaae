#!/usr/bin/python3
"""Writes the model card of tasks-ar, tasks-dlm, tasks-long-dlm, plan-ar, plan-dlm or plan-mdm: OUT_PREFIX.md and
OUT_PREFIX-loss.png.

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

COLORS = {"add": "tab:red", "sort": "tab:green", "path": "tab:purple", "inc": "tab:orange", "plan_d2": "#a6cee3",
          "plan_d3": "#1f78b4", "plan_d4": "#b2df8a", "plan_d5": "#33a02c", "plan_d6": "#e31a1c"}


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
    ax2.set_ylabel("exact match (100 held-out each)")
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
    plan = names == ["plan"]  # plan-ar, plan-dlm, plan-mdm: one task, scored per planning distance
    labels = list(s["heldout_exact_match_500"]) if plan else names
    plot(run, prefix + "-loss.png", labels, f"{name} training",
         "weighted masked CE (nats)" if dlm else "answer CE (nats/token)")
    c = s["config"]
    size = os.path.getsize(prefix + ".gguf")
    em = s["heldout_exact_match_500"]
    weights = ", ".join(f"{t} {w:.2f}" for t, w in zip(names, s["task_weights"]))
    long = names == ["inc"]  # tasks-long-dlm: the long-answer task alone
    intro = ([
        f"A small {'masked-diffusion' if dlm else 'causal'} model (llama.cpp architecture `{c['arch']}`) trained from "
        "scratch by paradec's model lab (`models/lab/train_tasks.py --tasks plan`) on issue #15's planning task by "
        "distance: the star-graph path-finding task of seed 000 (Ye et al., \"Beyond Autoregression\", ICLR 2025) "
        "with letter nodes and planning distances 2..6. One of three models of the same size, trained under the "
        "" + (f"same step cap ({s['steps']} steps; the time cap did not bind), " if s["steps"] >= s.get("steps_cap", 0)
               else "same step and time caps (the time cap ended this run first), ") + "batch and learning rate: plan-ar (AR, teacher forcing), plan-dlm (LLaDA SFT without "
        "token reweighting) and plan-mdm (LLaDA SFT with MDM's adaptive token reweighting). Their accuracy by "
        "distance under every decoder and their training curves are in `docs/planning-by-distance.md`.",
    ] if plan else [
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
    flat = s.get("time_weight") == "flat"
    flat_or_inverse = (
        "the loss is the mean cross-entropy over the step's masked positions (flat in t: LLaDA's 1/t weight, which "
        "gives a sequence drawn with t near 1e-3 up to 1000x the weight of the others, is left out; the denoiser it "
        "converges to is the same, since each t's optimum is the true posterior whatever the weight)" if flat else
        "a masked position's cross-entropy is weighted 1/t")
    objective = (
        "LLaDA SFT with MDM token reweighting: the prompt is never masked; each of the task's answer positions "
        "(the answer, then `</s>` padding) is masked with probability t ~ U(1e-3, 1); a masked position's "
        "cross-entropy u is weighted (1/t) * v with v = 1.0 * (1 - exp(-u))^2, u detached: the adaptive "
        "token-level reweighting of seed 000's multi-granularity diffusion modeling (Ye et al., \"Beyond "
        "Autoregression\", ICLR 2025) in its focal-loss form, so hard subgoals (carries, the first edge of a "
        "path) weigh more than learnt ones (the padding)" if dlm and not plan else
        "LLaDA SFT without token reweighting: the prompt is never masked; each of the 18 answer positions (the "
        "path's edges, then `</s>` padding) is masked with probability t ~ U(1e-3, 1); " + flat_or_inverse
        if dlm and s.get("reweight") == "none" else
        "LLaDA SFT with MDM token reweighting: as plan-dlm (each answer position masked with probability t ~ "
        "U(1e-3, 1), " + ("cross-entropy u averaged over the step's masked positions" if flat else
                          "cross-entropy u weighted 1/t") + "), times v = (1 - p)^2 / mean, where p = exp(-u) is the model's "
        "probability of the true token (u detached): focal loss's weight with gamma 2, which grows with the "
        "token's difficulty, divided by its mean over the step's masked positions so the loss keeps plain SFT's "
        "scale and only the split of the gradient between tokens changes (hard subgoals such as the edges "
        "next to the start up, learnt ones such as the padding down)" if dlm else
        "teacher-forced cross-entropy on the answer tokens and `</s>` after `<s>` + prompt")
    if plan:
        vocab = (f"{c['n_vocab']} tokens, character level: `<unk>` `<s>` `</s>`, letters `a`-`z`, `, \\| > =`, "
                 "`\u2581` (space), `\\n`, mask `<|mdm_mask|>` (id " + str(tasks.PLAN_VOCAB.mask_id)
                 + ("" if dlm else ", unused") + "); GGUF `tokenizer.ggml.model=llama` with one single-character "
                 "piece per token; BOS added")
        data = ("generated on the fly (`tasks.py`): **plan** `cf,ab,fd,ae,de,bg\\|a>d=` -> `ae,de`: a star graph of "
                "2 arms of length d (the planning distance, uniform in 2..6) from the start node, its directed "
                "edges listed in random order, then start>goal with the goal at the end of one arm; the answer is "
                "the path's edges from start to goal, in order (18 answer positions with `</s>`). Node labels are "
                "distinct random letters. ")
        file_fmt = "Q8_0 matrices (`paradec export --q8_0`), F32 norms"
        em_line = ", ".join(f"d={k.split('_d')[1]} {100 * v:.1f}%" for k, v in em.items())
        em_head = (f"held-out exact match by planning distance (PyTorch, {s.get('final_n', 200)} per distance, "
                   + ("vanilla low-confidence unmasking" if dlm else "greedy") + ")")
    md = [f"# {name}", "", *intro, "",
          "| | |", "|---|---|",
          f"| file | `models/{name}.gguf`, {size / 1e6:.1f} MB, {file_fmt if plan else 'F16 matrices, F32 norms'} |",
          f"| architecture | {c['arch']}: {c['n_layer']} layers, embedding {c['n_embd']}, {c['n_head']} heads (head dim "
          f"{c['n_embd'] // c['n_head']}), SwiGLU FFN {c['n_ff']}, RMSNorm eps {c['norm_eps']}, rope base "
          f"{c['rope_base']:g} (normal rope), untied output, {'bidirectional' if dlm else 'causal'} attention, "
          f"context {c['n_ctx']} |",
          f"| parameters | {s['params']:,} |",
          f"| vocabulary | {vocab} |" if plan else f"| vocabulary | {c['n_vocab']} tokens, character level: `<unk>` `<s>` `</s>`, digits, `+ = , \\| > : s p`, "
          f"`\u2581` (space), `\\n`, mask `<|mdm_mask|>` (id {tasks.MASK_ID}{'' if dlm else ', unused'}); GGUF "
          "`tokenizer.ggml.model=llama` with one single-character piece per token, so llama.cpp tokenises "
          "`12+34=` as `<s> 1 2 + 3 4 =`; BOS added |",
          ("| data | " + data if plan else "| data | generated on the fly (`tasks.py`): **inc** `+1:47,09,99,...=` (24 numbers 00-99) -> "
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
          f"| {em_head} | {em_line} |" if plan else
          f"| held-out exact match (PyTorch, {s.get('final_n', 500)} per task, " + ("vanilla unmasking" if dlm else "greedy") + ") | "
          + ", ".join(f"{t} {100 * em[t]:.1f}%" for t in names) + " |",
          "", f"![loss curve]({name}-loss.png)", "",
          *(["## Every policy on the long answer (blocks of 24, 72 steps)", "",
              "<!-- policies:begin -->", "(`make long-task-policies` writes the table here and to "
              "`docs/long-task-policies.md`.)", "<!-- policies:end -->", ""] if long else []),
          "## Eval", "", "<!-- eval:begin -->", "(`make eval-tables` writes the table of every decoder here.)",
          "<!-- eval:end -->", "",
          "## Reproduce", "", f"    make models/{name}.gguf    # models/lab/lab.mk; "
          + ("LAB_PLAN_MINUTES and LAB_PLAN_STEPS cap training" if plan else "LAB_TASK_MINUTES caps training"),
          "    make eval-tables" + ("\n    make planning-by-distance    # docs/planning-by-distance.md" if plan else ""), "",
          f"`ShippedModelTest` checks the GGUF against PyTorch (`models/lab/ref/{name}.*.tsv`, "
          "`models/lab/tasks_reference.py`).", ""]
    with open(prefix + ".md", "w") as fh:
        fh.write("\n".join(md))
    print("wrote", prefix + ".md")


if __name__ == "__main__":
    main(*sys.argv[1:])
