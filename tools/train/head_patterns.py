#!/usr/bin/env python3
"""Standard attention-head scores of the exported model, each beside its chance level.

The definitions follow the conventions of TransformerLens's head detector and induction
evaluation (written here from the definitions, not from its code). For one sequence of T tokens
and one head's weights a[i][j] (query i, key j <= i), every score is a mean over a set of query
positions of the weight that query puts on a set of key positions:

  score        queries i                                keys j of query i
  previous     1 <= i < T                               i - 1
  duplicate    i with an earlier copy of its token      j < i with token[j] == token[i]
  induction    i with an earlier copy j <= i - 2        j + 1 for each such copy j
  first        1 <= i < T                               0 (the first token: "attention sink")
  delimiter    1 <= i < T                               j <= i whose token is a delimiter
  local        1 <= i < T                               i - w <= j <= i - 1 (w = LOCAL_WINDOW)

A delimiter token holds a newline or, without spaces, only Unicode punctuation.

Chance: a head that spreads its weight uniformly over its causal prefix (1 / (i + 1) on each key
j <= i) scores, for the same queries, the mean of |keys(i)| / (i + 1). That is computed exactly
for each text, so a score is always read against the chance of the positions it was measured on.
Over several sequences (windows) scores and chances are pooled: the sum over every counted query
of every sequence, divided by the number of counted queries.

Label rule: a head earns a score's label when score >= max(LABEL_MIN_RATIO * chance,
chance + LABEL_MIN_MARGIN); its labels are listed in the order of SCORES (the most specific
pattern first).

Opening head (the head the demo page opens on, "open_on" in head_patterns.json): every label a head
earns is ranked by the label's place in OPEN_PREFERENCE (previous-token first: the page opens on prose
without repeats, where a previous-token stripe is visible and an induction head has nothing to copy),
then by score / chance, then by layer and head; the first is opened. No label at all: no opening head.
The ranking uses the rounded numbers the JSON file holds, so the page (web/analysis.js,
mostInformativeHead) reading that file ranks exactly the same numbers. web/analysis.js implements the same definitions for the page's live labels, and
tests/js/head-scores.test.mjs checks it against tests/fixtures/head_scores/, written here
(--write-fixture).

Measurement of the model (F16 weights widened to float32):
  previous, duplicate, first, delimiter, local: --windows non-overlapping windows of n_positions
    tokens spread evenly over the held-out validation split, tokenised with the model's own
    tokenizer;
  induction: INDUCTION_BATCH sequences, each INDUCTION_LENGTH distinct token ids drawn (seeded)
    from the vocabulary's ordinary range (merged tokens: ids 256 .. vocab_size - 2, neither single
    bytes nor <|endoftext|>) and then repeated once, so the counted queries are exactly the second
    copy and each one's key is the token after its first occurrence.

Writes head_patterns.json and head_patterns.md into the model directory.
"""
import argparse
import json
import os
import sys
import unicodedata

import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# The scores, most specific first (a head's labels are listed in this order). Key: short label,
# long name.
SCORES = {
    "induction": ("ind", "induction"),
    "duplicate": ("dup", "duplicate-token"),
    "previous": ("prev", "previous-token"),
    "first": ("first", "first-token (sink)"),
    "delimiter": ("delim", "delimiter"),
    "local": ("local", "local window"),
}
LOCAL_WINDOW = 3          # the local score's keys: the previous LOCAL_WINDOW tokens
LABEL_MIN_RATIO = 2.0     # a label needs score >= LABEL_MIN_RATIO * chance ...
LABEL_MIN_MARGIN = 0.3    # ... and score >= chance + LABEL_MIN_MARGIN
INDUCTION_LENGTH = 50     # random tokens, then the same tokens again
INDUCTION_BATCH = 10
INDUCTION_SEED = 0
# Labels in the order the opening head prefers them (see the docstring).
OPEN_PREFERENCE = ("previous", "induction", "duplicate", "local", "delimiter", "first")


def label_threshold(chance):
    return max(LABEL_MIN_RATIO * chance, chance + LABEL_MIN_MARGIN)


def key_masks(ids, is_delim, window=LOCAL_WINDOW):
    """Boolean masks [T query, T key] of each score's keys and [T] of its counted queries, for
    one sequence of token ids (ints) and delimiter flags."""
    ids = np.asarray(ids)
    delim = np.asarray(is_delim, dtype=bool)
    T = len(ids)
    q = np.arange(T)[:, None]
    k = np.arange(T)[None, :]
    causal = k <= q
    after_first = np.arange(T) >= 1
    same = (ids[:, None] == ids[None, :]) & (k < q)          # earlier copies of the query's token
    # induction: key j + 1 for every earlier copy j of the query's token with j + 1 < i
    copy_before = same & (k <= q - 2)
    induction = np.zeros((T, T), dtype=bool)
    induction[:, 1:] = copy_before[:, :-1]
    masks = {
        "previous": (k == q - 1, after_first),
        "duplicate": (same, same.any(axis=1)),
        "induction": (induction, induction.any(axis=1)),
        "first": ((k == 0) & (q >= 1), after_first),
        "delimiter": (causal & delim[None, :], after_first),
        "local": ((k < q) & (k >= q - window), after_first),
    }
    return masks


def sequence_sums(weights, ids, is_delim, window=LOCAL_WINDOW):
    """Sums over the counted queries of one sequence: {score: (weight sums [...heads], chance
    sum, query count)}. weights: [..., T, T] (any leading head dimensions)."""
    weights = np.asarray(weights, dtype=np.float64)
    T = weights.shape[-1]
    uniform_row = 1.0 / (np.arange(T) + 1.0)  # the uniform causal head's weight in row i
    out = {}
    for name, (keys, queries) in key_masks(ids, is_delim, window).items():
        per_query = (weights * keys).sum(axis=-1)             # [..., T]
        out[name] = (per_query[..., queries].sum(axis=-1),
                     float((keys.sum(axis=1) * uniform_row)[queries].sum()),
                     int(queries.sum()))
    return out


def pooled_scores(sums_list):
    """Pools sequence_sums over sequences: {score: (score [...heads] or None, chance or None,
    queries)}; None where no query counted."""
    out = {}
    for name in SCORES:
        parts = [s[name] for s in sums_list if name in s]
        count = sum(p[2] for p in parts)
        if count == 0:
            out[name] = (None, None, 0)
            continue
        total = sum(p[0] for p in parts)
        out[name] = (total / count, sum(p[1] for p in parts) / count, count)
    return out


def head_labels(scores, chance):
    """[(score name, score, chance)] of the labels a head earns, most specific first."""
    return [(name, scores[name], chance[name]) for name in SCORES
            if scores.get(name) is not None and chance.get(name) is not None
            and scores[name] >= label_threshold(chance[name])]


def opening_ranking(heads, chance):
    """Every label of every head, best opening first: [{layer, head, key, score, chance, ratio}].
    heads: [{layer, head, scores, labels}]; chance: {score: chance}."""
    ranked = []
    for r in heads:
        for key in r["labels"]:
            score, c = r["scores"][key], chance[key]
            ranked.append({"layer": r["layer"], "head": r["head"], "key": key, "score": score, "chance": c,
                           "ratio": score / c if c > 0 else float("inf")})
    ranked.sort(key=lambda x: (OPEN_PREFERENCE.index(x["key"]), -x["ratio"], x["layer"], x["head"]))
    return ranked


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


def induction_sequences(vocab_size, length=INDUCTION_LENGTH, batch=INDUCTION_BATCH, seed=INDUCTION_SEED):
    """[batch, 2 * length] int64: distinct ids from the ordinary range, repeated once."""
    rng = np.random.default_rng(seed)
    ordinary = np.arange(256, vocab_size - 1)
    first = np.stack([rng.choice(ordinary, size=length, replace=False) for _ in range(batch)])
    return np.concatenate([first, first], axis=1).astype(np.int64)


def model_weights(model, windows):
    """Attention weights [B, L, H, T, T] (float64 numpy) of a batch of token windows."""
    import torch
    with torch.no_grad():
        _, weights = model(torch.from_numpy(np.ascontiguousarray(windows)), return_weights=True)
    return torch.stack(weights, dim=1).double().numpy()


def measure_model(model, text_windows, is_delim, batch=16):
    """Pooled scores [L, H] of every head: held-out windows for all but induction, the repeated
    random sequences for induction."""
    sums = []
    for b in range(0, len(text_windows), batch):
        x = text_windows[b:b + batch]
        w = model_weights(model, x)
        for n in range(len(x)):
            s = sequence_sums(w[n], x[n], is_delim[x[n]])
            s.pop("induction")
            sums.append(s)
    rep = induction_sequences(model.cfg.vocab_size)
    w = model_weights(model, rep)
    ind = [{"induction": sequence_sums(w[n], rep[n], is_delim[rep[n]])["induction"]} for n in range(len(rep))]
    return pooled_scores(sums + ind)


# ---------------------------------------------------------------------------------------------
# Fixture for the page's implementation (tests/js/head-scores.test.mjs)
# ---------------------------------------------------------------------------------------------

def causal_softmax(rng, heads, T, sharpness):
    scores = rng.normal(size=(heads, T, T)) * sharpness
    scores[:, np.triu_indices(T, 1)[0], np.triu_indices(T, 1)[1]] = -np.inf
    scores -= scores.max(axis=-1, keepdims=True)
    w = np.exp(scores)
    return w / w.sum(axis=-1, keepdims=True)


def write_fixture(path):
    """Small cases: float32 attention [H, T, T] (rounded to float32 before scoring, as the page
    reads it), token ids, delimiter flags, and the scores, chances and labels computed here."""
    rng = np.random.default_rng(15)
    cases = []

    def add(name, weights, ids, delim):
        weights = weights.astype(np.float32)
        pooled = pooled_scores([sequence_sums(weights, ids, delim)])
        H = weights.shape[0]
        heads = []
        for h in range(H):
            scores = {k: (None if v[0] is None else float(v[0][h])) for k, v in pooled.items()}
            chance = {k: v[1] for k, v in pooled.items()}
            heads.append({"scores": scores, "labels": [n for n, _, _ in head_labels(scores, chance)]})
        cases.append({"name": name, "T": int(weights.shape[-1]), "heads": H, "ids": [int(i) for i in ids],
                      "delimiter": [bool(d) for d in delim],
                      "attention": [float(x) for x in weights.reshape(-1)],
                      "chance": {k: v[1] for k, v in pooled.items()},
                      "queries": {k: v[2] for k, v in pooled.items()},
                      "result": heads})

    # 1. random heads over a text with repeats and delimiters
    ids = [5, 9, 7, 3, 5, 9, 8, 3, 5, 9, 7, 2]
    delim = [i == 3 for i in ids]
    add("random weights, repeated tokens", causal_softmax(rng, 4, len(ids), 2.0), ids, delim)
    # 2. idealised heads: previous-token, first-token, induction, local, uniform
    T = 16
    half = [11, 12, 13, 14, 15, 16, 17, 18]
    ids = half + half
    delim = [False] * T
    ideal = np.zeros((5, T, T))
    ideal[:, 0, 0] = 1
    for i in range(1, T):
        ideal[0, i, i - 1] = 1                                    # previous-token
        ideal[1, i, 0] = 1                                        # sink
        if i >= 8:
            ideal[2, i, i - 7] = 0.9                              # induction (+ a little self)
            ideal[2, i, i] = 0.1
        else:
            ideal[2, i, i] = 1
        lo = max(0, i - LOCAL_WINDOW)
        ideal[3, i, lo:i] = 1.0 / (i - lo)                        # local window
        ideal[4, i, :i + 1] = 1.0 / (i + 1)                       # uniform: scores = chance
    add("idealised heads on a repeated sequence", ideal, ids, delim)
    # 2b. previous-token mixed with uniform, around the label threshold (alpha >= 0.3 / (1 - chance))
    mixed = np.stack([alpha * ideal[0] + (1 - alpha) * ideal[4] for alpha in (0.3, 0.355, 0.36, 0.6)])
    add("previous-token mixed with uniform, near the threshold", mixed, ids, delim)
    # 3. no repeated token: duplicate and induction count no query
    ids = [1, 2, 3, 4, 5, 6, 7]
    delim = [False, True, False, False, True, False, True]
    add("no repeats, delimiters", causal_softmax(rng, 3, len(ids), 1.0), ids, delim)
    # 4. one token, and two tokens (the shortest cases)
    add("one token", np.ones((2, 1, 1)), [4], [False])
    add("two tokens, repeated", causal_softmax(rng, 2, 2, 1.0), [4, 4], [False, True])
    # 5. a longer random case with a sharp head mix
    ids = list(rng.integers(0, 6, size=40))
    delim = [i == 0 for i in ids]
    add("40 tokens from 6 ids", causal_softmax(rng, 3, 40, 4.0), ids, delim)

    opening = opening_fixture_cases(np.random.default_rng(16))
    fixture = {"version": 1, "generator": "tools/train/head_patterns.py --write-fixture",
               "open_preference": list(OPEN_PREFERENCE),
               "opening": opening,
               "local_window": LOCAL_WINDOW, "label_min_ratio": LABEL_MIN_RATIO,
               "label_min_margin": LABEL_MIN_MARGIN,
               "layout": "attention is [heads, T query, T key] row-major float32 values",
               "cases": cases}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print("wrote %s (%d cases)" % (path, len(cases)))


def opening_fixture_cases(rng):
    """Cases of the opening-head rule: heads (layer, head, rounded scores, labels), chance, and the
    ranking's first entry (or None)."""
    cases = []

    def add(name, heads, chance):
        ranked = opening_ranking(heads, chance)
        top = ranked[0] if ranked else None
        cases.append({"name": name, "chance": chance, "heads": heads,
                      "expected": None if top is None else {k: top[k] for k in ("layer", "head", "key")}})

    def model(layers, heads_per_layer, chance, spread):
        heads = []
        for l in range(layers):
            for h in range(heads_per_layer):
                scores = {k: round(float(min(1.0, chance[k] * rng.uniform(0.2, spread))), 4) for k in SCORES}
                labels = [n for n, _, _ in head_labels(scores, chance)]
                heads.append({"layer": l, "head": h, "scores": scores, "labels": labels})
        return heads

    chance = {"induction": 0.0138, "duplicate": 0.032, "previous": 0.0349, "first": 0.0349,
              "delimiter": 0.144, "local": 0.0942}
    for n, spread in enumerate((4, 12, 30, 60)):
        add("random 4 x 8 model %d (scores up to %d x chance)" % (n, spread), model(4, 8, chance, spread), chance)
    zero = {k: 0.0 for k in SCORES}
    add("no head labelled", [{"layer": 0, "head": h, "scores": dict(zero), "labels": []} for h in range(3)], chance)
    add("previous-token preferred over a stronger induction head", [
        {"layer": 0, "head": 0, "scores": {**zero, "induction": 0.9}, "labels": ["induction"]},
        {"layer": 1, "head": 2, "scores": {**zero, "previous": 0.4}, "labels": ["previous"]},
    ], chance)
    add("equal ratios: the lower layer, then the lower head", [
        {"layer": 1, "head": 0, "scores": {**zero, "previous": 0.6}, "labels": ["previous"]},
        {"layer": 0, "head": 3, "scores": {**zero, "previous": 0.6}, "labels": ["previous"]},
        {"layer": 0, "head": 1, "scores": {**zero, "previous": 0.6}, "labels": ["previous"]},
    ], chance)
    add("one head with two labels", [
        {"layer": 2, "head": 1, "scores": {**zero, "local": 0.8, "delimiter": 0.7}, "labels": ["local", "delimiter"]},
        {"layer": 0, "head": 0, "scores": {**zero, "delimiter": 0.9}, "labels": ["delimiter"]},
    ], chance)
    return cases


# ---------------------------------------------------------------------------------------------

def held_out_windows(model_dir, corpus, T, count):
    import bpe
    enc = bpe.Encoder.load(model_dir)
    with open(os.path.join(corpus, "val.txt"), encoding="utf-8") as f:
        val = np.array(enc.encode_with_eot(f.read()), dtype=np.int64)
    n = len(val) // T
    starts = np.linspace(0, n - 1, num=min(n, count)).astype(np.int64) * T
    return enc, np.stack([val[s:s + T] for s in starts])


def fmt(x, digits=3):
    return "–" if x is None else "%.*f" % (digits, x)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", default=os.path.join(REPO, "models", "austen-gpt"))
    ap.add_argument("--corpus", default=os.path.expanduser("~/.cache/mha-wasm/corpus"),
                    help="folder holding val.txt (the held-out split of prepare_corpus.py)")
    ap.add_argument("--windows", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--write-fixture", default=None, metavar="PATH",
                    help="only write the JS fixture (e.g. tests/fixtures/head_scores/cases.json)")
    args = ap.parse_args()
    if args.write_fixture:
        write_fixture(args.write_fixture)
        return
    import torch
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from export_hf import load_exported
    torch.set_num_threads(args.threads)
    model = load_exported(args.model_dir)
    T = model.cfg.n_positions
    enc, windows = held_out_windows(args.model_dir, args.corpus, T, args.windows)
    is_delim = delimiter_mask(enc, model.cfg.vocab_size)
    pooled = measure_model(model, windows, is_delim)
    chance = {k: v[1] for k, v in pooled.items()}

    heads = []
    for l in range(model.cfg.n_layer):
        for h in range(model.cfg.n_head):
            s = {k: round(float(v[0][l, h]), 4) for k, v in pooled.items()}
            labels = head_labels({k: float(v[0][l, h]) for k, v in pooled.items()}, chance)
            heads.append({"layer": l, "head": h, "scores": s, "labels": [n for n, _, _ in labels]})
    best = {}
    for name in SCORES:
        r = max(heads, key=lambda r: r["scores"][name])
        best[name] = {"layer": r["layer"], "head": r["head"], "score": r["scores"][name]}
    rounded_chance = {k: round(v, 4) for k, v in chance.items()}
    ranking = opening_ranking(heads, rounded_chance)
    result = {
        "model_dir": os.path.relpath(os.path.abspath(args.model_dir), REPO),
        "definitions": "tools/train/head_patterns.py (module docstring); web/analysis.js computes the same",
        "text": {
            "held_out": "%d windows of %d tokens of the validation split (unseen in training), for every "
                        "score but induction" % (len(windows), T),
            "induction": "%d sequences of %d distinct random ids from %d..%d, each repeated once (seed %d)" % (
                INDUCTION_BATCH, INDUCTION_LENGTH, 256, model.cfg.vocab_size - 2, INDUCTION_SEED),
        },
        "local_window": LOCAL_WINDOW,
        "label_rule": {"min_ratio": LABEL_MIN_RATIO, "min_margin": LABEL_MIN_MARGIN,
                       "text": "score >= max(%g * chance, chance + %g)" % (LABEL_MIN_RATIO, LABEL_MIN_MARGIN)},
        "chance": rounded_chance,
        "threshold": {k: round(label_threshold(v), 4) for k, v in chance.items()},
        "queries": {k: v[2] for k, v in pooled.items()},
        "delimiter_token_count": int(is_delim.sum()),
        "best": best,
        "open_preference": list(OPEN_PREFERENCE),
        "open_on": ranking[0] if ranking else None,
        "opening_ranking": ranking[:8],
        "heads": heads,
    }
    with open(os.path.join(args.model_dir, "head_patterns.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")

    names = list(SCORES)
    lines = [
        "# Attention head scores",
        "",
        "Measured by `tools/train/head_patterns.py` (definitions in its docstring; the page's "
        "`web/analysis.js` computes the same). Every score is the mean, over a set of query positions, "
        "of the weight a head puts on a set of key positions: `prev` the previous token, `dup` earlier "
        "copies of the query's token, `ind` the token after each earlier copy of the query's token, "
        "`first` position 0, `delim` punctuation and newline tokens, `local` the previous %d tokens." % LOCAL_WINDOW,
        "",
        "Text: %s; induction on %s." % (result["text"]["held_out"], result["text"]["induction"]),
        "",
        "Chance is the score of a head that attends uniformly over its causal prefix, computed "
        "exactly on the same positions. A head earns a label when %s; labels are listed most "
        "specific first." % result["label_rule"]["text"],
        "",
        "| layer | head | " + " | ".join(SCORES[n][0] for n in names) + " | labels |",
        "|---:|---:|" + "---:|" * len(names) + "---|",
    ]
    for r in heads:
        cells = []
        for n in names:
            v = fmt(r["scores"][n])
            cells.append("**%s**" % v if n in r["labels"] else v)
        lines.append("| %d | %d | %s | %s |" % (r["layer"], r["head"], " | ".join(cells),
                                                ", ".join(SCORES[n][1] for n in r["labels"]) or "–"))
    lines.append("| chance | | " + " | ".join(fmt(chance[n]) for n in names) + " | |")
    lines.append("| threshold | | " + " | ".join(fmt(label_threshold(chance[n])) for n in names) + " | |")
    lines += ["", "Best head per score:", ""]
    for n in names:
        b = best[n]
        lines.append("- %s: layer %d head %d, %.3f (chance %.3f)" % (SCORES[n][1], b["layer"], b["head"], b["score"], chance[n]))
    top = result["open_on"]
    lines += ["", "The page opens on " + ("layer %d head %d (%s %.3f, %.1f x chance; rule: labels ranked %s, "
                                        "then by score / chance)." % (
        top["layer"], top["head"], SCORES[top["key"]][1], top["score"], top["ratio"],
        " > ".join(SCORES[k][0] for k in OPEN_PREFERENCE)) if top else "layer 0 head 0 (no head earns a label).")]
    counts = {}
    for r in heads:
        for n in r["labels"] or ["none"]:
            counts[n] = counts.get(n, 0) + 1
    lines += ["", "Heads per label: " + ", ".join("%s %d" % (SCORES[k][1] if k in SCORES else "no label", v)
                                               for k, v in sorted(counts.items())) + "."]
    with open(os.path.join(args.model_dir, "head_patterns.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
