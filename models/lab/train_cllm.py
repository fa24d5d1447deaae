#!/usr/bin/python3
"""Trains code-cllm: code-ar further trained as a consistency LLM (CLLM, Kou et al. 2024; seed 000) on the Jacobi
trajectories that collect_trajectories.py took from paradec's --trace output.

    train_cllm.py --init-from build/lab/code-ar/stage2 --trajectories T.jsonl [--out build/lab/code-cllm]
                  [--minutes 22] [--lr 1e-4] [--ar-weight 3] [--states 16] [--ar-batch 4]

Each step sums two losses (seed 000, "CLLMs"):
- consistency (global form, hard labels): for STATES states y(j) of the trajectories, the input is the prompt x, the
  settled fixed-point tokens before the state's position, then the state's window (the settled token followed by
  the guesses, some of them wrong); each window row must predict the fixed point y*'s next token. This teaches the
  model to map any point of a Jacobi trajectory to its fixed point, so more guesses pass verification per call.
- AR: next-token cross-entropy on corpus windows (as train_ar.py), weighted --ar-weight, keeping the model close
  to what it was (held-out loss is reported before and after). A first run with AR weight 1 and peak lr 3e-4 (22
  min) reached 1.97 Jacobi tokens per call against code-ar's 1.64 but its greedy text collapsed into repetitions
  ("rererere...") while held-out perplexity only rose 60.7 -> 68.8: hence the defaults AR weight 3, lr 1e-4.
Writes OUT/ckpt/, OUT/loss.csv (consistency loss, AR loss, held-out loss) and OUT/summary.json.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import sentencepiece as spm
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from code_heldout import unesc  # noqa: E402
from model import Llama, add_device_arg, lab_device, read_checkpoint  # noqa: E402
from train_ar import encode_split, evaluate, write_checkpoint  # noqa: E402

SEED = 4321
AR_CTX = 128
IGNORE = -100


def repeats(seq, n=4):
    """repeats[j]: the n-gram ending at position j already occurred earlier in seq (j is inside a loop)."""
    seen, out = set(), [False] * len(seq)
    for j in range(n - 1, len(seq)):
        g = tuple(seq[j - n + 1:j + 1])
        out[j] = g in seen
        seen.add(g)
    return out


def load_states(path, first=0, skip_repeats=False):
    """(input ids, target ids, clean input ids, position, loop rows) per trajectory state of trajectories first.. of
    the file; loop rows are the rows before the window (they see the clean fixed point) whose next token, generated
    by the starting model, completes a 4-gram seen before in the sequence (the text looping there).
    The clean input is prompt + fixed point up to the window's end (the same length: what the starting model sees
    in place of the guesses); targets are IGNORE outside
    the window rows, and with skip_repeats also where the fixed point's token continues a loop (completes a 4-gram
    seen before): a weak model's greedy text loops, and there a future token is predictable by copying the loop,
    which is not what the consistency loss should teach."""
    states = []
    for line in list(open(path))[first:]:
        t = json.loads(line)
        full = t["prompt"] + t["output"]
        looping = repeats(full)
        loop = looping if skip_repeats else [False] * len(full)
        for pos, window in t["states"]:
            assert full[pos] == window[0], "window[0] is the settled token at the state's position"
            k = len(window)
            inp = full[:pos] + window
            tgt = [IGNORE] * pos + [full[pos + i + 1] if pos + i + 1 < len(full) and not loop[pos + i + 1] else IGNORE
                                    for i in range(k)]
            if any(x != IGNORE for x in tgt[pos + 1:]):  # rows after a guess: what the loss is for
                loops = [r for r in range(len(t["prompt"]) - 1, pos) if looping[r + 1]]
                states.append((inp, tgt, full[:pos + k] + [0] * max(0, pos + k - len(full)), pos, loops))
    return states


def kl_rows(teacher_logits, student_logits, rows):
    """Mean over the selected rows of KL(teacher || student), the teacher's distribution taken as fixed."""
    t = F.log_softmax(teacher_logits[rows].float(), -1)
    s = F.log_softmax(student_logits[rows].float(), -1)
    return (t.exp() * (t - s)).sum(-1).mean()


def repeated_ngram_share(tokens, n=4):
    """Share of the n-grams of a continuation that already occurred earlier in it: 0 for fresh text, near 1 for a
    loop such as `name,name,name,...`."""
    r = repeats(tokens, n)[n - 1:]
    return sum(r) / max(1, len(r))


@torch.no_grad()
def greedy_agreement(model, teacher, sp, tsv, n=50, new=64):
    """On held-out prompts (the `eval --task code` file), greedy continuations of NEW tokens by the trained model and
    the model it started from: the share that are identical, their mean common prefix, and each model's mean
    repeated-4-gram share (the degeneration measure: consistency training must not make the text loop more)."""
    same = prefix = 0
    rep = [0.0, 0.0]
    lines = [l.rstrip("\n").split("\t") for l in open(tsv) if l.strip()][:n]
    for fields in lines:
        ids = [sp.bos_id()] + sp.encode(unesc(fields[0]))
        outs = []
        for j, m in enumerate((model, teacher)):
            seq = list(ids)
            for _ in range(new):
                seq.append(int(m(torch.tensor([seq[-model.cfg.n_ctx:]], device=model.cos.device))[0, -1].argmax()))
            outs.append(seq[len(ids):])
            rep[j] += repeated_ngram_share(outs[-1])
        k = 0
        while k < new and outs[0][k] == outs[1][k]:
            k += 1
        same += k == new
        prefix += k
    m = len(lines)
    return {"identical": round(same / m, 3), "common_prefix": round(prefix / m, 2), "new_tokens": new,
            "repeated_4grams": round(rep[0] / m, 3), "repeated_4grams_start": round(rep[1] / m, 3)}


def pad(rows, value):
    n = max(len(r) for r in rows)
    return torch.tensor([r + [value] * (n - len(r)) for r in rows])


@torch.no_grad()
def fixed_point_check(model, path, n=20):
    """On the original model, the fixed point's rows reproduce y* (it is that model's greedy output): the share of
    window rows whose argmax given x + y* equals y*'s next token. Checks the index arithmetic of load_states."""
    ok = tot = 0
    for line in list(open(path))[:n]:
        t = json.loads(line)
        full = t["prompt"] + t["output"]
        logits = model(torch.tensor([full[:-1]], device=model.cos.device))[0]
        pred = logits.argmax(-1).tolist()
        p = len(t["prompt"])
        for i in range(p - 1, len(full) - 1):
            ok += pred[i] == full[i + 1]
            tot += 1
    return ok / tot


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--init-from", default="build/lab/code-ar/stage2")
    ap.add_argument("--trajectories", default="build/lab/code-cllm/trajectories.jsonl")
    ap.add_argument("--corpus", default="build/lab/corpus")
    ap.add_argument("--heldout-prompts", default="models/lab/code-heldout.tsv")
    ap.add_argument("--tokenizer", default="build/lab/tokenizer/spm.model")
    ap.add_argument("--out", default="build/lab/code-cllm")
    ap.add_argument("--minutes", type=float, default=22.0)
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--states", type=int, default=16)
    ap.add_argument("--ar-batch", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--first-trajectory", type=int, default=0,
                    help="skip the trajectories before this line (collect_trajectories.py writes the random-guess ones first)")
    ap.add_argument("--ar-weight", type=float, default=3.0, help="weight of the AR loss against the consistency loss")
    ap.add_argument("--consistency-weight", type=float, default=1.0,
                    help="weight of the consistency loss (0: a control run, the same steps with the AR and anchor losses "
                         "alone, which shows what further training alone does to perplexity and repetition)")
    ap.add_argument("--objective", choices=["hard", "distill"], default="hard",
                    help="hard: fixed-point token labels + corpus cross-entropy; distill: the starting model's "
                         "distributions as soft targets (window rows, clean prefix rows, corpus windows)")
    ap.add_argument("--anchor-weight", type=float, default=None,
                    help="weight of the KL from the starting model on the clean prefix rows of each state "
                         "(default: 1 with distill, 0 with hard)")
    ap.add_argument("--confident", type=float, default=0.0,
                    help="hard: consistency targets only on window rows where the starting model, given the clean "
                         "prefix, puts at least this probability on y*'s token (a guess it is unsure of even from "
                         "clean text cannot be accepted reliably; forcing it from noisy text only sharpens the model)")
    ap.add_argument("--unlikelihood", type=float, default=0.0,
                    help="weight of an unlikelihood loss (Welleck et al. 2019, sequence level) on the rows where the "
                         "starting model's own greedy text, the fixed point, continues a loop: -log(1 - p) of that "
                         "token given the clean prefix, so the student leaves the loops its teacher falls into")
    ap.add_argument("--skip-repeats", action="store_true",
                    help="no consistency target where the fixed point continues a loop (see load_states)")
    add_device_arg(ap)
    a = ap.parse_args()
    if a.anchor_weight is None:
        a.anchor_weight = 1.0 if a.objective == "distill" else 0.0
    dev = lab_device(a.device)

    torch.set_num_threads(a.threads)
    torch.manual_seed(SEED)
    rnd = random.Random(SEED)
    rng = np.random.default_rng(SEED)
    sp = spm.SentencePieceProcessor(model_file=a.tokenizer)
    train = encode_split(sp, os.path.join(a.corpus, "train.txt"))
    held = encode_split(sp, os.path.join(a.corpus, "heldout.txt"))
    states = load_states(a.trajectories, a.first_trajectory, a.skip_repeats)
    n_traj = sum(1 for _ in open(a.trajectories)) - a.first_trajectory
    print(f"{n_traj} trajectories, {len(states)} states", flush=True)

    cfg, weights, _ = read_checkpoint(os.path.join(a.init_from, "ckpt"))
    model = Llama(cfg)
    model.load_arrays(weights)
    model.to(dev)
    model.eval()
    teacher = Llama(cfg)
    teacher.load_arrays(weights)
    teacher.to(dev)
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    fp = fixed_point_check(model, a.trajectories)
    print(f"original model reproduces y* on {100 * fp:.1f}% of fixed-point rows", flush=True)
    assert fp > 0.98, "trajectories do not match the model they were collected from"
    held_before = evaluate(model, held, cfg.n_ctx, 64)
    model.train()

    opt = model.adamw(a.lr, (0.9, 0.95))
    os.makedirs(a.out, exist_ok=True)
    log = open(os.path.join(a.out, "loss.csv"), "w")
    log.write("step,states,consistency_loss,ar_loss,heldout_loss,lr,elapsed_s\n")
    warmup, budget = 20, a.minutes * 60
    t0 = time.time()
    step, seen, progress, ema_c, ema_a = 0, 0, 0.0, None, None
    while progress < 1.0:
        lr = Llama.set_lr(opt, a.lr, step, progress, warmup, 0.1)
        batch = rnd.sample(states, a.states)
        x = pad([s[0] for s in batch], 0).to(dev)
        y = pad([s[1] for s in batch], IGNORE).to(dev)
        logits = model(x)
        starts = rng.integers(0, len(train) - AR_CTX - 1, a.ar_batch)
        xa = torch.from_numpy(np.stack([train[s:s + AR_CTX] for s in starts])).to(dev)
        ya = torch.from_numpy(np.stack([train[s + 1:s + AR_CTX + 1] for s in starts])).to(dev)
        # Window rows: the student sees the guesses, the teacher the fixed point (argmax = y*'s next token).
        # Rows before the window see the same clean prefix in both: they anchor the student's own greedy text.
        window = y != IGNORE
        if a.objective == "distill" or a.anchor_weight > 0 or a.confident > 0:
            with torch.no_grad():
                t_logits = teacher(pad([s[2] for s in batch], 0).to(dev))
            prefix = torch.zeros_like(window)
            for r, st in enumerate(batch):
                prefix[r, :st[3]] = True
            lp = kl_rows(t_logits, logits, prefix)
        else:
            lp = torch.zeros((), device=dev)
        if a.objective == "hard":
            if a.confident > 0:
                with torch.no_grad():
                    p_fixed = F.softmax(t_logits.float(), -1).gather(-1, y.clamp(min=0).unsqueeze(-1)).squeeze(-1)
                y = torch.where(window & (p_fixed < a.confident), torch.full_like(y, IGNORE), y)
            # a batch with no target left (every row unsure) has no consistency term rather than a NaN
            lc = (F.cross_entropy(logits.reshape(-1, cfg.n_vocab), y.reshape(-1), ignore_index=IGNORE)
                  if (y != IGNORE).any() else logits.sum() * 0)
            la = F.cross_entropy(model(xa).reshape(-1, cfg.n_vocab), ya.reshape(-1))
        else:
            with torch.no_grad():
                t_corpus = teacher(xa)
            lc = kl_rows(t_logits, logits, window)
            la = kl_rows(t_corpus, model(xa), torch.ones(xa.shape, dtype=torch.bool, device=dev))
        if a.unlikelihood > 0:
            rows = [(r, row) for r, st in enumerate(batch) for row in st[4]]
            if rows:
                ri = torch.tensor([r for r, _ in rows], device=dev)
                ci = torch.tensor([c for _, c in rows], device=dev)
                nxt = x[ri, ci + 1]
                p_loop = F.softmax(logits[ri, ci].float(), -1).gather(-1, nxt.unsqueeze(-1)).squeeze(-1)
                lu = -torch.log((1 - p_loop).clamp(min=1e-5)).mean()
            else:
                lu = logits.sum() * 0
        else:
            lu = torch.zeros((), device=dev)
        loss = a.consistency_weight * lc + a.anchor_weight * lp + a.ar_weight * la + a.unlikelihood * lu
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        seen += len(batch)
        elapsed = time.time() - t0
        progress = max(step / a.steps, elapsed / budget)
        ema_c = lc.item() if ema_c is None else 0.95 * ema_c + 0.05 * lc.item()
        ema_a = la.item() if ema_a is None else 0.95 * ema_a + 0.05 * la.item()
        hl = f"{evaluate(model, held, cfg.n_ctx, 16):.4f}" if step % 100 == 0 else ""
        log.write(f"{step},{seen},{lc.item():.4f},{la.item():.4f},{hl},{lr:.6f},{elapsed:.1f}\n")
        log.flush()
        if step % 20 == 0:
            print(f"step {step} consistency {ema_c:.3f} ar {ema_a:.3f} {hl} {elapsed:.0f}s", flush=True)
    train_s = time.time() - t0
    held_after = evaluate(model, held, cfg.n_ctx, 64)
    model.eval()
    greedy = greedy_agreement(model, teacher, sp, a.heldout_prompts)
    print(f"greedy on held-out prompts against the starting model: {greedy}", flush=True)
    log.close()
    write_checkpoint(model, sp, a.out, {"name": "paradec-code-cllm"})
    summary = {"params": sum(p.numel() for p in model.parameters()), "steps": step, "states_seen": seen,
               "trajectories": n_traj, "states": len(states), "states_per_step": a.states, "ar_batch": a.ar_batch,
               "ar_ctx": AR_CTX, "ar_weight": a.ar_weight, "consistency_weight": a.consistency_weight, "unlikelihood": a.unlikelihood, "objective": a.objective, "skip_repeats": a.skip_repeats,
               "confident": a.confident,
               "anchor_weight": a.anchor_weight, "lr": a.lr, "threads": a.threads,
               "train_seconds": round(train_s, 1), "final_consistency_loss_ema": round(ema_c, 4),
               "final_ar_loss_ema": round(ema_a, 4), "fixed_point_rows_reproduced": round(fp, 4),
               "heldout_loss_before": round(held_before, 4), "heldout_loss_after": round(held_after, 4),
               "heldout_ppl_before": round(math.exp(held_before), 3), "heldout_ppl_after": round(math.exp(held_after), 3),
               "greedy_vs_start": greedy,
               "init_from": a.init_from, "seed": SEED, "torch": torch.__version__, "device": str(dev), "config": cfg.to_dict()}
    with open(os.path.join(a.out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
