#!/usr/bin/env python3
"""Measure what every attention head of the exported model attends to, on held-out text.

Runs the exported weights (F16 widened to float32) on --windows non-overlapping windows of
n_positions tokens spread evenly over the validation split, and averages over every query
position i >= 1 of every window (position 0 can only attend to itself):

  prev     weight on key i-1                      (previous-token heads)
  first    weight on key 0                        (first-token / "attention sink" heads)
  self     weight on key i                        (the current token)
  delim    total weight on delimiter keys j <= i: tokens that contain a newline, or whose
           text without spaces is only Unicode punctuation (, . ; : ! ? " ' - ...)
  entropy  -sum_j w_j ln w_j in nats

The same numbers for a head that attends uniformly over its causal context are given as a
reference row. Labels use fixed thresholds stated in the output; a head gets every label
whose score reaches it, else "mixed".

Writes head_patterns.json and head_patterns.md into the model directory.
"""
import argparse
import json
import os
import sys
import unicodedata

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bpe  # noqa: E402
from export_hf import load_exported  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
THRESHOLD = 0.4       # prev / first / self / delim score that earns a label
DELIM_FACTOR = 2.0    # ... and delim must also be this many times the uniform head's value
BROAD_FRACTION = 0.8  # "broad" if entropy >= this fraction of the uniform head's entropy


def delimiter_mask(enc, vocab_size):
    mask = np.zeros(vocab_size, dtype=bool)
    for i in range(vocab_size):
        text = enc.decode([i])
        if "\n" in text:
            mask[i] = True
            continue
        core = text.strip()
        if core and all(unicodedata.category(c).startswith("P") for c in core):
            mask[i] = True
    return mask


@torch.no_grad()
def measure(model, windows, is_delim):
    L, H, T = model.cfg.n_layer, model.cfg.n_head, windows.shape[1]
    sums = {k: torch.zeros(L, H, dtype=torch.float64) for k in ("prev", "first", "self", "delim", "entropy")}
    base = {k: 0.0 for k in sums}
    count = 0
    q = torch.arange(1, T)
    for b in range(0, len(windows), 16):
        x = windows[b:b + 16]
        _, weights = model(x, return_weights=True)
        w = torch.stack(weights, dim=1)[:, :, :, 1:, :]  # [B, L, H, T-1 queries, T keys]
        d = is_delim[x].to(w.dtype)  # [B, T]
        sums["prev"] += w[..., torch.arange(T - 1), q - 1].sum(dim=(0, 3)).double()
        sums["first"] += w[..., 0].sum(dim=(0, 3)).double()
        sums["self"] += w[..., torch.arange(T - 1), q].sum(dim=(0, 3)).double()
        sums["delim"] += (w * d[:, None, None, None, :]).sum(dim=(0, 3, 4)).double()
        ent = -(w * torch.log(w.clamp_min(1e-30))).sum(-1)
        sums["entropy"] += ent.sum(dim=(0, 3)).double()
        # uniform causal head for reference: query i spreads 1/(i+1) over keys 0..i
        n = (q + 1).double()
        base["prev"] += float((1 / n).sum()) * len(x)
        base["first"] += float((1 / n).sum()) * len(x)
        base["self"] += float((1 / n).sum()) * len(x)
        cum = torch.cumsum(d.double(), dim=1)[:, 1:]  # delimiters among keys 0..i
        base["delim"] += float((cum / n).sum())
        base["entropy"] += float(torch.log(n).sum()) * len(x)
        count += len(x) * (T - 1)
    means = {k: (v / count).numpy() for k, v in sums.items()}
    return means, {k: v / count for k, v in base.items()}


def label(scores, base):
    labels = []
    if scores["prev"] >= THRESHOLD:
        labels.append("previous-token")
    if scores["first"] >= THRESHOLD:
        labels.append("first-token")
    if scores["self"] >= THRESHOLD:
        labels.append("self")
    if scores["delim"] >= THRESHOLD and scores["delim"] >= DELIM_FACTOR * base["delim"]:
        labels.append("delimiter")
    if not labels:
        labels.append("broad" if scores["entropy"] >= BROAD_FRACTION * base["entropy"] else "mixed")
    return "+".join(labels)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", default=os.path.join(REPO, "models", "austen-gpt"))
    ap.add_argument("--corpus", default=os.path.expanduser("~/.cache/mha-wasm/corpus"))
    ap.add_argument("--windows", type=int, default=200)
    args = ap.parse_args()
    torch.set_num_threads(2)
    model = load_exported(args.model_dir)
    enc = bpe.Encoder.load(args.model_dir)
    T = model.cfg.n_positions
    val = np.fromfile(os.path.join(args.corpus, "val.bin"), dtype=np.uint16).astype(np.int64)
    n = len(val) // T
    starts = np.linspace(0, n - 1, num=min(n, args.windows)).astype(np.int64) * T
    windows = torch.from_numpy(np.stack([val[s:s + T] for s in starts]))
    is_delim = torch.from_numpy(delimiter_mask(enc, model.cfg.vocab_size))
    means, base = measure(model, windows, is_delim)

    heads = []
    for l in range(model.cfg.n_layer):
        for h in range(model.cfg.n_head):
            s = {k: round(float(v[l, h]), 4) for k, v in means.items()}
            heads.append({"layer": l, "head": h, **s, "label": label(s, base)})
    result = {
        "model_dir": os.path.relpath(os.path.abspath(args.model_dir), REPO),
        "windows": len(windows), "window_tokens": T, "queries_per_window": T - 1,
        "text": "validation split (every 20th ~20k-character block of each novel, unseen in training)",
        "delimiter_token_count": int(is_delim.sum()),
        "thresholds": {"score": THRESHOLD, "delim_vs_uniform": DELIM_FACTOR,
                       "broad_entropy_fraction_of_uniform": BROAD_FRACTION},
        "uniform_reference": {k: round(v, 4) for k, v in base.items()},
        "heads": heads,
    }
    with open(os.path.join(args.model_dir, "head_patterns.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")

    lines = [
        "# Attention head patterns",
        "",
        "Measured by `tools/train/head_patterns.py` on %d windows of %d tokens of held-out "
        "validation text (%d query positions each; query 0 excluded). Each score is the mean over "
        "queries of the attention weight on: the previous token (`prev`), the first token of the "
        "window (`first`), the query token itself (`self`), all delimiter tokens so far (`delim`: "
        "tokens containing a newline or consisting only of punctuation). `entropy` is the mean "
        "entropy of a query's weights in nats." % (len(windows), T, T - 1),
        "",
        "Labels: a score >= %.1f earns its label (`delim` must also be >= %.0fx the uniform "
        "head's value); otherwise `broad` if entropy >= %.0f%% of the uniform head's, else "
        "`mixed`." % (THRESHOLD, DELIM_FACTOR, 100 * BROAD_FRACTION),
        "",
        "| layer | head | prev | first | self | delim | entropy | label |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in heads:
        lines.append("| %d | %d | %.3f | %.3f | %.3f | %.3f | %.2f | %s |" % (
            r["layer"], r["head"], r["prev"], r["first"], r["self"], r["delim"], r["entropy"], r["label"]))
    lines.append("| uniform | (reference) | %.3f | %.3f | %.3f | %.3f | %.2f | |" % (
        base["prev"], base["first"], base["self"], base["delim"], base["entropy"]))
    counts = {}
    for r in heads:
        counts[r["label"]] = counts.get(r["label"], 0) + 1
    lines += ["", "Label counts: " + ", ".join("%s %d" % kv for kv in sorted(counts.items())) + "."]
    with open(os.path.join(args.model_dir, "head_patterns.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
