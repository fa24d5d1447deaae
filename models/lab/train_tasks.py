#!/usr/bin/python3
"""Trains tasks-dlm: a small LLaDA-style masked-diffusion model (llama.cpp arch "llada") on
multi-digit addition (tasks.py), SFT-style: only the answer is ever masked.

    train_tasks.py [--out build/lab/tasks-dlm] [--minutes 12] [--steps 6000] [--batch 128]

A training sequence is <s>a+b= (prompt, never masked) followed by GEN_LEN answer positions
(the sum's digits, then </s> padding). Objective (LLaDA SFT): per sequence t ~ U(eps, 1); each
answer position is replaced by the mask with probability t; the loss is the cross-entropy on
masked positions weighted 1/t, divided by the number of answer positions. Sequences of one
batch group share the digit counts of a and b (so one length, no padding); each step sums
GROUPS groups. Same network code as code-dlm (model.py), bidirectional attention, logits of a
position predict the token at that position. Writes OUT/ckpt/{weights.npz, config.properties,
vocab.tsv}, loss.csv (with held-out exact match), summary.json.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Config, Llama  # noqa: E402
import tasks  # noqa: E402

EPS = 1e-3
GROUPS = 2


def batch(rng, n, la, lb, banned):
    P, A = [], []
    while len(P) < n:
        def num(d):
            return int(rng.integers(0 if d == 1 else 10 ** (d - 1), 10 ** d))
        a, b = num(la), num(lb)
        if (a, b) in banned:
            continue
        p, ans = tasks.sequence(a, b)
        P.append(p)
        A.append(ans)
    return torch.tensor(P), torch.tensor(A)


def loss_fn(model, p, ans, gen):
    B, G = ans.shape
    t = EPS + (1 - EPS) * torch.rand(B, 1, generator=gen)
    masked = torch.rand(B, G, generator=gen) < t
    inp = torch.cat([p, torch.where(masked, torch.full_like(ans, tasks.MASK_ID), ans)], 1)
    logits = model(inp)[:, p.shape[1]:]
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ans.reshape(-1), reduction="none").view(B, G)
    return (ce * masked / t).sum() / (B * G)


@torch.no_grad()
def exact_match(model, problems):
    """Held-out exact match of (1) one forward pass, argmax everywhere, and (2) GEN_LEN passes
    unmasking the most confident position each (vanilla LLaDA, low-confidence remasking)."""
    model.eval()
    by_len = {}
    for a, b in problems:
        p, _ = tasks.sequence(a, b)
        by_len.setdefault(len(p), []).append((a, b, p))
    one = seq = 0
    for L, items in by_len.items():
        p = torch.tensor([it[2] for it in items])
        x = torch.cat([p, torch.full((len(items), tasks.GEN_LEN), tasks.MASK_ID)], 1)
        first = model(x)[:, L:].argmax(-1)
        for _ in range(tasks.GEN_LEN):
            prob = model(x)[:, L:].softmax(-1)
            conf, tok = prob.max(-1)
            conf = torch.where(x[:, L:] == tasks.MASK_ID, conf, torch.full_like(conf, -1.0))
            j = conf.argmax(-1)
            r = torch.arange(len(items))
            x[r, L + j] = tok[r, j]
        for i, (a, b, _) in enumerate(items):
            one += tasks.decode(first[i].tolist()) == tasks.answer(a, b)
            seq += tasks.decode(x[i, L:].tolist()) == tasks.answer(a, b)
    model.train()
    return one / len(problems), seq / len(problems)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="build/lab/tasks-dlm")
    ap.add_argument("--minutes", type=float, default=14.0)
    ap.add_argument("--steps", type=int, default=8000)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--embd", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(tasks.TRAIN_SEED)
    gen = torch.Generator().manual_seed(tasks.TRAIN_SEED)
    rng = np.random.default_rng(tasks.TRAIN_SEED)
    os.makedirs(os.path.join(a.out, "ckpt"), exist_ok=True)
    held = tasks.heldout()
    banned = set(held)
    evalset = held[:500]
    cfg = Config(arch="llada", n_vocab=tasks.N_VOCAB, n_embd=a.embd, n_layer=a.layers, n_head=a.heads,
                 n_head_kv=a.heads, n_ff=int(a.embd * 8 / 3 + 63) // 64 * 64, n_ctx=64, causal=False)
    model = Llama(cfg)
    model.init_weights(tasks.TRAIN_SEED)
    n_params = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.params.items() if not n.endswith("norm__weight")]
    nodecay = [p for n, p in model.params.items() if n.endswith("norm__weight")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.98), eps=1e-8, foreach=True)
    warmup, budget = 100, a.minutes * 60
    log = open(os.path.join(a.out, "loss.csv"), "w")
    log.write("step,tokens,train_loss,heldout_em_oneshot,heldout_em_vanilla,lr,elapsed_s\n")
    t0 = time.time()
    step, tokens, progress, ema = 0, 0, 0.0, None
    D = tasks.MAX_DIGITS
    while progress < 1.0:
        lr_scale = min(1.0, (step + 1) / warmup) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))
        for g in opt.param_groups:
            g["lr"] = a.lr * lr_scale
        opt.zero_grad(set_to_none=True)
        lv = 0.0
        for _ in range(GROUPS):
            la, lb = (int(v) for v in rng.integers(1, D + 1, 2))
            p, ans = batch(rng, a.batch // GROUPS, la, lb, banned)
            loss = loss_fn(model, p, ans, gen) / GROUPS
            loss.backward()
            lv += loss.item()
            tokens += p.numel() + ans.numel()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        elapsed = time.time() - t0
        progress = max(step / a.steps, elapsed / budget)
        ema = lv if ema is None else 0.95 * ema + 0.05 * lv
        em = ""
        if step % 250 == 0:
            o, s = exact_match(model, evalset[:200])
            em = f"{o:.3f},{s:.3f}"
        log.write(f"{step},{tokens},{lv:.4f},{em if em else ','},{a.lr * lr_scale:.6f},{elapsed:.1f}\n")
        log.flush()
        if step % 50 == 0:
            print(f"step {step} loss {lv:.4f} ema {ema:.4f} {em} {elapsed:.0f}s", flush=True)
    train_s = time.time() - t0
    one, van = exact_match(model, evalset)
    log.close()
    ck = os.path.join(a.out, "ckpt")
    np.savez(os.path.join(ck, "weights.npz"), **model.state_arrays())
    props = cfg.to_dict()
    props.update({"name": "paradec-tasks-dlm", "mask_token_id": tasks.MASK_ID})
    with open(os.path.join(ck, "config.properties"), "w") as fh:
        for k, v in props.items():
            fh.write(f"{k}={str(v).lower() if isinstance(v, bool) else v}\n")
    tasks.write_vocab(os.path.join(ck, "vocab.tsv"))
    summary = {"params": n_params, "steps": step, "tokens": tokens, "batch": a.batch, "groups": GROUPS,
               "gen_len": tasks.GEN_LEN, "max_digits": D, "train_seconds": round(train_s, 1),
               "objective": "masked diffusion SFT: answer positions masked with prob t~U(1e-3,1), CE weighted 1/t",
               "final_train_loss_ema": round(ema, 5), "heldout_em_oneshot_500": one, "heldout_em_vanilla_500": van,
               "train_seed": tasks.TRAIN_SEED, "heldout_seed": tasks.HELDOUT_SEED, "heldout_pool": tasks.HELDOUT_POOL,
               "lr": a.lr, "threads": a.threads, "mask_token_id": tasks.MASK_ID, "torch": torch.__version__,
               "config": cfg.to_dict()}
    with open(os.path.join(a.out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
