#!/usr/bin/python3
"""Trains code-dlm: a LLaDA-style masked-diffusion model (llama.cpp arch "llada") on the corpus.

    train_dlm.py [--out build/lab/code-dlm/stage1] [--minutes 20] [--steps 600] [--batch 8]

Same network as code-ar (model.py) with bidirectional attention and one extra vocabulary entry,
the mask token <|mdm_mask|> (id = SentencePiece vocab size, a CONTROL token). Objective (LLaDA):
per sequence t ~ U(eps, 1); every token is replaced by the mask with probability t; the loss is the
cross-entropy on masked positions weighted 1/t, summed and divided by the number of tokens. The
logits of a position predict the token AT that position (GGUF diffusion.shift_logits = false).
Writes OUT/ckpt/{weights.npz, config.properties (with mask_token_id), vocab.tsv}, loss.csv, summary.json.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import sentencepiece as spm
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Config, Llama, TIME_WEIGHT_TEXT, add_device_arg, add_time_weight_arg, lab_device, \
    masked_diffusion_loss  # noqa: E402
from train_ar import encode_split, write_vocab, SEED  # noqa: E402

MASK_PIECE = "<|mdm_mask|>"
EPS = 1e-3


def mdm_loss(model, x, mask_id, gen, time_weight="inverse"):
    B, T = x.shape
    t = EPS + (1 - EPS) * torch.rand(B, 1, generator=gen)
    masked = torch.rand(B, T, generator=gen) < t
    inp = torch.where(masked, torch.full_like(x, mask_id), x)
    dev = model.cos.device
    x, masked, t = x.to(dev), masked.to(dev), t.to(dev)
    logits = model(inp.to(dev))
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x.reshape(-1), reduction="none").view(B, T)
    return masked_diffusion_loss(ce, masked, t, time_weight), masked


@torch.no_grad()
def evaluate(model, data, T, windows, mask_id, seed=7):
    """Mean 1/t-weighted masked CE (the training objective; an upper bound on NLL per token)."""
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    starts = np.linspace(0, len(data) - T - 1, windows).astype(np.int64)
    tot = 0.0
    for i in range(0, len(starts), 8):
        x = torch.from_numpy(np.stack([data[j:j + T] for j in starts[i:i + 8]]))
        loss, _ = mdm_loss(model, x, mask_id, gen)
        tot += loss.item() * x.shape[0]
    model.train()
    return tot / len(starts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="build/lab/corpus")
    ap.add_argument("--tokenizer", default="build/lab/tokenizer/spm.model")
    ap.add_argument("--out", default="build/lab/code-dlm/stage1")
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--embd", type=int, default=Config.n_embd)
    ap.add_argument("--layers", type=int, default=Config.n_layer)
    ap.add_argument("--heads", type=int, default=Config.n_head)
    ap.add_argument("--ff", type=int, default=Config.n_ff)
    ap.add_argument("--ctx", type=int, default=Config.n_ctx, help="training window = the model's context length")
    add_time_weight_arg(ap)
    ap.add_argument("--short-ctx", type=int, default=0,
                    help="train most steps on windows this long (the same tokens per step), a --long-share of them at --ctx")
    ap.add_argument("--long-share", type=float, default=0.25)
    add_device_arg(ap)
    a = ap.parse_args()
    dev = lab_device(a.device)

    torch.set_num_threads(a.threads)
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    os.makedirs(os.path.join(a.out, "ckpt"), exist_ok=True)
    sp = spm.SentencePieceProcessor(model_file=a.tokenizer)
    train = encode_split(sp, os.path.join(a.corpus, "train.txt"))
    held = encode_split(sp, os.path.join(a.corpus, "heldout.txt"))
    mask_id = sp.get_piece_size()
    cfg = Config(arch="llada", n_vocab=mask_id + 1, causal=False, n_embd=a.embd, n_layer=a.layers, n_head=a.heads,
                 n_head_kv=a.heads, n_ff=a.ff, n_ctx=a.ctx)
    model = Llama(cfg)
    model.init_weights(SEED)
    model.to(dev)
    n_params = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.params.items() if not n.endswith("norm__weight")]
    nodecay = [p for n, p in model.params.items() if n.endswith("norm__weight")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.95), eps=1e-8, foreach=True)
    T, warmup, budget = cfg.n_ctx, 30, a.minutes * 60
    log = open(os.path.join(a.out, "loss.csv"), "w")
    log.write("step,tokens,train_loss,heldout_loss,lr,elapsed_s\n")
    t0 = time.time()
    step, tokens, progress, ema = 0, 0, 0.0, None
    while progress < 1.0:
        lr_scale = min(1.0, (step + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))
        for g in opt.param_groups:
            g["lr"] = a.lr * lr_scale
        # Short windows are ~2x cheaper a token than full ones at ctx 1024 (attention); the full ones teach the
        # far positions. RoPE is relative, so what a short window teaches carries over.
        Tw, nw = T, a.batch
        if a.short_ctx and rng.random() >= a.long_share:
            Tw, nw = a.short_ctx, a.batch * T // a.short_ctx
        starts = rng.integers(0, len(train) - Tw, nw)
        x = torch.from_numpy(np.stack([train[s:s + Tw] for s in starts]))
        loss, _ = mdm_loss(model, x, mask_id, gen, a.time_weight)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        tokens += x.numel()
        elapsed = time.time() - t0
        progress = max(step / a.steps, elapsed / budget)
        lv = loss.item()
        ema = lv if ema is None else 0.9 * ema + 0.1 * lv
        hl = f"{evaluate(model, held, T, 16, mask_id):.4f}" if step % 100 == 0 else ""
        log.write(f"{step},{tokens},{lv:.4f},{hl},{a.lr * lr_scale:.6f},{elapsed:.1f}\n")
        log.flush()
        if step % 10 == 0:
            print(f"step {step} loss {lv:.3f} ema {ema:.3f} {hl} {tokens / elapsed:.0f} tok/s {elapsed:.0f}s", flush=True)
    train_s = time.time() - t0
    held_loss = evaluate(model, held, T, 64, mask_id)
    train_eval = evaluate(model, train, T, 64, mask_id)
    log.write(f"{step},{tokens},{ema:.4f},{held_loss:.4f},0,{train_s:.1f}\n")
    log.close()
    ck = os.path.join(a.out, "ckpt")
    np.savez(os.path.join(ck, "weights.npz"), **model.state_arrays())
    props = cfg.to_dict()
    props.update({"name": "paradec-code-dlm", "mask_token_id": mask_id})
    with open(os.path.join(ck, "config.properties"), "w") as fh:
        for k, v in props.items():
            fh.write(f"{k}={str(v).lower() if isinstance(v, bool) else v}\n")
    write_vocab(sp, os.path.join(ck, "vocab.tsv"))
    with open(os.path.join(ck, "vocab.tsv"), "a", encoding="utf-8") as fh:
        fh.write(f"{mask_id}\t3\t0.0\t{MASK_PIECE}\n")
    summary = {"params": n_params, "steps": step, "tokens": tokens, "batch": a.batch, "ctx": T,
               "short_ctx": a.short_ctx or None, "long_share": a.long_share if a.short_ctx else None,
               "train_seconds": round(train_s, 1), "tokens_per_second": round(tokens / train_s, 1),
               "objective": "masked diffusion, t~U(1e-3,1), CE on masked tokens weighted " + TIME_WEIGHT_TEXT[a.time_weight],
               "time_weight": a.time_weight,
               "final_train_loss_ema": round(ema, 4), "train_loss_eval": round(train_eval, 4),
               "heldout_loss": round(held_loss, 4), "heldout_ppl_bound": round(math.exp(held_loss), 3),
               "train_tokens_corpus": int(len(train)), "heldout_tokens_corpus": int(len(held)),
               "seed": SEED, "lr": a.lr, "threads": a.threads, "mask_token_id": mask_id,
               "stage": 1, "init_from": None, "torch": torch.__version__, "device": str(dev), "config": cfg.to_dict()}
    with open(os.path.join(a.out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
