#!/usr/bin/python3
"""Turns a shipped lab GGUF (llama or llada, F32/F16/Q8_0) back into a lab checkpoint directory, so that a model
whose training run is gone (build/lab is per machine) can be trained further: the reverse of `paradec export`.

    gguf_checkpoint.py MODEL.gguf TOKENIZER.model OUT_DIR

Writes OUT_DIR/ckpt/{weights.npz, config.properties, vocab.tsv}. The tensors keep their GGUF names; a ggml tensor
with dims [in, out] becomes the numpy/PyTorch [out, in] array with the same element order (as export writes it).
Q8_0 is dequantized (scale x int8 per block of 32): the checkpoint holds what llama.cpp computes with, not the F16
weights the quantized file was made from. Checks that every tensor the lab model has is present and that
Model.forward on the checkpoint reproduces models/lab/ref/NAME.logits.tsv when that reference exists.
Reads the GGUF with llama.cpp's own Python package (gguf-py in the llama.cpp source tree `make native` fetches).
"""
import argparse
import os
import sys

import numpy as np
import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "build", "llama-src", "gguf-py"))
import gguf  # noqa: E402
from gguf.quants import dequantize  # noqa: E402
from model import Config  # noqa: E402
from train_ar import write_vocab  # noqa: E402


def field(reader, key, default=None):
    f = reader.get_field(key)
    return default if f is None else f.contents()


def read(path):
    """(config properties, {name: float32 array}) of a lab GGUF."""
    r = gguf.GGUFReader(path)
    arch = field(r, "general.architecture")
    if arch not in ("llama", "llada"):
        raise SystemExit(f"{path}: architecture {arch!r}; the lab has llama and llada")
    props = {
        "arch": arch,
        "n_vocab": len(field(r, "tokenizer.ggml.tokens")),
        "n_embd": field(r, f"{arch}.embedding_length"),
        "n_layer": field(r, f"{arch}.block_count"),
        "n_head": field(r, f"{arch}.attention.head_count"),
        "n_head_kv": field(r, f"{arch}.attention.head_count_kv"),
        "n_ff": field(r, f"{arch}.feed_forward_length"),
        "n_ctx": field(r, f"{arch}.context_length"),
        "rope_base": field(r, f"{arch}.rope.freq_base", 10000.0),
        "norm_eps": field(r, f"{arch}.attention.layer_norm_rms_epsilon", 1e-5),
        "causal": arch == "llama",
        "name": field(r, "general.name", os.path.basename(path)),
    }
    if arch == "llada":
        props["mask_token_id"] = field(r, "tokenizer.ggml.mask_token_id")
    arrays = {}
    for t in r.tensors:
        shape = tuple(int(d) for d in reversed(t.shape))  # ggml [in, out] -> numpy [out, in]
        arrays[t.name] = np.ascontiguousarray(dequantize(t.data, t.tensor_type).astype(np.float32).reshape(shape))
    return props, arrays


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("tokenizer")
    ap.add_argument("out")
    a = ap.parse_args()
    props, arrays = read(a.model)
    ck = os.path.join(a.out, "ckpt")
    os.makedirs(ck, exist_ok=True)
    np.savez(os.path.join(ck, "weights.npz"), **arrays)
    with open(os.path.join(ck, "config.properties"), "w") as fh:
        for k, v in props.items():
            fh.write(f"{k}={str(v).lower() if isinstance(v, bool) else v}\n")
    sp = spm.SentencePieceProcessor(model_file=a.tokenizer)
    if sp.get_piece_size() != props["n_vocab"] - (1 if props["arch"] == "llada" else 0):
        raise SystemExit(f"{a.tokenizer} has {sp.get_piece_size()} pieces, {a.model} {props['n_vocab']} tokens")
    write_vocab(sp, os.path.join(ck, "vocab.tsv"))
    check(ck, a.model)
    print(f"{a.model}: {len(arrays)} tensors, {sum(x.size for x in arrays.values())} parameters -> {ck}")


def check(ck, gguf_path):
    """The checkpoint loads into the lab model; for a causal model with a shipped reference (models/lab/ref, made
    by reference.py from the training checkpoint with the weights rounded as the GGUF stores them), the forward
    pass gives the reference's argmax at every prompt position and its last-position logits within 0.1 (the
    reference rounds to Q8_0 from float32 and every matrix; llama-quantize rounds from the F16 export and keeps
    matrices whose rows are not whole blocks of 32, such as ffn_down at n_ff 688, in F16: code-ar differs by 0.03)."""
    import torch
    from model import Llama, read_checkpoint
    cfg, arrays, _ = read_checkpoint(ck)
    model = Llama(cfg)
    missing = [n for n in model.names if n not in arrays]
    if missing:
        raise SystemExit(f"{gguf_path}: no tensor for {missing[:4]}")
    model.load_arrays(arrays)
    ref = os.path.join(HERE, "ref", os.path.splitext(os.path.basename(gguf_path))[0] + ".logits.tsv")
    if not cfg.causal or not os.path.exists(ref):
        return
    lines = [line.rstrip("\n").split("\t") for line in open(ref, encoding="utf-8")]
    worst, prompts = 0.0, 0
    with torch.no_grad():
        for i, line in enumerate(lines):
            if line[0] != "prompt":
                continue
            ids = [int(x) for x in line[2].split()]
            logits = model(torch.tensor([ids]))[0]
            block = {rec[0]: rec[1] for rec in lines[i + 1:i + 6]}
            if [int(x) for x in block["argmax"].split()] != logits.argmax(-1).tolist():
                raise SystemExit(f"{gguf_path}: argmaxes differ from {ref} on prompt {line[1]!r}")
            want = np.array([float(x) for x in block["logits"].split()])
            worst = max(worst, float(np.abs(logits[-1].numpy() - want).max()))
            prompts += 1
    if worst > 0.1:
        raise SystemExit(f"{gguf_path}: last-position logits differ from {ref} by up to {worst:.2e}")
    print(f"matches {ref}: {prompts} prompts, argmax at every position, logits within {worst:.1e}")


if __name__ == "__main__":
    main()
