#!/usr/bin/env python3
"""Reference outputs of the exported model for the C++/wasm runtime tests.

The model is built from the EXPORTED files (model.safetensors F16, widened to float32), so the
numbers are what a runtime reading those files computes in float32 arithmetic.

Writes into --out (default tests/fixtures/model/):
  reference.json        format, version, model dir, config and per prompt: text, token ids and
                        where its arrays are in reference.bin
  reference.bin         little-endian float32; per prompt, in prompt order and back to back:
                          logits     [T, V]            (pre-softmax, LM head tied to wte)
                          attention  [L, H, T, T]      softmax weights [layer][head][query][key]
  tokenizer_cases.json  strings and the ids this repository's Python GPT-2-style encoder gives
                        them with the model's vocab.json/merges.txt (plain text, no special
                        tokens are parsed)
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bpe  # noqa: E402
from export_hf import load_exported  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

PROMPTS = [
    "The animal didn't cross the street because it was tired",
    "It is a truth universally acknowledged, that a single man in possession of a good fortune",
    "Mr. Darcy looked at Elizabeth",
    'She had 3 sisters; "how odd!" said Kitty.',
]

TOKENIZER_CASES = [
    "", " ", "  ", "\n", "\n\n", "\t", " \t \n ", "a", "A", "I", "Hello", " Hello", "  Hello",
    "Hello world", "Hello  world", "Hello   world", "Hello\nworld", "Hello\n\nworld", "Hello \nworld",
    "Hello\n world", "Hello\t\tworld", "trailing space ", "trailing spaces   ", "\n\nleading newlines",
    "   leading spaces", "end.\n", "end.\n\n\n",
    # contractions (lower case only in GPT-2's pattern)
    "don't", "Don't", "I'm", "I'M", "you're", "YOU'RE", "we've", "they'll", "she'd", "it's", "It'S",
    "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "''s", "' s", "rock'n'roll", "o'clock", "'tis",
    "the dogs' bowls", "James's", "can't won't shan't", "I'd've", "'Twas",
    # punctuation runs
    "Hello, world!", "Wait...", "What?!", "--", "---", "a--b", "(parenthesis)", "[brackets]",
    "{braces}", "\"quoted\"", "'single'", "semi;colon:colon", "a/b\\c", "e-mail", "x_y", "#hashtag",
    "@mention", "100%", "$5.00", "&amp;", "<tag>", "a=b+c*d", "!!!", "?!?!", "...", ". . .", ",,,",
    "Mr. and Mrs. Bennet", "Miss Bingley's", "ha! ha! ha!", "\"Oh!\" cried she, \"how delightful!\"",
    # digits
    "0", "7", "42", "1811", "123456789", "3.14159", "1,000,000", "2nd", "3rd edition", "10:30",
    " 1 2 3", "1 2  3   4", "a1b2c3", "v1.2.3", "-5", "+7", "1e10", "0x1F", "12th of May, 1812",
    # unicode
    "café", "naïve", "résumé", "Zürich", "São Paulo", "Ærøskøbing", "straße", "Œuvre", "Ñandú",
    "Москва", "Ελληνικά", "עברית", "العربية", "हिन्दी", "中文字符", "日本語のテキスト", "한국어",
    "ไทย", "emoji 😀", "👍🏽", "👨‍👩‍👧", "🇬🇧", "e\u0301", "\u00a0nbsp", "a\u00a0b", "a\u2003b",
    "a\u3000b", "zero\u200bwidth", "line\u2028sep", "\u2018curly\u2019 \u201cquotes\u201d",
    "em\u2014dash", "en\u2013dash", "ellipsis\u2026", "£5", "€10", "¥", "©2024", "½", "x²", "Ⅻ",
    "٣٤", "١٢٣", "\u00bfQué?", "\u00a1Hola!", "«guillemets»", "naïve café résumé",
    "\x00", "\x7f", "\x1c\x1d", "tab\there", "cr\r\nlf", "\r", "\u0085",
    # longer prose
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, "
    "must be in want of a wife.",
    "Emma Woodhouse, handsome, clever, and rich, with a comfortable home and happy disposition, "
    "seemed to unite some of the best blessings of existence.",
    "The animal didn't cross the street because it was tired",
    "The animal didn't cross the street because it was too wide",
    "The quick brown fox jumps over the lazy dog.",
    "THE QUICK BROWN FOX", "tHe QuIcK bRoWn", "supercalifragilisticexpialidocious",
    "antidisestablishmentarianism", "Pneumonoultramicroscopicsilicovolcanoconiosis",
    "WebAssembly SIMD128 multi-head attention", "C++17 std::vector<float>", "snake_case camelCase",
    "https://example.invalid/path?q=1&r=2", "user@example.invalid", "print('hello')",
    "def f(x):\n    return x * 2\n", "    indented\n        more", "a\n\n\n\nb",
    "Chapter 1\n\nIt was a dark and stormy night.", "  \"Yes,\" said he.  ", "\" \"", "' '",
    "a b c d e f g", "aaaaaaaaaaaaaaaaaaaa", "ababababab", "the the the the", "The The",
    "Elizabeth Bennet", "Fitzwilliam Darcy", "Anne Elliot", "Captain Wentworth", "Catherine Morland",
    "Fanny Price", "Marianne Dashwood", "Highbury", "Pemberley", "Northanger Abbey",
]


def add_sentences(cases, val_text, n):
    """Deterministically pick n short lines from validation text."""
    sentences = [s.strip() for s in val_text.replace("\n", " ").split(". ") if 20 < len(s.strip()) < 120]
    step = max(1, len(sentences) // n)
    for s in sentences[::step][:n]:
        cases.append(s + ".")


def dumps(obj, indent=0):
    """JSON with one key per line but lists of numbers/strings kept on one line."""
    pad = " " * indent
    if isinstance(obj, dict):
        items = [pad + " " + json.dumps(k) + ": " + dumps(v, indent + 1).lstrip() for k, v in obj.items()]
        return pad + "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and any(isinstance(v, (dict, list)) for v in obj):
        return pad + "[\n" + ",\n".join(dumps(v, indent + 1) for v in obj) + "\n" + pad + "]"
    return pad + json.dumps(obj, ensure_ascii=False)


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", default=os.path.join(REPO, "models", "austen-gpt"))
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "fixtures", "model"))
    ap.add_argument("--corpus", default=os.path.expanduser("~/.cache/mha-wasm/corpus"))
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    model = load_exported(args.model_dir)
    cfg = model.cfg
    enc = bpe.Encoder.load(args.model_dir)
    rel_model_dir = os.path.relpath(os.path.abspath(args.model_dir), REPO)

    prompts, blobs, offset = [], [], 0
    for text in PROMPTS:
        ids = enc.encode(text)
        assert 5 <= len(ids) <= 24, (text, len(ids))
        logits, weights = model(torch.tensor([ids]), return_weights=True)
        logits = logits[0].float().numpy().astype("<f4")  # [T, V]
        attn = torch.stack([w[0] for w in weights]).float().numpy().astype("<f4")  # [L, H, T, T]
        entry = {"text": text, "ids": ids, "n_tokens": len(ids),
                 "tokens": [enc.inverse[i] for i in ids],
                 "logits": {"offset_bytes": offset, "shape": list(logits.shape)}}
        blobs.append(logits.tobytes())
        offset += logits.nbytes
        entry["attention"] = {"offset_bytes": offset, "shape": list(attn.shape)}
        blobs.append(attn.tobytes())
        offset += attn.nbytes
        entry["argmax_next_id"] = int(np.argmax(logits[-1]))
        entry["argmax_next_token"] = enc.inverse[entry["argmax_next_id"]]
        prompts.append(entry)
    with open(os.path.join(args.out, "reference.bin"), "wb") as f:
        for b in blobs:
            f.write(b)
    reference = {
        "format": "mha-wasm-model-reference",
        "version": 1,
        "model_dir": rel_model_dir,
        "model_name": os.path.basename(rel_model_dir),
        "weights": "model.safetensors (F16) widened to float32; computed in float32 by PyTorch "
                   + torch.__version__,
        "config": {"n_layer": cfg.n_layer, "n_head": cfg.n_head, "n_embd": cfg.n_embd,
                   "n_positions": cfg.n_positions, "vocab_size": cfg.vocab_size,
                   "layer_norm_epsilon": cfg.layer_norm_epsilon, "activation_function": "gelu_new"},
        "binary": "reference.bin",
        "binary_dtype": "float32",
        "binary_byte_order": "little",
        "binary_bytes": offset,
        "layout": "per prompt, back to back: logits [T, V] row-major, then attention "
                  "[n_layer, n_head, T(query), T(key)] row-major (softmax weights, causal: "
                  "key > query is 0)",
        "prompts": prompts,
    }
    with open(os.path.join(args.out, "reference.json"), "w", encoding="utf-8") as f:
        f.write(dumps(reference) + "\n")

    cases = list(TOKENIZER_CASES)
    with open(os.path.join(args.corpus, "val.txt"), encoding="utf-8") as f:
        add_sentences(cases, f.read().replace(bpe.EOT, ""), 200 - len(cases))
    seen, out_cases = set(), []
    for s in cases:
        if s in seen:
            continue
        seen.add(s)
        ids = enc.encode(s)
        assert enc.decode(ids) == s, s
        assert bpe.split_pretokens(s) == bpe.split_pretokens_by_hand(s), s
        out_cases.append({"text": s, "ids": ids})
    with open(os.path.join(args.out, "tokenizer_cases.json"), "w", encoding="utf-8") as f:
        f.write(dumps({"format": "mha-wasm-tokenizer-cases", "version": 1, "model_dir": rel_model_dir,
                       "note": "ids from tools/train/bpe.py Encoder.encode: GPT-2 pre-tokenisation, "
                               "byte-level BPE by merge rank; special tokens are not parsed in text",
                       "cases": out_cases}) + "\n")
    print(json.dumps({"prompts": [(p["n_tokens"], p["argmax_next_token"]) for p in prompts],
                      "reference_bin_bytes": offset, "tokenizer_cases": len(out_cases)}))


if __name__ == "__main__":
    main()
