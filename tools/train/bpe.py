"""GPT-2-style byte-level BPE: pre-tokeniser, byte<->unicode map and encoder.

The pre-tokeniser reproduces GPT-2's pattern

    's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+

with Python's `re` by spelling \\p{L}, \\p{N} and \\s out as explicit character classes built
from `unicodedata` (L = categories Lu Ll Lt Lm Lo, N = Nd Nl No, \\s = the Unicode
White_Space property, which is what the `regex` module matches for \\s). The alternation
order and backtracking are then exactly those of the original pattern.

`split_pretokens_by_hand` is a second, independent implementation of the same splitter as
plain code; `train_bpe.py --self-test` checks the two agree.
"""
import json
import re
import sys
import unicodedata

EOT = "<|endoftext|>"

# Unicode White_Space property (PropList.txt). Python's str.isspace() differs: it also
# accepts U+001C..U+001F, which are not White_Space.
WHITE_SPACE = (
    [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680]
    + list(range(0x2000, 0x200B))
    + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
)
WHITE_SPACE_SET = frozenset(chr(c) for c in WHITE_SPACE)


def _ranges(pred):
    out, start = [], None
    for cp in range(0x110000 + 1):
        ok = cp < 0x110000 and not (0xD800 <= cp <= 0xDFFF) and pred(chr(cp))
        if ok and start is None:
            start = cp
        elif not ok and start is not None:
            out.append((start, cp - 1))
            start = None
    return out


def _class(ranges):
    parts = []
    for a, b in ranges:
        parts.append("\\U%08x" % a if a == b else "\\U%08x-\\U%08x" % (a, b))
    return "".join(parts)


def is_letter(ch):
    return unicodedata.category(ch) in ("Lu", "Ll", "Lt", "Lm", "Lo")


def is_number(ch):
    return unicodedata.category(ch) in ("Nd", "Nl", "No")


_PATTERN = None


def pretokenize_pattern():
    global _PATTERN
    if _PATTERN is None:
        L = _class(_ranges(is_letter))
        N = _class(_ranges(is_number))
        S = _class([(c, c) for c in WHITE_SPACE])
        pat = (r"'s|'t|'re|'ve|'m|'ll|'d"
               + r"| ?[" + L + r"]+"
               + r"| ?[" + N + r"]+"
               + r"| ?[^" + S + L + N + r"]+"
               + r"|[" + S + r"]+(?![^" + S + r"])"
               + r"|[" + S + r"]+")
        _PATTERN = re.compile(pat)
    return _PATTERN


def split_pretokens(text):
    return pretokenize_pattern().findall(text)


def split_pretokens_by_hand(text):
    """The same splitter written out as code (used to cross-check the regex)."""
    out, i, n = [], 0, len(text)

    def run(j, pred):
        while j < n and pred(text[j]):
            j += 1
        return j

    def other(ch):
        return not (ch in WHITE_SPACE_SET or is_letter(ch) or is_number(ch))

    while i < n:
        ch = text[i]
        # 1. contractions
        if ch == "'":
            for c in ("s", "t", "re", "ve", "m", "ll", "d"):
                if text.startswith(c, i + 1):
                    out.append(text[i:i + 1 + len(c)])
                    i += 1 + len(c)
                    break
            else:
                c = None
            if c is not None:
                continue
        # 2-4. optional single space then a run of letters / numbers / other symbols
        matched = False
        for pred in (is_letter, is_number, other):
            if ch == " " and i + 1 < n and pred(text[i + 1]):
                j = run(i + 1, pred)
            elif pred(ch):
                j = run(i, pred)
            else:
                continue
            out.append(text[i:j])
            i = j
            matched = True
            break
        if matched:
            continue
        # 5. \s+(?!\S): a whitespace run, minus its last char when a non-space follows
        j = run(i, lambda c: c in WHITE_SPACE_SET)
        if j < n and j - i >= 2:
            j -= 1
        # 6. \s+ (a single whitespace char before a non-space)
        out.append(text[i:j])
        i = j
    return out


def bytes_to_unicode():
    """GPT-2's reversible map from the 256 byte values to printable unicode characters.
    Printable Latin-1 bytes map to themselves; the rest to 256, 257, ... in byte order."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


BYTE_ENCODER = bytes_to_unicode()
BYTE_DECODER = {v: k for k, v in BYTE_ENCODER.items()}


def byte_tokens():
    """The 256 byte tokens in GPT-2's id order (the order of bytes_to_unicode's list)."""
    return list(BYTE_ENCODER.values())


class Encoder:
    def __init__(self, vocab, merges):
        self.vocab = vocab
        self.inverse = {i: t for t, i in vocab.items()}
        self.ranks = {pair: r for r, pair in enumerate(merges)}
        self.cache = {}
        self.eot_id = vocab.get(EOT)

    @classmethod
    def load(cls, directory):
        with open(directory + "/vocab.json", encoding="utf-8") as f:
            vocab = json.load(f)
        merges = []
        with open(directory + "/merges.txt", encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line or line.startswith("#version"):
                    continue
                a, b = line.split(" ")
                merges.append((a, b))
        return cls(vocab, merges)

    def bpe(self, token):
        """Merge the lowest-ranked adjacent pair, all its occurrences, until none is left."""
        cached = self.cache.get(token)
        if cached is not None:
            return cached
        word = list(token)
        while len(word) > 1:
            best, best_rank = None, None
            for pair in zip(word, word[1:]):
                r = self.ranks.get(pair)
                if r is not None and (best_rank is None or r < best_rank):
                    best, best_rank = pair, r
            if best is None:
                break
            merged, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and word[i] == best[0] and word[i + 1] == best[1]:
                    merged.append(best[0] + best[1])
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        ids = [self.vocab[t] for t in word]
        if len(self.cache) < 500000:
            self.cache[token] = ids
        return ids

    def encode(self, text):
        """Encode plain text (no special tokens are recognised inside it)."""
        ids = []
        for piece in split_pretokens(text):
            ids.extend(self.bpe("".join(BYTE_ENCODER[b] for b in piece.encode("utf-8"))))
        return ids

    def encode_with_eot(self, text):
        """Encode text where the literal string <|endoftext|> stands for the special token."""
        ids = []
        for k, part in enumerate(text.split(EOT)):
            if k:
                ids.append(self.eot_id)
            ids.extend(self.encode(part))
        return ids

    def decode(self, ids):
        data = bytearray()
        for i in ids:
            tok = self.inverse[i]
            if tok == EOT:
                data.extend(EOT.encode())
            else:
                data.extend(BYTE_DECODER[c] for c in tok)
        return data.decode("utf-8", errors="replace")


if __name__ == "__main__":
    for s in sys.argv[1:]:
        print(split_pretokens(s))
