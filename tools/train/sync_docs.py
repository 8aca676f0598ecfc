#!/usr/bin/env python3
"""Rewrites the README's statements about the shipped model from its files (tools/train/ship.sh):
the model example's comments (the seed sentence's tokens and the attention shape, from
tests/fixtures/model/reference.json, which make_fixture.py wrote from the model's tokenizer), the
Words toggle's example of a split word, and the model's size; and the page's one-line description of the
model in web/models.json. tests/package/readme.test.mjs runs that example and checks its output against the same
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


SOURCE_NAMES = {"austen": "Jane Austen's novels", "kjv": "the King James Bible", "jargon": "the Jargon File",
                "wordnet": "WordNet glosses", "fortunes": "fortune(6) quotations"}


def sync_models_json(c, model_dir):
    """The page's model list: the bundled model's one-line description (size and training text)."""
    path = os.path.join(REPO, "web", "models.json")
    entries = json.load(open(path, encoding="utf-8"))
    entry = next(e for e in entries if e["url"].rstrip("/").endswith(os.path.basename(model_dir)))
    training = json.load(open(os.path.join(model_dir, "training.json")))
    mix = training["args"].get("mix") or ""
    names = [SOURCE_NAMES.get(item.split("=")[0], item.split("=")[0]) for item in mix.split(",") if item]
    text = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else (names[0] if names else "its corpus")
    entry["about"] = "%d layers \u00d7 %d heads, d_model %d, trained on %s (models/%s/)" % (
        c["n_layer"], c["n_head"], c["n_embd"], text, os.path.basename(model_dir))
    with open(path, "w", encoding="utf-8") as f:
        json.dump(entries, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return entry["about"]


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
    about = sync_models_json(c, model_dir)
    print(json.dumps({"models_json_about": about, "readme_tokens": tokens, "shape": [c["n_layer"], c["n_head"], T, T], "megabytes": megabytes},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
