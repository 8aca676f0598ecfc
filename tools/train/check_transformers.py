#!/usr/bin/env python3
"""Loads an exported model directory with Hugging Face `transformers` and compares it with ours.

Run with the reference environment (transformers from PyPI over Debian's PyTorch):
  ~/.cache/mha-wasm/pyref/bin/python tools/train/check_transformers.py --model-dir DIR --ckpt CKPT

`GPT2LMHeadModel.from_pretrained(DIR)` (eager attention, F16 weights widened to float32) and
`GPT2TokenizerFast` over DIR's vocab.json/merges.txt are compared, on the prompts of make_fixture.py and
on one full-context window of held-out text, with:
  1. tools/train/bpe.py's encoder on the same files: token ids must be identical;
  2. tools/train/model.py on the same exported weights (export_hf.load_exported): an independent
     implementation on identical numbers, so logits and attention weights must agree to float32
     rounding: max |difference| <= SAME_WEIGHTS_TOL x max |logit|, attention <= SAME_WEIGHTS_ATTN_TOL;
  3. tools/train/model.py on the float32 training checkpoint: the difference is what the F16 export
     costs: max |difference| <= F16_TOL x max |logit|, attention <= F16_ATTN_TOL, and the greedy next
     token equal at every position but at most F16_ARGMAX_FLIPS of them.
Prints one JSON object (the measured differences beside their tolerances); --json writes it too.
Exits non-zero when a check fails.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import transformers
from transformers import GPT2LMHeadModel, GPT2TokenizerFast

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bpe  # noqa: E402
from export_hf import load_exported  # noqa: E402
from make_fixture import PROMPTS  # noqa: E402
from model import load_checkpoint  # noqa: E402

SAME_WEIGHTS_TOL = 1e-4       # relative to the largest |logit|: float32 rounding of two implementations
SAME_WEIGHTS_ATTN_TOL = 1e-5  # absolute, attention weights in [0, 1]
F16_TOL = 5e-3                # relative: F16 rounding of every weight (relative error <= 4.9e-4 each)
F16_ATTN_TOL = 5e-3           # absolute
F16_ARGMAX_FLIPS = 0.02       # share of positions whose greedy next token may differ (near ties)


def held_out_window(enc, corpus, length):
    with open(os.path.join(corpus, "val.txt"), encoding="utf-8") as f:
        text = f.read().replace(bpe.EOT, "")
    # whole words from the middle of the split, as many as fit the context
    words = text[len(text) // 2:].split(" ")[1:]
    out = ""
    for w in words:
        nxt = (out + " " + w) if out else w
        if len(enc.encode(nxt)) > length:
            break
        out = nxt
    return out


def ours(model, ids):
    with torch.no_grad():
        logits, weights = model(torch.tensor([ids]), return_weights=True)
    return logits[0].double().numpy(), torch.stack([w[0] for w in weights]).double().numpy()


def theirs(model, ids):
    with torch.no_grad():
        out = model(torch.tensor([ids]), output_attentions=True)
    return out.logits[0].double().numpy(), torch.stack([a[0] for a in out.attentions]).double().numpy()


def compare(a, b):
    (la, wa), (lb, wb) = a, b
    return {"max_abs_logit_diff": float(np.max(np.abs(la - lb))),
            "max_abs_logit": float(np.max(np.abs(lb))),
            "max_abs_attention_diff": float(np.max(np.abs(wa - wb))),
            "argmax_differs": int(np.sum(la.argmax(-1) != lb.argmax(-1))),
            "positions": int(la.shape[0])}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--ckpt", required=True, help="the float32 training checkpoint the export came from")
    ap.add_argument("--corpus", required=True, help="folder with val.txt (held-out text)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    hf = GPT2LMHeadModel.from_pretrained(args.model_dir, torch_dtype=torch.float32,
                                         attn_implementation="eager").eval()
    tok = GPT2TokenizerFast(vocab_file=os.path.join(args.model_dir, "vocab.json"),
                            merges_file=os.path.join(args.model_dir, "merges.txt"))
    enc = bpe.Encoder.load(args.model_dir)
    exported = load_exported(args.model_dir)
    f32, ckpt = load_checkpoint(args.ckpt)
    texts = list(PROMPTS) + [held_out_window(enc, args.corpus, hf.config.n_positions)]
    cases, failures = [], []
    for text in texts:
        ids = tok(text)["input_ids"]
        if ids != enc.encode(text):
            failures.append("token ids differ from bpe.py on %r" % text[:40])
        ref = theirs(hf, ids)
        same = compare(ours(exported, ids), ref)
        f16 = compare(ours(f32, ids), ref)
        cases.append({"text": text if len(text) < 80 else text[:77] + "...", "tokens": len(ids),
                      "same_weights": same, "vs_f32_checkpoint": f16})
        scale = same["max_abs_logit"]
        if same["max_abs_logit_diff"] > SAME_WEIGHTS_TOL * scale:
            failures.append("same weights: logits differ by %g on %r" % (same["max_abs_logit_diff"], text[:40]))
        if same["max_abs_attention_diff"] > SAME_WEIGHTS_ATTN_TOL:
            failures.append("same weights: attention differs by %g" % same["max_abs_attention_diff"])
        if f16["max_abs_logit_diff"] > F16_TOL * scale:
            failures.append("F32 checkpoint: logits differ by %g on %r" % (f16["max_abs_logit_diff"], text[:40]))
        if f16["max_abs_attention_diff"] > F16_ATTN_TOL:
            failures.append("F32 checkpoint: attention differs by %g" % f16["max_abs_attention_diff"])
    positions = sum(c["vs_f32_checkpoint"]["positions"] for c in cases)
    flips = sum(c["vs_f32_checkpoint"]["argmax_differs"] for c in cases)
    if flips > F16_ARGMAX_FLIPS * positions:
        failures.append("F32 checkpoint: greedy token differs at %d of %d positions" % (flips, positions))

    def worst(kind, field):
        return max(c[kind][field] for c in cases)

    result = {
        "transformers": transformers.__version__, "torch": torch.__version__,
        "loader": "GPT2LMHeadModel.from_pretrained(dir, torch_dtype=float32, attn_implementation='eager'); "
                  "GPT2TokenizerFast(vocab.json, merges.txt)",
        "checkpoint_step": ckpt.get("step"),
        "tolerances": {"same_weights_logits_rel": SAME_WEIGHTS_TOL, "same_weights_attention_abs": SAME_WEIGHTS_ATTN_TOL,
                       "f32_checkpoint_logits_rel": F16_TOL, "f32_checkpoint_attention_abs": F16_ATTN_TOL,
                       "f32_checkpoint_argmax_flip_share": F16_ARGMAX_FLIPS},
        "summary": {
            "texts": len(cases), "positions": positions, "token_ids_equal_bpe_py": not any("token ids" in f for f in failures),
            "same_weights_max_abs_logit_diff": worst("same_weights", "max_abs_logit_diff"),
            "same_weights_max_abs_attention_diff": worst("same_weights", "max_abs_attention_diff"),
            "f32_checkpoint_max_abs_logit_diff": worst("vs_f32_checkpoint", "max_abs_logit_diff"),
            "f32_checkpoint_max_abs_attention_diff": worst("vs_f32_checkpoint", "max_abs_attention_diff"),
            "f32_checkpoint_argmax_differs": flips,
            "max_abs_logit": worst("same_weights", "max_abs_logit"),
        },
        "cases": cases,
        "failures": failures,
        "ok": not failures,
    }
    text = json.dumps(result, indent=1, ensure_ascii=False)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    sys.exit(0 if not failures else 1)


if __name__ == "__main__":
    main()
