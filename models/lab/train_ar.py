#!/usr/bin/python3
"""Trains code-ar: a causal llama model on the stdlib corpus (next-token cross-entropy).

    train_ar.py [--out build/lab/code-ar/stage1] [--minutes 20] [--steps 600] [--batch 8]
                [--init-from PREVIOUS_RUN_DIR --lr 1e-3]

A second run with --init-from continues from the first one's weights (fresh optimizer, its own
warm-up and cosine, other batches); its loss.csv counts steps and tokens on from the first run's,
so the two logs form one curve. (Each run stays under ~25 minutes on a shared 2-core machine.)

Learning rate: linear warm-up, then cosine decay to 10% over the run's progress, where
progress = max(step / steps, elapsed / budget): on a slow or busy machine the run ends
on time with the schedule completed (the card records the steps actually taken).
Writes OUT/ckpt/{weights.npz, config.properties, vocab.tsv}, OUT/loss.csv, OUT/summary.json.
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
from model import Config, Llama, add_device_arg, lab_device  # noqa: E402

FILE_SEP = "\x00\n"
SEED = 1234


def encode_split(sp, path):
    with open(path, encoding="utf-8") as fh:
        docs = fh.read().split(FILE_SEP)
    out = []
    for d in docs:
        out.append(sp.bos_id())
        out.extend(sp.encode(d))
        out.append(sp.eos_id())
    return np.array(out, dtype=np.int64)


def write_checkpoint(model, sp, out_dir, extra):
    ck = os.path.join(out_dir, "ckpt")
    os.makedirs(ck, exist_ok=True)
    np.savez(os.path.join(ck, "weights.npz"), **model.state_arrays())
    cfg = model.cfg.to_dict()
    cfg.update(extra)
    with open(os.path.join(ck, "config.properties"), "w") as fh:
        for k, v in cfg.items():
            fh.write(f"{k}={str(v).lower() if isinstance(v, bool) else v}\n")
    write_vocab(sp, os.path.join(ck, "vocab.tsv"))


def write_vocab(sp, path):
    """id TAB type TAB score TAB piece; piece escaped with \\\\ \\t \\n \\r. Types are GGUF token types."""
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(sp.get_piece_size()):
            if sp.is_unknown(i):
                t = 2
            elif sp.is_control(i):
                t = 3
            elif sp.is_byte(i):
                t = 6
            else:
                t = 1
            p = sp.id_to_piece(i).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
            fh.write(f"{i}\t{t}\t{sp.get_score(i)!r}\t{p}\n")


@torch.no_grad()
def evaluate(model, data, n_ctx, windows):
    model.eval()
    starts = np.linspace(0, len(data) - n_ctx - 2, windows).astype(np.int64)
    tot, n = 0.0, 0
    for i in range(0, len(starts), 8):
        s = starts[i:i + 8]
        dev = model.cos.device
        x = torch.from_numpy(np.stack([data[j:j + n_ctx] for j in s])).to(dev)
        y = torch.from_numpy(np.stack([data[j + 1:j + n_ctx + 1] for j in s])).to(dev)
        logits = model(x)
        tot += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum").item()
        n += y.numel()
    model.train()
    return tot / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="build/lab/corpus")
    ap.add_argument("--tokenizer", default="build/lab/tokenizer/spm.model")
    ap.add_argument("--out", default="build/lab/code-ar")
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--init-from", default=None)
    ap.add_argument("--embd", type=int, default=Config.n_embd)
    ap.add_argument("--layers", type=int, default=Config.n_layer)
    ap.add_argument("--heads", type=int, default=Config.n_head)
    ap.add_argument("--ff", type=int, default=Config.n_ff)
    ap.add_argument("--name", default="paradec-code-ar", help="general.name of the exported model")
    add_device_arg(ap)
    a = ap.parse_args()
    dev = lab_device(a.device)

    torch.set_num_threads(a.threads)
    prev = None
    if a.init_from:
        prev = json.load(open(os.path.join(a.init_from, "summary.json")))
    stage = 1 if prev is None else prev.get("stage", 1) + 1
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED + stage - 1)
    os.makedirs(a.out, exist_ok=True)
    sp = spm.SentencePieceProcessor(model_file=a.tokenizer)
    train = encode_split(sp, os.path.join(a.corpus, "train.txt"))
    held = encode_split(sp, os.path.join(a.corpus, "heldout.txt"))
    print(f"tokens: train {len(train)}, held-out {len(held)}", flush=True)

    cfg = Config(n_vocab=sp.get_piece_size(), n_embd=a.embd, n_layer=a.layers, n_head=a.heads, n_head_kv=a.heads,
                 n_ff=a.ff)
    if prev is not None:
        cfg = Config(**prev["config"])  # a continued run keeps its first run's shape
    model = Llama(cfg)
    model.init_weights(SEED)
    if prev is not None:
        model.load_arrays(dict(np.load(os.path.join(a.init_from, "ckpt", "weights.npz"))))
    model.to(dev)
    step0 = prev.get("total_steps", prev["steps"]) if prev else 0
    tok0 = prev.get("total_tokens", prev["tokens"]) if prev else 0
    sec0 = prev.get("total_train_seconds", prev["train_seconds"]) if prev else 0.0
    n_params = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.params.items() if not n.endswith("norm__weight")]
    nodecay = [p for n, p in model.params.items() if n.endswith("norm__weight")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.95), eps=1e-8, foreach=True)
    warmup = 30 if prev is None else 10
    budget = a.minutes * 60
    T = cfg.n_ctx
    log = open(os.path.join(a.out, "loss.csv"), "w")
    log.write("step,tokens,train_loss,heldout_loss,lr,elapsed_s\n")
    t0 = time.time()
    step, tokens, progress = 0, 0, 0.0
    ema = None
    while progress < 1.0:
        lr_scale = min(1.0, (step + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))
        for g in opt.param_groups:
            g["lr"] = a.lr * lr_scale
        starts = rng.integers(0, len(train) - T - 1, a.batch)
        x = torch.from_numpy(np.stack([train[s:s + T] for s in starts])).to(dev)
        y = torch.from_numpy(np.stack([train[s + 1:s + T + 1] for s in starts])).to(dev)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, cfg.n_vocab), y.reshape(-1))
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
        hl = ""
        if step % 100 == 0:
            hl = f"{evaluate(model, held, T, 16):.4f}"
        log.write(f"{step0 + step},{tok0 + tokens},{lv:.4f},{hl},{a.lr * lr_scale:.6f},{sec0 + elapsed:.1f}\n")
        log.flush()
        if step % 10 == 0:
            print(f"step {step} loss {lv:.3f} ema {ema:.3f} {hl} lr {a.lr * lr_scale:.2e} "
                  f"{tokens / elapsed:.0f} tok/s {elapsed:.0f}s", flush=True)
    train_s = time.time() - t0
    held_loss = evaluate(model, held, T, 128)
    train_eval = evaluate(model, train, T, 128)
    summary = {"params": n_params, "steps": step, "tokens": tokens, "batch": a.batch, "ctx": T,
               "train_seconds": round(train_s, 1), "tokens_per_second": round(tokens / train_s, 1),
               "final_train_loss_ema": round(ema, 4), "train_loss_eval": round(train_eval, 4),
               "heldout_loss": round(held_loss, 4), "heldout_ppl": round(math.exp(held_loss), 3),
               "train_tokens_corpus": int(len(train)), "heldout_tokens_corpus": int(len(held)),
               "seed": SEED, "lr": a.lr, "threads": a.threads, "device": str(dev), "config": cfg.to_dict()}
    summary.update({"stage": stage, "init_from": a.init_from, "total_steps": step0 + step,
                    "total_tokens": tok0 + tokens, "total_train_seconds": round(sec0 + train_s, 1),
                    "torch": torch.__version__})
    log.write(f"{step0 + step},{tok0 + tokens},{ema:.4f},{held_loss:.4f},0,{sec0 + train_s:.1f}\n")
    log.close()
    write_checkpoint(model, sp, a.out, {"name": a.name})
    with open(os.path.join(a.out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
