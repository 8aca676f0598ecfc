#!/usr/bin/env python3
"""Rewrites the README's statements about the shipped model from its files (tools/train/ship.sh):
the model example's comments (the seed sentence's tokens and the attention shape, from
tests/fixtures/model/reference.json, which make_fixture.py wrote from the model's tokenizer), the
Words toggle's example of a split word, and the model's size. tests/package/readme.test.mjs runs that example and checks its output against the same
fixture.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bpe  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
SEED = "The animal didn't cross the street because it was tired"
SHOWN_TOKENS = 7  # the README's comment lists the first tokens, then "..."
SHIPPED = ["config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json"]


def readable(token):
    """The runtime's readable form of a vocabulary entry: its text with spaces as ␣ and newlines as ↵."""
    decoder = {c: b for b, c in bpe.bytes_to_unicode().items()}
    text = bytes(decoder[c] for c in token).decode("utf-8", errors="replace")
    return text.replace(" ", "\u2423").replace("\n", "\u21b5")


def js_string(s):
    return '"%s"' % s if "'" in s else "'%s'" % s


def main():
    ref = json.load(open(os.path.join(REPO, "tests", "fixtures", "model", "reference.json"), encoding="utf-8"))
    prompt = next(p for p in ref["prompts"] if p["text"] == SEED)
    tokens = [readable(t) for t in prompt["tokens"]]
    c = ref["config"]
    T = prompt["n_tokens"]
    model_dir = os.path.join(REPO, ref["model_dir"])
    megabytes = sum(os.path.getsize(os.path.join(model_dir, n)) for n in SHIPPED) / 1e6
    path = os.path.join(REPO, "README.md")
    text = open(path, encoding="utf-8").read()
    shown = ", ".join(js_string(t) for t in tokens[:SHOWN_TOKENS]) + (", ..." if T > SHOWN_TOKENS else "")
    # a word of the seed sentence that the tokenizer splits (the README's example of the Words toggle)
    split = next(((a, b) for a, b in zip(tokens, tokens[1:])
                  if a.startswith("\u2423") and a[1:].isalpha() and b.isalpha()), None)
    if split is None:
        sys.exit("sync_docs.py: no word of the seed sentence is split into pieces: reword the README's Words example")
    rules = [
        (r"sub-word pieces \(`[^`]+` \+ `[^`]+`\)", "sub-word pieces (`%s` + `%s`)" % split),
        (r"(console\.log\(run\.tokens\);\s*// austen-gpt: )\[.*\]", r"\g<1>[%s]" % shown.replace("\\", "\\\\")),
        (r"(console\.log\(run\.attentionShape\);\s*// \[nLayer, nHead, T, T\]: )\[\d+, \d+, \d+, \d+\]( for austen-gpt)",
         r"\g<1>[%d, %d, %d, %d]\g<2>" % (c["n_layer"], c["n_head"], T, T)),
        (r"the [\d.]+ MB `austen-gpt`", "the %.1f MB `austen-gpt`" % megabytes),
    ]
    for pattern, replacement in rules:
        text, n = re.subn(pattern, replacement, text)
        if n != 1:
            sys.exit("sync_docs.py: README.md: expected one match of %r, found %d" % (pattern, n))
    open(path, "w", encoding="utf-8").write(text)
    print(json.dumps({"readme_tokens": tokens, "shape": [c["n_layer"], c["n_head"], T, T], "megabytes": megabytes},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
