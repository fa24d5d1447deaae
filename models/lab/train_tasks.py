#!/usr/bin/python3
"""Trains tasks-dlm (llada, masked diffusion) or tasks-ar (llama, causal) on the lab's synthetic tasks.

    train_tasks.py --arch llada|llama [--out DIR] [--minutes 18] [--steps 8000] [--batch 128]
                   [--tasks add,sort,path] [--weights 0.4,0.3,0.3] [--init-from DIR] [--name NAME] [--seed N]

tasks-long-dlm is `--arch llada --tasks inc --weights 1 --batch 24 --seed 1238 --name paradec-tasks-long-dlm`: the
long-answer task alone (72 answer positions), fewer problems a group since each is ~5x longer.

plan-ar, plan-dlm and plan-mdm are `--tasks plan --weights 1` with `--arch llama`, `--arch llada --reweight none` and
`--arch llada --reweight focal-mean1`: the planning task alone (letter nodes, its own 36-token vocabulary), the same
network, steps and time cap for all three; their held-out exact match is logged per planning distance (columns
heldout_em_plan_d2 .. heldout_em_plan_d6, EVAL_N problems each) so loss.csv holds the accuracy-by-distance curves.

Data (tasks.py): every step sums GROUPS groups; a group is one task drawn with the task weights, and one
shape of it (add: the digit counts of a and b; sort: the list length; path: the planning distance) so its
prompts have one length and need no padding. A problem whose prompt is in the task's held-out pool
(tasks.heldout_problems, 2000 per task) is never trained on.

llada (tasks-dlm): LLaDA SFT. The prompt is never masked; the task's GEN_LEN answer positions (the answer,
then </s> padding) are each masked with probability t ~ U(EPS, 1) per sequence; the loss of a masked position
is its cross-entropy u weighted 1/t, times the adaptive token-level reweighting of seed 000's multi-granularity
diffusion modeling (Ye et al., "Beyond Autoregression", ICLR 2025): v = ALPHA * (1 - exp(-u))^BETA with u
detached, a focal-loss-style weight that grows with the token's difficulty (u = 0 -> 0, u large -> ALPHA), so
easy, already-learnt subgoals (e.g. the </s> padding) stop dominating and hard ones (the first edges of a
path, the carries of a sum) get the gradient. Sum over masked positions / (batch * GEN_LEN).
--reweight picks v: focal (the above, tasks-dlm and tasks-long-dlm), none (v = 1: plain LLaDA SFT, plan-dlm) or
focal-mean1 (plan-mdm): the same focal weights (1 - p_theta(x0))^BETA, divided by their mean over the step's
masked positions (detached). Since exp(-u) = p_theta(x0), v is focal loss's (1 - p)^gamma with gamma = BETA = 2.
Dividing by the mean keeps the loss's overall scale that of plain SFT, so plan-mdm differs from plan-dlm only in
how the gradient is shared between tokens (hard ones up, learnt ones down), not in an effective learning rate that
shrinks as the loss falls; plan-dlm against plan-mdm is then the ablation of the reweighting alone.

llama (tasks-ar): <s> prompt answer </s>, cross-entropy on the answer tokens and </s> (teacher forcing).

Writes OUT/ckpt/{weights.npz, config.properties, vocab.tsv}, OUT/loss.csv (with held-out exact match per
task every EVAL_EVERY steps) and OUT/summary.json (held-out exact match per task on 500 problems).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Config, Llama, TIME_WEIGHT_TEXT, add_device_arg, add_time_weight_arg, lab_device, \
    masked_diffusion_loss  # noqa: E402
import tasks  # noqa: E402

EPS = 1e-3
GROUPS = 3
ALPHA, BETA = 1.0, 2.0     # MDM token reweighting v = ALPHA * (1 - exp(-u))^BETA
EVAL_EVERY = 250
EVAL_N = 100


def shape_of(task, rng):
    if task == "plan":
        return int(rng.integers(tasks.PLAN_PD_MIN, tasks.PLAN_PD_MAX + 1))
    if task == "inc":
        return tasks.INC_COUNT  # one shape: a fixed count keeps every answer digit at a fixed offset from its source
    if task == "add":
        return tuple(int(v) for v in rng.integers(1, tasks.MAX_DIGITS + 1, 2))
    if task == "sort":
        return int(rng.integers(tasks.SORT_MIN, tasks.SORT_MAX + 1))
    return int(rng.integers(tasks.PATH_PD_MIN, tasks.PATH_PD_MAX + 1))


def draw(task, shape, rng):
    if task == "plan":
        edges, s, g, path = tasks.draw_plan(rng, pd=shape)
        return tasks.plan_prompt(edges, s, g), tasks.plan_answer(path)
    if task == "inc":
        xs = tasks.draw_inc(rng, count=shape)
        return tasks.inc_prompt(xs), tasks.inc_answer(xs)
    if task == "add":
        a, b = tasks.draw(rng, digits=shape)
        return tasks.prompt(a, b), tasks.answer(a, b)
    if task == "sort":
        xs = tasks.draw_sort(rng, count=shape)
        return tasks.sort_prompt(xs), tasks.sort_answer(xs)
    edges, s, g, path = tasks.draw_path(rng, pd=shape)
    return tasks.path_prompt(edges, s, g), tasks.path_answer(path)


def group(task, n, rng, banned, arch, V):
    """(prompt ids [n, P], answer ids [n, A]) of n problems of one task and shape, in vocabulary V."""
    shape = shape_of(task, rng)
    P, A = [], []
    while len(P) < n:
        p, ans = draw(task, shape, rng)
        if p in banned[task]:
            continue
        if arch == "llada":
            pi, ai = V.encode_problem(p, ans, tasks.GEN_LENS[task])
        else:
            pi, ai = [tasks.BOS] + V.encode(p), V.encode(ans) + [tasks.EOS]
        P.append(pi)
        A.append(ai)
    return torch.tensor(P), torch.tensor(A)


def dlm_loss(model, p, ans, gen, mask_id, reweight="focal", time_weight="inverse"):
    B, G = ans.shape
    t = EPS + (1 - EPS) * torch.rand(B, 1, generator=gen)
    masked = torch.rand(B, G, generator=gen) < t
    inp = torch.cat([p, torch.where(masked, torch.full_like(ans, mask_id), ans)], 1)
    dev = model.cos.device
    ans, masked, t = ans.to(dev), masked.to(dev), t.to(dev)
    logits = model(inp.to(dev))[:, p.shape[1]:]
    u = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ans.reshape(-1), reduction="none").view(B, G)
    if reweight == "none":
        v = torch.ones_like(u)
    else:
        v = ALPHA * (1 - torch.exp(-u.detach())) ** BETA
        if reweight == "focal-mean1":
            v = v / (v * masked).sum().clamp_min(1e-8) * masked.sum().clamp_min(1)
    return masked_diffusion_loss(v * u, masked, t, time_weight)


def ar_loss(model, p, ans):
    x = torch.cat([p, ans], 1).to(model.cos.device)
    ans = ans.to(x.device)
    logits = model(x[:, :-1])[:, p.shape[1] - 1:]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ans.reshape(-1))


@torch.no_grad()
def solve(model, arch, task, problems, V):
    """The model's answers (strings) to (prompt, answer) problems: greedy for llama; for llada vanilla
    low-confidence unmasking, one position per pass."""
    out = [None] * len(problems)
    by_len = {}
    for i, (p, ans) in enumerate(problems):
        by_len.setdefault(len(p), []).append(i)
    G = tasks.GEN_LENS[task]
    for L, idx in by_len.items():
        x = torch.tensor([[tasks.BOS] + V.encode(problems[i][0]) for i in idx], device=model.cos.device)
        n = len(idx)
        if arch == "llada":
            x = torch.cat([x, torch.full((n, G), V.mask_id, device=x.device)], 1)
            for _ in range(G):
                prob = model(x)[:, L + 1:].softmax(-1)
                conf, tok = prob.max(-1)
                conf = torch.where(x[:, L + 1:] == V.mask_id, conf, torch.full_like(conf, -1.0))
                j = conf.argmax(-1)
                r = torch.arange(n, device=x.device)
                x[r, L + 1 + j] = tok[r, j]
        else:
            for _ in range(G):
                x = torch.cat([x, model(x)[:, -1].argmax(-1, keepdim=True)], 1)
        for k, i in enumerate(idx):
            out[i] = V.decode(x[k, L + 1:].tolist())
    return out


def exact_match(model, arch, evalsets, n, V):
    """Held-out exact match of each eval set {label: (task, problems)} on its first n problems."""
    model.eval()
    res = {}
    for label, (task, probs) in evalsets.items():
        got = solve(model, arch, task, probs[:n], V)
        res[label] = sum(g == a for g, (_, a) in zip(got, probs[:n])) / n
    model.train()
    return res


def eval_sets(task_names, held):
    """{label: (task, problems)}: a task's first 500 held-out problems, or for plan those of each distance apart."""
    out = {}
    for t in task_names:
        if t == "plan":
            for d in range(tasks.PLAN_PD_MIN, tasks.PLAN_PD_MAX + 1):
                out[f"plan_d{d}"] = (t, [q for q in held[t] if len(q[1].split(",")) == d][:500])
        else:
            out[t] = (t, held[t][:500])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=["llada", "llama"], required=True)
    ap.add_argument("--out", default=None)
    ap.add_argument("--minutes", type=float, default=18.0)
    ap.add_argument("--steps", type=int, default=8000)
    ap.add_argument("--batch", type=int, default=96, help="problems per group")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--embd", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tasks", default="add,sort,path")
    ap.add_argument("--weights", default="0.4,0.3,0.3")
    ap.add_argument("--eval-every", type=int, default=EVAL_EVERY, help="steps between held-out checks in loss.csv")
    ap.add_argument("--reweight", choices=["focal", "none", "focal-mean1"], default="focal",
                    help="llada: the token weight v (focal: tasks-dlm's; none: plain SFT; focal-mean1: focal / its mean)")
    add_time_weight_arg(ap)
    ap.add_argument("--init-from", default=None, help="a previous run's OUT directory to continue from")
    ap.add_argument("--final-n", type=int, default=500, help="held-out problems of the final exact match, per task")
    ap.add_argument("--name", default=None, help="general.name of the checkpoint (default paradec-tasks-dlm/-ar)")
    ap.add_argument("--seed", type=int, default=tasks.TRAIN_SEED,
                    help="training seed (weights, masks, problems); tasks-ar and tasks-dlm use the default")
    add_device_arg(ap)
    a = ap.parse_args()
    dev = lab_device(a.device)
    out = a.out or ("build/lab/tasks-dlm" if a.arch == "llada" else "build/lab/tasks-ar")
    task_names = a.tasks.split(",")
    weights = np.array([float(w) for w in a.weights.split(",")])
    weights /= weights.sum()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    rng = np.random.default_rng(a.seed + (0 if a.arch == "llada" else 1))
    os.makedirs(os.path.join(out, "ckpt"), exist_ok=True)
    V = tasks.vocab_for(task_names)
    held = {t: tasks.heldout_problems(t) for t in task_names}
    banned = {t: {p for p, _ in held[t]} for t in task_names}
    evalsets = eval_sets(task_names, held)
    # the context holds <s>, the longest prompt and the answer positions; 64 (the short tasks') unless a task needs more
    # (inc has one prompt length; the short tasks' lengths are what fit the 64 their models were trained with)
    need = max([1 + len(tasks.problem(t, np.random.default_rng(0))[0]) + tasks.GEN_LENS[t]
                for t in task_names if t == "inc"], default=0)
    n_ctx = max(64, (need + 31) // 32 * 32)
    cfg = Config(arch=a.arch, n_vocab=V.n_vocab, n_embd=a.embd, n_layer=a.layers, n_head=a.heads,
                 n_head_kv=a.heads, n_ff=int(a.embd * 8 / 3 + 63) // 64 * 64, n_ctx=n_ctx, causal=a.arch == "llama")
    model = Llama(cfg)
    model.init_weights(a.seed)
    if a.init_from:
        model.load_arrays(dict(np.load(os.path.join(a.init_from, "ckpt", "weights.npz"))))
    model.to(dev)
    n_params = sum(p.numel() for p in model.parameters())
    opt = model.adamw(a.lr, (0.9, 0.98))
    warmup, budget = (100 if not a.init_from else 10), a.minutes * 60
    log = open(os.path.join(out, "loss.csv"), "w")
    log.write("step,problems,train_loss," + ",".join(f"heldout_em_{t}" for t in evalsets) + ",lr,elapsed_s\n")
    t0 = time.time()
    step, problems, progress, ema = 0, 0, 0.0, None
    while progress < 1.0:
        lr = Llama.set_lr(opt, a.lr, step, progress, warmup, 0.05)
        opt.zero_grad(set_to_none=True)
        lv = 0.0
        for _ in range(GROUPS):
            task = task_names[int(rng.choice(len(task_names), p=weights))]
            p, ans = group(task, a.batch, rng, banned, a.arch, V)
            loss = (dlm_loss(model, p, ans, gen, V.mask_id, a.reweight, a.time_weight) if a.arch == "llada" else ar_loss(model, p, ans)) / GROUPS
            loss.backward()
            lv += loss.item()
            problems += len(p)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        elapsed = time.time() - t0
        progress = max(step / a.steps, elapsed / budget)
        ema = lv if ema is None else 0.95 * ema + 0.05 * lv
        em = {}
        if step % a.eval_every == 0:
            em = exact_match(model, a.arch, evalsets, EVAL_N, V)
        log.write(f"{step},{problems},{lv:.4f}," + ",".join(f"{em[t]:.3f}" if em else "" for t in evalsets)
                  + f",{lr:.6f},{elapsed:.1f}\n")
        log.flush()
        if step % 50 == 0 or em:
            print(f"step {step} loss {lv:.4f} ema {ema:.4f} {em if em else ''} {elapsed:.0f}s", flush=True)
    train_s = time.time() - t0
    log.close()
    ck = os.path.join(out, "ckpt")
    np.savez(os.path.join(ck, "weights.npz"), **model.state_arrays())
    props = cfg.to_dict()
    props["name"] = a.name or ("paradec-tasks-dlm" if a.arch == "llada" else "paradec-tasks-ar")
    if a.arch == "llada":
        props["mask_token_id"] = V.mask_id
    with open(os.path.join(ck, "config.properties"), "w") as fh:
        for k, v in props.items():
            fh.write(f"{k}={str(v).lower() if isinstance(v, bool) else v}\n")
    V.write(os.path.join(ck, "vocab.tsv"))
    # after the checkpoint is written (a long task's final evaluation takes minutes on a busy CPU), in chunks of
    # EVAL_N problems: one batch of 500 long sequences runs many times slower than five of 100 here
    final = {}
    for t, (task, probs) in evalsets.items():
        n = min(a.final_n, len(probs))
        hits = [exact_match(model, a.arch, {t: (task, probs[i:i + EVAL_N])}, min(EVAL_N, n - i), V)[t] * min(EVAL_N, n - i)
                for i in range(0, n, EVAL_N)]
        final[t] = round(sum(hits) / n, 4)
    tw = "(1/t)" if a.time_weight == "inverse" else TIME_WEIGHT_TEXT["flat"]
    weighting = {"focal": f"{tw} * {ALPHA} * (1 - exp(-u))^{BETA} (MDM token reweighting)",
                 "none": f"{tw} (plain LLaDA SFT, no token reweighting)",
                 "focal-mean1": f"{tw} * v, v = (1 - exp(-u))^{BETA} / its mean over the step's masked positions "
                                "(MDM token reweighting, focal form, mean 1)"}[a.reweight]
    objective = ("masked diffusion SFT: answer positions masked with prob t~U(1e-3,1), CE u weighted " + weighting
                 if a.arch == "llada" else "causal LM: cross-entropy on the answer tokens and </s>")
    summary = {"arch": a.arch, "params": n_params, "steps": step, "problems": problems, "batch": a.batch * GROUPS,
               "groups": GROUPS, "tasks": task_names, "task_weights": weights.round(3).tolist(),
               "gen_lens": tasks.GEN_LENS, "train_seconds": round(train_s, 1), "objective": objective,
               "final_train_loss_ema": round(ema, 5), "heldout_exact_match_500": final, "final_n": a.final_n,
               "reweight": a.reweight if a.arch == "llada" else None,
               "time_weight": a.time_weight if a.arch == "llada" else None, "minutes_cap": a.minutes, "steps_cap": a.steps,
               "train_seed": a.seed, "heldout_seed": tasks.HELDOUT_SEED, "heldout_pool": tasks.HELDOUT_POOL,
               "lr": a.lr, "threads": a.threads, "init_from": a.init_from, "torch": torch.__version__, "device": str(dev),
               "config": cfg.to_dict()}
    with open(os.path.join(out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
