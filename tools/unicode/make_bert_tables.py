#!/usr/bin/env python3
"""Writes src/text/bert_unicode_tables.cpp: the character data of BERT's normalizer and pre-tokenizer.

The target is Hugging Face `tokenizers` (BertNormalizer + BertPreTokenizer), byte for byte. Its Rust
code answers "is this a control character / punctuation / a nonspacing mark" from Unicode tables that
are older than Python's `unicodedata` (for example U+166D is punctuation there, U+07FD is not a
nonspacing mark, unassigned code points are kept, and its CJK ranges skip U+2B820..U+2B91F). So the
per-code-point answers are taken from `tokenizers` itself, by normalising and pre-tokenising every
code point alone (its NFD as well: it does not decompose U+11938, for one); only the canonical
combining classes, which matter across characters, come from `unicodedata`:

  flags       per code point, as runs (like unicode_tables.cpp):
                bit 0-1  clean_text action: 0 keep, 1 drop, 2 becomes ' '
                bit 2    CJK ideograph: handle_chinese_chars puts a space on each side
                bit 3    punctuation for the pre-tokenizer (a word of its own)
                bit 4    white space for the pre-tokenizer (splits, is dropped)
                bit 5    removed by strip_accents (a nonspacing mark, Mn, in tokenizers' tables)
  decompositions  full canonical decomposition (tokenizers' NFD) of each code point that has one, Hangul excluded
                  (computed by the algorithm of Unicode section 3.12 in the C++ code)
  combining classes  canonical combining class runs (for NFD's canonical reordering)
  lowercase   char-wise lower-casing (Rust's char::to_lowercase == Python's str.lower on one code point)

Then every code point, alone and after a base letter, is normalised by a Python copy of the C++
algorithm over these tables and compared with `tokenizers` for the four (lowercase, strip_accents)
settings: the script fails on any difference.

Usage: <venv with tokenizers>/bin/python tools/unicode/make_bert_tables.py [output.cpp]
"""
import sys
import unicodedata
from pathlib import Path

import tokenizers
from tokenizers.normalizers import BertNormalizer
from tokenizers.pre_tokenizers import BertPreTokenizer

KEEP, DROP, SPACE = 0, 1, 2
CJK, PUNCT, PRE_SPACE, STRIP = 4, 8, 16, 32
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
CODE_POINTS = [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]


def each(normalizer):
    return {cp: normalizer.normalize_str(chr(cp)) for cp in CODE_POINTS}


def probe_flags():
    clean = each(BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False))
    chinese = each(BertNormalizer(clean_text=False, handle_chinese_chars=True, strip_accents=False, lowercase=False))
    strip = each(BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True, lowercase=False))
    pre = BertPreTokenizer()
    flags = [0] * 0x110000
    for cp in CODE_POINTS:
        c = chr(cp)
        action = {c: KEEP, "": DROP, " ": SPACE}.get(clean[cp])
        assert action is not None, (hex(cp), clean[cp])
        f = action
        if chinese[cp] != c:
            assert chinese[cp] == f" {c} ", hex(cp)
            f |= CJK
        words = [w for w, _ in pre.pre_tokenize_str("a" + c + "b")]
        if words == ["a", "b"]:
            f |= PRE_SPACE
        elif words == ["a", c, "b"]:
            f |= PUNCT
        else:
            assert words == ["a" + c + "b"], (hex(cp), words)
        if strip[cp] == "" and NFD.normalize_str(c) == c:
            f |= STRIP
        flags[cp] = f
    return flags


NFD = tokenizers.normalizers.NFD()


def decomposition(cp):
    d = NFD.normalize_str(chr(cp))
    return None if d == chr(cp) or HANGUL_FIRST <= cp <= HANGUL_LAST else [ord(x) for x in d]


def hangul(cp):
    s = cp - HANGUL_FIRST
    out = [0x1100 + s // 588, 0x1161 + (s % 588) // 28]
    if s % 28:
        out.append(0x11A7 + s % 28)
    return out


def normalize(text, flags, decompositions, ccc, lower_map, lowercase, strip):
    """Python copy of WordPieceTokenizer::normalize (clean_text and handle_chinese_chars on)."""
    out = []
    for c in text:
        cp = ord(c)
        f = flags[cp] if cp < len(flags) else 0
        if f & 3 == DROP:
            continue
        if f & 3 == SPACE:
            out.append(0x20)
            continue
        if f & CJK:
            out += [0x20, cp, 0x20]
        else:
            out.append(cp)
    if strip:
        decomposed = []
        for cp in out:
            if HANGUL_FIRST <= cp <= HANGUL_LAST:
                decomposed += hangul(cp)
            else:
                decomposed += decompositions.get(cp, [cp])
        # canonical reordering: stable sort of each run of non-starters by combining class
        i = 0
        while i < len(decomposed):
            if ccc.get(decomposed[i], 0) == 0:
                i += 1
                continue
            j = i
            while j < len(decomposed) and ccc.get(decomposed[j], 0) != 0:
                j += 1
            decomposed[i:j] = sorted(decomposed[i:j], key=lambda x: ccc.get(x, 0))
            i = j
        out = [cp for cp in decomposed if not flags[cp] & STRIP]
    if lowercase:
        lowered = []
        for cp in out:
            lowered += lower_map.get(cp, [cp])
        out = lowered
    return "".join(map(chr, out))


def runs(values):
    starts, kinds = [], []
    for cp, v in enumerate(values):
        if not kinds or v != kinds[-1]:
            starts.append(cp)
            kinds.append(v)
    return starts, kinds


def main():
    out_path = (Path(sys.argv[1]) if len(sys.argv) > 1 else
                Path(__file__).resolve().parents[2] / "src/text/bert_unicode_tables.cpp")
    flags = probe_flags()
    decompositions = {cp: d for cp in CODE_POINTS if (d := decomposition(cp))}
    ccc = {cp: unicodedata.combining(chr(cp)) for cp in CODE_POINTS if unicodedata.combining(chr(cp))}
    lower_map = {cp: [ord(x) for x in chr(cp).lower()] for cp in CODE_POINTS if chr(cp).lower() != chr(cp)}

    # Check against tokenizers: every code point alone, after a base letter, and a few sequences.
    samples = [chr(cp) for cp in CODE_POINTS] + ["a" + chr(cp) for cp in CODE_POINTS if cp in ccc or flags[cp] & STRIP]
    samples += ["a\U0001D16D\U0001D165", "a\u0301\u0316", "\u1100\u1161\u11a8", "\u0130\u0131"]
    for lowercase in (False, True):
        for strip in (False, True):
            reference = BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=strip,
                                       lowercase=lowercase)
            bad = [s for s in samples
                   if reference.normalize_str(s) != normalize(s, flags, decompositions, ccc, lower_map, lowercase, strip)]
            assert not bad, (lowercase, strip, len(bad), [hex(ord(x)) for x in bad[0]])

    pool, decomposition_rows = [], []
    for cp in sorted(decompositions):
        decomposition_rows.append((cp, len(pool), len(decompositions[cp])))
        pool += decompositions[cp]
    lower_rows = []
    for cp in sorted(lower_map):
        lower_rows.append((cp, len(pool), len(lower_map[cp])))
        pool += lower_map[cp]
    flag_starts, flag_values = runs(flags)
    ccc_starts, ccc_values = runs([ccc.get(cp, 0) for cp in range(0x110000)])

    def rows(items, per_line, fmt):
        return ["    " + ", ".join(fmt(x) for x in items[i:i + per_line]) + "," for i in range(0, len(items), per_line)]

    lines = [
        "// GENERATED by tools/unicode/make_bert_tables.py -- do not edit by hand.",
        f"// Per-code-point answers of tokenizers {tokenizers.__version__} (BertNormalizer, BertPreTokenizer);",
        f"// combining classes from Unicode {unicodedata.unidata_version} "
        f"(Python {sys.version.split()[0]} unicodedata). See src/text/bert_unicode.hpp.",
        '#include "text/bert_unicode.hpp"',
        "",
        "namespace mha::text::bert_tables {",
        "",
        "// clang-format off",
        f'const char* const source = "tokenizers {tokenizers.__version__}, Unicode {unicodedata.unidata_version}";',
        "",
        f"const size_t flag_run_count = {len(flag_starts)};",
        "const uint32_t flag_run_starts[] = {",
        *rows(flag_starts, 10, lambda x: f"0x{x:05X}"),
        "};",
        "const uint8_t flag_run_values[] = {",
        *rows(flag_values, 30, str),
        "};",
        "",
        f"const size_t combining_run_count = {len(ccc_starts)};",
        "const uint32_t combining_run_starts[] = {",
        *rows(ccc_starts, 10, lambda x: f"0x{x:05X}"),
        "};",
        "const uint8_t combining_run_values[] = {",
        *rows(ccc_values, 20, str),
        "};",
        "",
        f"const size_t mapping_pool_size = {len(pool)};",
        "const char32_t mapping_pool[] = {",
        *rows(pool, 10, lambda x: f"0x{x:05X}"),
        "};",
        "",
        f"const size_t decomposition_count = {len(decomposition_rows)};",
        "const CodePointMapping decompositions[] = {",
        *rows(decomposition_rows, 4, lambda r: f"{{0x{r[0]:05X}, {r[1]}, {r[2]}}}"),
        "};",
        "",
        f"const size_t lowercase_count = {len(lower_rows)};",
        "const CodePointMapping lowercase[] = {",
        *rows(lower_rows, 4, lambda r: f"{{0x{r[0]:05X}, {r[1]}, {r[2]}}}"),
        "};",
        "// clang-format on",
        "",
        "}  // namespace mha::text::bert_tables",
        "",
    ]
    out_path.write_text("\n".join(lines))
    print(f"wrote {out_path}: {len(flag_starts)} flag runs, {len(ccc_starts)} combining runs, "
          f"{len(decomposition_rows)} decompositions, {len(lower_rows)} lower-case mappings, pool {len(pool)}")


if __name__ == "__main__":
    main()
