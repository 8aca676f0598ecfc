#!/usr/bin/env python3
"""Export a training checkpoint as a Hugging Face GPT-2 file set.

Writes into --out (default models/austen-gpt):
  config.json             GPT2Config fields (model_type "gpt2", activation "gelu_new", ...)
  model.safetensors       F16 weights, GPT2Model tensor names (no "transformer." prefix, no
                          lm_head: the head is tied to wte). Linear weights are stored in GPT-2's
                          Conv1D layout [in, out], i.e. transposed from nn.Linear's [out, in].
  vocab.json, merges.txt  the tokenizer (copied from the tokenizer directory)
  tokenizer_config.json   model_max_length and the <|endoftext|> special token

The safetensors file is written by `write_safetensors` below: an 8-byte little-endian header
length N, N bytes of JSON ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__":
{"format": "pt"}}, padded with spaces to a multiple of 8), then the raw little-endian data.
"""
import argparse
import json
import os
import shutil
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import GPT, GPTConfig, load_checkpoint  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DTYPE_NAMES = {np.dtype("float16"): "F16", np.dtype("float32"): "F32"}


def hf_tensors(model, dtype=np.float16):
    """[(name, ndarray)] in HF GPT2Model naming and Conv1D layout."""
    sd = {k: v.detach().float().cpu().numpy() for k, v in model.state_dict().items()}
    out = [("wte.weight", sd["wte.weight"]), ("wpe.weight", sd["wpe.weight"])]
    for i in range(model.cfg.n_layer):
        p = "h.%d." % i
        out += [
            (p + "ln_1.weight", sd[p + "ln_1.weight"]), (p + "ln_1.bias", sd[p + "ln_1.bias"]),
            (p + "attn.c_attn.weight", sd[p + "attn.c_attn.weight"].T),  # [E, 3E]
            (p + "attn.c_attn.bias", sd[p + "attn.c_attn.bias"]),
            (p + "attn.c_proj.weight", sd[p + "attn.c_proj.weight"].T),  # [E, E]
            (p + "attn.c_proj.bias", sd[p + "attn.c_proj.bias"]),
            (p + "ln_2.weight", sd[p + "ln_2.weight"]), (p + "ln_2.bias", sd[p + "ln_2.bias"]),
            (p + "mlp.c_fc.weight", sd[p + "mlp.c_fc.weight"].T),  # [E, 4E]
            (p + "mlp.c_fc.bias", sd[p + "mlp.c_fc.bias"]),
            (p + "mlp.c_proj.weight", sd[p + "mlp.c_proj.weight"].T),  # [4E, E]
            (p + "mlp.c_proj.bias", sd[p + "mlp.c_proj.bias"]),
        ]
    out += [("ln_f.weight", sd["ln_f.weight"]), ("ln_f.bias", sd["ln_f.bias"])]
    return [(n, np.ascontiguousarray(a.astype(dtype))) for n, a in out]


def write_safetensors(path, tensors, metadata=None):
    header, offset = {}, 0
    for name, arr in tensors:
        nbytes = arr.nbytes
        header[name] = {"dtype": DTYPE_NAMES[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    header["__metadata__"] = dict(metadata or {"format": "pt"})
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for _, arr in tensors:
            f.write(arr.astype(arr.dtype.newbyteorder("<")).tobytes())


def read_safetensors(path):
    """{name: float32 ndarray}; used by the fixture and pattern scripts."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    base = 8 + n
    np_dtype = {"F16": "<f2", "F32": "<f4"}
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        arr = np.frombuffer(data[base + b:base + e], dtype=np_dtype[info["dtype"]])
        out[name] = arr.reshape(info["shape"]).astype(np.float32)
    return out


def load_exported(model_dir):
    """Build the PyTorch model from an exported directory (F16 weights widened to float32)."""
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    cfg = GPTConfig(vocab_size=c["vocab_size"], n_positions=c["n_positions"], n_embd=c["n_embd"],
                    n_layer=c["n_layer"], n_head=c["n_head"], layer_norm_epsilon=c["layer_norm_epsilon"])
    model = GPT(cfg)
    t = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    sd = {}
    for name, arr in t.items():
        if name.endswith(("c_attn.weight", "c_proj.weight", "c_fc.weight")):
            arr = arr.T  # Conv1D [in, out] -> nn.Linear [out, in]
        sd[name] = torch.from_numpy(np.ascontiguousarray(arr))
    missing, unexpected = model.load_state_dict(sd, strict=False)
    assert not unexpected and not missing, (missing, unexpected)
    model.eval()
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default=os.path.expanduser("~/.cache/mha-wasm/run-austen/ckpt.pt"))
    ap.add_argument("--tokenizer", default=os.path.expanduser("~/.cache/mha-wasm/corpus/tokenizer"))
    ap.add_argument("--out", default=os.path.join(REPO, "models", "austen-gpt"))
    args = ap.parse_args()
    model, ckpt = load_checkpoint(args.ckpt)
    cfg = model.cfg
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.tokenizer, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    eot = vocab["<|endoftext|>"]
    assert len(vocab) == cfg.vocab_size and eot == cfg.vocab_size - 1
    config = {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "vocab_size": cfg.vocab_size,
        "n_positions": cfg.n_positions,
        "n_ctx": cfg.n_positions,
        "n_embd": cfg.n_embd,
        "n_layer": cfg.n_layer,
        "n_head": cfg.n_head,
        "n_inner": None,
        "activation_function": "gelu_new",
        "layer_norm_epsilon": cfg.layer_norm_epsilon,
        "resid_pdrop": 0.0,
        "embd_pdrop": 0.0,
        "attn_pdrop": 0.0,
        "initializer_range": 0.02,
        "scale_attn_weights": True,
        "tie_word_embeddings": True,
        "bos_token_id": eot,
        "eos_token_id": eot,
        "torch_dtype": "float16",
        "use_cache": True,
    }
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(args.out, "model.safetensors"), hf_tensors(model), {"format": "pt"})
    for name in ("vocab.json", "merges.txt"):
        shutil.copyfile(os.path.join(args.tokenizer, name), os.path.join(args.out, name))
    with open(os.path.join(args.out, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "GPT2Tokenizer", "model_max_length": cfg.n_positions,
                   "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>",
                   "unk_token": "<|endoftext|>", "add_prefix_space": False}, f, indent=2)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(args.out, n)) for n in os.listdir(args.out))
    print(json.dumps({"out": args.out, "step": ckpt.get("step"), "params": model.n_params(),
                      "dir_bytes": total}))


if __name__ == "__main__":
    main()
