#!/usr/bin/env python3
"""Sanity checks of an exported model directory.

1. Parses model.safetensors independently of export_hf.py (header bounds, offsets contiguous
   and in order of the data, dtype sizes, no trailing bytes) and compares every tensor with the
   training checkpoint, undoing the Conv1D transpose (difference must be F16 rounding only).
2. Validation loss of the float32 checkpoint and of the exported F16 weights (widened to f32)
   on the same validation windows.
3. A few generations (greedy and temperature-sampled) from the exported weights.
Prints one JSON object; --json writes it to a file as well.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bpe  # noqa: E402
from export_hf import load_exported  # noqa: E402
from model import load_checkpoint  # noqa: E402
from train_gpt import evaluate, val_windows  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def check_safetensors(path, ckpt_state):
    raw = open(path, "rb").read()
    n = int.from_bytes(raw[:8], "little")
    assert 8 + n <= len(raw), "header length past end of file"
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    assert header.pop("__metadata__") == {"format": "pt"}
    spans = sorted((info["data_offsets"][0], info["data_offsets"][1], name) for name, info in header.items())
    pos = 0
    for begin, end, name in spans:
        assert begin == pos, "gap or overlap before %s" % name
        info = header[name]
        assert info["dtype"] == "F16"
        assert end - begin == 2 * int(np.prod(info["shape"])), name
        pos = end
    assert 8 + n + pos == len(raw), "trailing bytes"
    worst = 0.0
    for name, info in header.items():
        b, e = info["data_offsets"]
        arr = np.frombuffer(raw[8 + n + b:8 + n + e], dtype="<f2").reshape(info["shape"]).astype(np.float32)
        ref = ckpt_state[name].float().numpy()
        if name.endswith(("c_attn.weight", "c_proj.weight", "c_fc.weight")):
            ref = ref.T
        assert arr.shape == ref.shape, (name, arr.shape, ref.shape)
        rel = float(np.max(np.abs(arr - ref)) / (np.max(np.abs(ref)) + 1e-12))
        worst = max(worst, rel)
    assert worst < 1e-3, "F16 export differs from checkpoint: %g" % worst
    assert set(header) == set(ckpt_state), set(header) ^ set(ckpt_state)
    return {"tensors": len(header), "header_bytes": n, "data_bytes": pos,
            "max_rel_diff_vs_ckpt": worst}


@torch.no_grad()
def generate(model, enc, prompt, n_new, temperature, seed):
    gen = torch.Generator().manual_seed(seed)
    ids = enc.encode(prompt)
    ctx = model.cfg.n_positions
    for _ in range(n_new):
        logits = model(torch.tensor([ids[-ctx:]]))[0, -1]
        if temperature == 0:
            nxt = int(torch.argmax(logits))
        else:
            probs = F.softmax(logits / temperature, dim=-1)
            nxt = int(torch.multinomial(probs, 1, generator=gen))
        ids.append(nxt)
    return enc.decode(ids)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", default=os.path.join(REPO, "models", "austen-gpt"))
    ap.add_argument("--ckpt", default=os.path.expanduser("~/.cache/mha-wasm/run-austen/ckpt.pt"))
    ap.add_argument("--corpus", default=os.path.expanduser("~/.cache/mha-wasm/corpus"))
    ap.add_argument("--json", default=None)
    ap.add_argument("--recompute-f32", action="store_true",
                    help="evaluate the f32 checkpoint even if it records its validation loss")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ref_model, ckpt = load_checkpoint(args.ckpt)
    result = {"checkpoint_step": ckpt.get("step"), "safetensors": check_safetensors(os.path.join(args.model_dir, "model.safetensors"),
                                               ckpt["model"])}
    model = load_exported(args.model_dir)
    val = np.memmap(os.path.join(args.corpus, "val.bin"), dtype=np.uint16, mode="r")
    vx, vy = val_windows(val, model.cfg.n_positions, 10 ** 9)
    # train_gpt.py stores the full-validation loss of the final checkpoint; reuse it unless
    # asked (or the checkpoint is an intermediate one without it).
    if "val_loss" in ckpt and not args.recompute_f32:
        l32 = ckpt["val_loss"]
    else:
        l32 = evaluate(ref_model, vx, vy)
    l16 = evaluate(model, vx, vy)
    result["val_loss_f32"] = round(l32, 4)
    result["val_loss_f16"] = round(l16, 4)
    result["val_ppl_f16"] = round(math.exp(l16), 2)
    result["val_windows"] = len(vx)
    enc = bpe.Encoder.load(args.model_dir)
    samples = []
    for prompt in ["It is a truth universally acknowledged", "Mr. Darcy", "She was"]:
        samples.append({"prompt": prompt, "temperature": 0,
                        "text": generate(model, enc, prompt, 40, 0, 0)})
        samples.append({"prompt": prompt, "temperature": 0.8,
                        "text": generate(model, enc, prompt, 60, 0.8, 1)})
    result["samples"] = samples
    size = sum(os.path.getsize(os.path.join(args.model_dir, f)) for f in os.listdir(args.model_dir))
    result["model_dir_bytes"] = size
    assert size <= 10 * 1024 * 1024, "model dir larger than 10 MB"
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
