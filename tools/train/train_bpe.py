#!/usr/bin/env python3
"""Train a GPT-2-style byte-level BPE tokenizer and tokenise the corpus with it.

  1. split the training text into GPT-2 pre-tokens (bpe.split_pretokens) and count them;
  2. map each pre-token's UTF-8 bytes to GPT-2's byte characters (bpe.bytes_to_unicode);
  3. repeatedly merge the most frequent adjacent symbol pair over the word-count table,
     updating pair counts incrementally (only words containing the merged pair change);
     ties are broken by the lexicographically smallest pair, so the result is deterministic;
  4. write vocab.json (256 byte tokens in GPT-2's id order, one token per merge, then
     <|endoftext|> as the last id) and merges.txt ("#version: 0.2", then "a b" by rank):
     the file formats of Hugging Face's GPT-2 tokenizer;
  5. with --encode, tokenise train.txt and val.txt with the trained encoder into uint16
     arrays (train.bin, val.bin) next to them, and each train/<source>.txt into
     train/<source>.bin.
"""
import argparse
import collections
import heapq
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bpe  # noqa: E402


def count_words(text):
    counts = collections.Counter()
    for part in text.split(bpe.EOT):
        counts.update(bpe.split_pretokens(part))
    table = collections.Counter()
    for piece, c in counts.items():
        table[tuple(bpe.BYTE_ENCODER[b] for b in piece.encode("utf-8"))] += c
    return table


def learn_merges(word_counts, n_merges, log_every=500):
    words = [list(w) for w in word_counts]
    freqs = [word_counts[w] for w in word_counts]
    pair_counts = collections.defaultdict(int)
    where = collections.defaultdict(set)  # pair -> ids of words containing it
    for wid, (w, f) in enumerate(zip(words, freqs)):
        for pair in zip(w, w[1:]):
            pair_counts[pair] += f
            where[pair].add(wid)
    # Max-heap with lazy deletion: an entry is valid if its count equals the current count.
    heap = [(-c, pair) for pair, c in pair_counts.items()]
    heapq.heapify(heap)
    merges = []
    t0 = time.time()
    while len(merges) < n_merges and heap:
        neg, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -neg or -neg <= 0:
            continue
        merges.append(pair)
        a, b = pair
        new = a + b
        changed = collections.defaultdict(int)
        for wid in list(where[pair]):
            w, f = words[wid], freqs[wid]
            # remove the word's old pairs, merge, add its new pairs
            for p in zip(w, w[1:]):
                changed[p] -= f
            merged, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    merged.append(new)
                    i += 2
                else:
                    merged.append(w[i])
                    i += 1
            words[wid] = merged
            for p in zip(w, w[1:]):
                where[p].discard(wid)
            for p in zip(merged, merged[1:]):
                changed[p] += f
                where[p].add(wid)
        for p, delta in changed.items():
            if delta:
                pair_counts[p] += delta
                if pair_counts[p] > 0:
                    heapq.heappush(heap, (-pair_counts[p], p))
                else:
                    pair_counts.pop(p, None)
        pair_counts.pop(pair, None)
        where.pop(pair, None)
        if log_every and len(merges) % log_every == 0:
            print("merge %d/%d %r count=%d (%.1fs)" % (len(merges), n_merges, new, -neg,
                                                    time.time() - t0), file=sys.stderr)
    return merges


def write_tokenizer(out_dir, merges):
    os.makedirs(out_dir, exist_ok=True)
    tokens = bpe.byte_tokens() + [a + b for a, b in merges] + [bpe.EOT]
    vocab = {}
    for t in tokens:
        if t in vocab:
            raise ValueError("duplicate token %r" % t)
        vocab[t] = len(vocab)
    with open(os.path.join(out_dir, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(out_dir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(a + " " + b + "\n")
    return vocab


def self_test():
    samples = ["Hello, world! It's 2024.", "  leading spaces\n\n\nand   runs\t\tof\u00a0space  ",
               "don't I'll we've they're she'd I'm 'tis ''s", "naïve café — “quotes” 東京 123abc",
               "x=1+2; y = [3,4]...!!\r\n\r\n", " ", "", "a\u2003b\u3000 c", "½ ⅓ ٣ Ⅻ", "\x1c\x1d x",
               "emoji 😀👍🏽 and ZWJ 👨‍👩‍👧", "tab\tend\t", "word  \n"]
    for s in samples:
        a, b = bpe.split_pretokens(s), bpe.split_pretokens_by_hand(s)
        assert a == b, (s, a, b)
        assert "".join(a) == s
    print("pre-tokeniser self-test passed (%d samples)" % len(samples), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.expanduser("~/.cache/mha-wasm/corpus"))
    ap.add_argument("--out", default=None, help="tokenizer dir (default: <corpus>/tokenizer)")
    ap.add_argument("--vocab-size", type=int, default=4096)
    ap.add_argument("--encode", action="store_true", help="also write train.bin/val.bin")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    self_test()
    if args.self_test:
        return
    out = args.out or os.path.join(args.corpus, "tokenizer")
    t0 = time.time()
    with open(os.path.join(args.corpus, "train.txt"), encoding="utf-8") as f:
        text = f.read()
    table = count_words(text)
    print("%d distinct pre-tokens, %d total (%.1fs)" % (len(table), sum(table.values()),
                                                       time.time() - t0), file=sys.stderr)
    n_merges = args.vocab_size - 256 - 1
    merges = learn_merges(table, n_merges)
    vocab = write_tokenizer(out, merges)
    t_train = time.time() - t0
    print("vocab %d written to %s (%.1fs)" % (len(vocab), out, t_train), file=sys.stderr)
    stats = {"vocab_size": len(vocab), "merges": len(merges), "train_seconds": round(t_train, 1)}
    if args.encode:
        enc = bpe.Encoder.load(out)

        def encode_file(path):
            t1 = time.time()
            with open(path, encoding="utf-8") as f:
                arr = np.array(enc.encode_with_eot(f.read()), dtype=np.uint16)
            arr.tofile(path[:-4] + ".bin")
            print("%s: %d tokens (%.1fs)" % (path, len(arr), time.time() - t1), file=sys.stderr)
            return arr

        stats["val_tokens"] = len(encode_file(os.path.join(args.corpus, "val.txt")))
        # prepare_corpus.py also writes the training text per source (train/<source>.txt, for
        # train_gpt.py --mix). train.txt is those texts joined by <|endoftext|>, and the encoder
        # splits at that token first, so train.bin is the per-source arrays joined by its id
        # (sources in name order): the same tokens as encoding train.txt, encoded once.
        folder = os.path.join(args.corpus, "train")
        names = sorted(n for n in os.listdir(folder) if n.endswith(".txt")) if os.path.isdir(folder) else []
        if names:
            parts = []
            for name in names:
                parts.append(encode_file(os.path.join(folder, name)))
                stats["train_tokens_" + name[:-4]] = len(parts[-1])
            eot = np.array([enc.eot_id], dtype=np.uint16)
            joined = np.concatenate([x for n, p in enumerate(parts) for x in ((eot, p) if n else (p,))])
            joined.tofile(os.path.join(args.corpus, "train.bin"))
            stats["train_tokens"] = len(joined)
        else:
            stats["train_tokens"] = len(encode_file(os.path.join(args.corpus, "train.txt")))
        stats["encode_seconds"] = round(time.time() - t0 - t_train, 1)
    with open(os.path.join(out, "stats.json"), "w") as f:
        json.dump(stats, f, indent=2)
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
