"""A llama-architecture transformer that computes exactly what llama.cpp's LLAMA graph computes.

Tensor names are the GGUF ones (token_embd.weight, blk.N.attn_q.weight, ...), and weights are
kept in the layout llama.cpp reads: a PyTorch [out, in] matrix is a ggml tensor with dims
[in, out] and the same bytes. Rotary embeddings use llama.cpp's "normal" rope type (LLAMA):
adjacent pairs (x[2i], x[2i+1]) of each head rotate by pos * base^(-2i/head_dim), so the
q/k weights need no permutation on export.
"""
import math
import os
from dataclasses import dataclass, asdict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    arch: str = "llama"
    n_vocab: int = 4000
    n_embd: int = 256
    n_layer: int = 4
    n_head: int = 8
    n_head_kv: int = 8
    n_ff: int = 688
    n_ctx: int = 256
    rope_base: float = 10000.0
    norm_eps: float = 1e-5
    causal: bool = True

    @property
    def head_dim(self):
        return self.n_embd // self.n_head

    def to_dict(self):
        return asdict(self)


def read_checkpoint(ckpt):
    """(Config, weight arrays, all properties) of a lab checkpoint directory (config.properties, weights.npz)."""
    props = dict(line.rstrip("\n").split("=", 1) for line in open(os.path.join(ckpt, "config.properties")))
    kw = {}
    for k, f in Config.__dataclass_fields__.items():
        if k in props:
            t = f.type if isinstance(f.type, type) else eval(f.type)
            kw[k] = (props[k] == "true") if t is bool else t(props[k])
    return Config(**kw), dict(np.load(os.path.join(ckpt, "weights.npz"))), props


def add_device_arg(ap):
    ap.add_argument("--device", default="auto",
                    help="auto (a CUDA GPU when PyTorch sees one, else the CPU), cpu, cuda or cuda:N")


def add_time_weight_arg(ap):
    ap.add_argument("--time-weight", choices=["inverse", "flat"], default="inverse",
                    help="llada: inverse: the ELBO's 1/t per sequence, summed over positions; flat: the mean over "
                         "the step's masked positions (same optimum, no 1/t spikes)")


# the weight of a masked position's cross-entropy under each --time-weight, as the cards state it
TIME_WEIGHT_TEXT = {"inverse": "1/t", "flat": "1 (flat in t: the mean over the step's masked positions)"}


def masked_diffusion_loss(ce, masked, t, time_weight):
    """A diffusion step's loss from per-position cross-entropies ce (B x T), the masked positions and each sequence's t.

    inverse: LLaDA's 1/t per sequence, summed and divided by all positions. flat: the mean over the batch's masked
    positions: the same optimum, without the spikes of sequences with t near 0 that gradient clipping turns into
    smaller steps for every other sequence (docs/planning-by-distance.md)."""
    if time_weight == "flat":
        return (ce * masked).sum() / masked.sum().clamp(min=1)
    return (ce * masked / t).sum() / ce.numel()


def lab_device(name):
    """The torch device a trainer runs on; `auto` picks the first CUDA GPU if there is one. Batches are built on the
    CPU (numpy, CPU generators, so a seed gives the same data on either device) and moved with .to(device)."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit(f"--device {name}: this PyTorch sees no CUDA GPU (torch {torch.__version__})")
    return torch.device(name)


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope_tables(n_pos, head_dim, base, device=None):
    inv = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
    ang = torch.arange(n_pos, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cos(ang).float(), torch.sin(ang).float()


def apply_rope(x, cos, sin):
    # x: [B, T, H, D]; rotate adjacent pairs (llama.cpp LLAMA_ROPE_TYPE_NORM)
    x0 = x[..., 0::2]
    x1 = x[..., 1::2]
    c = cos[None, :, None, :]
    s = sin[None, :, None, :]
    r0 = x0 * c - x1 * s
    r1 = x0 * s + x1 * c
    return torch.stack((r0, r1), dim=-1).flatten(-2)


class Llama(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        p = {}
        E, hd = cfg.n_embd, cfg.head_dim
        p["token_embd.weight"] = (cfg.n_vocab, E)
        for i in range(cfg.n_layer):
            b = f"blk.{i}."
            p[b + "attn_norm.weight"] = (E,)
            p[b + "attn_q.weight"] = (cfg.n_head * hd, E)
            p[b + "attn_k.weight"] = (cfg.n_head_kv * hd, E)
            p[b + "attn_v.weight"] = (cfg.n_head_kv * hd, E)
            p[b + "attn_output.weight"] = (E, cfg.n_head * hd)
            p[b + "ffn_norm.weight"] = (E,)
            p[b + "ffn_gate.weight"] = (cfg.n_ff, E)
            p[b + "ffn_up.weight"] = (cfg.n_ff, E)
            p[b + "ffn_down.weight"] = (E, cfg.n_ff)
        p["output_norm.weight"] = (E,)
        p["output.weight"] = (cfg.n_vocab, E)
        self.names = list(p)
        self.params = nn.ParameterDict({n.replace(".", "__"): nn.Parameter(torch.empty(s)) for n, s in p.items()})
        cos, sin = rope_tables(cfg.n_ctx, hd, cfg.rope_base)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)

    def w(self, name):
        return self.params[name.replace(".", "__")]

    def init_weights(self, seed):
        g = torch.Generator().manual_seed(seed)
        for n in self.names:
            t = self.w(n)
            with torch.no_grad():
                if n.endswith("norm.weight"):
                    t.fill_(1.0)
                else:
                    std = 0.02
                    if n.endswith("attn_output.weight") or n.endswith("ffn_down.weight"):
                        std = 0.02 / math.sqrt(2 * self.cfg.n_layer)
                    t.copy_(torch.randn(t.shape, generator=g) * std)

    @staticmethod
    def set_lr(opt, peak, step, progress, warmup, floor):
        """Linear warm-up over `warmup` steps, then cosine decay to floor * peak over progress in [0, 1]."""
        scale = min(1.0, (step + 1) / warmup) * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))
        for g in opt.param_groups:
            g["lr"] = peak * scale
        return peak * scale

    def adamw(self, lr, betas, weight_decay=0.1):
        """AdamW with weight decay on the matrices only (not on the norm weights)."""
        decay = [p for n, p in self.params.items() if not n.endswith("norm__weight")]
        nodecay = [p for n, p in self.params.items() if n.endswith("norm__weight")]
        return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                                  {"params": nodecay, "weight_decay": 0.0}], lr=lr, betas=betas, eps=1e-8, foreach=True)

    def state_arrays(self):
        return {n: self.w(n).detach().cpu().float().numpy() for n in self.names}

    def load_arrays(self, arrays):
        with torch.no_grad():
            for n in self.names:
                self.w(n).copy_(torch.from_numpy(arrays[n]))

    def forward(self, idx, attn_mask=None):
        cfg = self.cfg
        B, T = idx.shape
        hd = cfg.head_dim
        x = F.embedding(idx, self.w("token_embd.weight"))
        cos, sin = self.cos[:T], self.sin[:T]
        if attn_mask is None and cfg.causal:
            attn_mask = torch.full((T, T), float("-inf"), device=idx.device).triu(1)
        rep = cfg.n_head // cfg.n_head_kv
        for i in range(cfg.n_layer):
            b = f"blk.{i}."
            h = rms_norm(x, self.w(b + "attn_norm.weight"), cfg.norm_eps)
            q = F.linear(h, self.w(b + "attn_q.weight")).view(B, T, cfg.n_head, hd)
            k = F.linear(h, self.w(b + "attn_k.weight")).view(B, T, cfg.n_head_kv, hd)
            v = F.linear(h, self.w(b + "attn_v.weight")).view(B, T, cfg.n_head_kv, hd)
            q = apply_rope(q, cos, sin).transpose(1, 2)
            k = apply_rope(k, cos, sin).transpose(1, 2)
            v = v.transpose(1, 2)
            if rep > 1:
                k = k.repeat_interleave(rep, dim=1)
                v = v.repeat_interleave(rep, dim=1)
            att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))
            if attn_mask is not None:
                att = att + attn_mask
            att = att.softmax(-1)
            o = (att @ v).transpose(1, 2).reshape(B, T, cfg.n_head * hd)
            x = x + F.linear(o, self.w(b + "attn_output.weight"))
            h = rms_norm(x, self.w(b + "ffn_norm.weight"), cfg.norm_eps)
            ff = F.silu(F.linear(h, self.w(b + "ffn_gate.weight"))) * F.linear(h, self.w(b + "ffn_up.weight"))
            x = x + F.linear(ff, self.w(b + "ffn_down.weight"))
        x = rms_norm(x, self.w("output_norm.weight"), cfg.norm_eps)
        return F.linear(x, self.w("output.weight"))
