#!/usr/bin/env python3
"""Extract public-domain English text from Debian packages into a training corpus.

Sources (install with apt-get first, see tools/train/README.md), with their licences:
  austen    r-cran-janeaustenr   Jane Austen's six novels (public domain; the R package is
                                 MIT), stored as an R lazy-load database (data/Rdata.rdb);
                                 parsed here without R.
  kjv       bible-kjv-text       King James Bible (public domain text; the package is
            bible-kjv            GPL-2+), dumped with the `bible` program.
  fortunes  fortunes             the fortune(6) quotation files, without the ASCII-art files.
                                 Licence unclear: the package's copyright file gives BSD terms
                                 for the program and none for the quotations, many of them
                                 excerpts of copyrighted works.
  jargon    jargon-text          the Jargon File 4.4.7 (public domain), its entries only.
  wordnet   wordnet-base         WordNet 3.0 glosses: each synset's words and its definition
                                 and examples, one line each (WordNet 3.0 licence: use and
                                 redistribution allowed with Princeton's copyright notice).

Output (outside the repository, default ~/.cache/mha-wasm/corpus):
  <source>.txt        the cleaned full text of each source
  train.txt, val.txt  the split: every document is cut into blocks of paragraphs and
                      every `--val-every`-th block is held out. val.txt holds Austen's held-out
                      blocks only, whatever the sources: it is the comparable metric between
                      models (nats per character); the other sources' held-out blocks go to
                      val_other.txt, unused in training.
  train/<source>.txt  the same training text, one file per source (train_gpt.py --mix samples
                      windows from the sources by weight)
  manifest.json       package versions, byte counts and the split parameters

Documents are separated by a line holding only <|endoftext|> in train/val files.
"""
import argparse
import gzip
import json
import os
import re
import struct
import subprocess
import sys
import zlib

EOT = "<|endoftext|>"
DEFAULT_OUT = os.path.expanduser("~/.cache/mha-wasm/corpus")


# --------------------------------------------------------------------------------------
# R serialisation (XDR big-endian) reader: just enough for character vectors and lists.
# Format: "X\n", version, writer R version, min R version, [v3: encoding name], object.
# Each object starts with an int of flags: type = flags & 0xff, bit 9 has-attributes,
# bit 10 has-tag.  See R's src/main/serialize.c for the format description.
# --------------------------------------------------------------------------------------
NILVALUE_SXP, REFSXP, EMPTYENV_SXP, BASEENV_SXP, GLOBALENV_SXP = 254, 255, 242, 241, 253
UNBOUNDVALUE_SXP, MISSINGARG_SXP, BASENAMESPACE_SXP = 252, 251, 247
SYMSXP, LISTSXP, CHARSXP, LGLSXP, INTSXP, REALSXP, STRSXP, VECSXP = 1, 2, 9, 10, 13, 14, 16, 19
ATTRLISTSXP = 239


class RList(list):
    """An R vector or list; R attributes (e.g. names) are kept in .attrs."""
    attrs = None


class RReader:
    def __init__(self, data):
        self.data = data
        self.pos = 0
        self.refs = []

    def int(self):
        (v,) = struct.unpack_from(">i", self.data, self.pos)
        self.pos += 4
        return v

    def header(self):
        if self.data[:2] != b"X\n":
            raise ValueError("not an XDR R serialisation: %r" % self.data[:2])
        self.pos = 2
        version = self.int()
        self.int()  # writer version
        self.int()  # minimal reader version
        if version == 3:
            n = self.int()
            self.pos += n  # native encoding name

    def charsxp(self):
        n = self.int()
        if n == -1:
            return None  # NA_character_
        s = self.data[self.pos:self.pos + n]
        self.pos += n
        return s.decode("utf-8", errors="replace")

    def attributes(self):
        pairs = self.item()
        return {tag: value for tag, value in pairs}

    def item(self):
        flags = self.int()
        kind = flags & 0xFF
        has_attr = bool(flags & (1 << 9))
        has_tag = bool(flags & (1 << 10))
        if kind in (NILVALUE_SXP, EMPTYENV_SXP, BASEENV_SXP, GLOBALENV_SXP,
                    UNBOUNDVALUE_SXP, MISSINGARG_SXP, BASENAMESPACE_SXP):
            return None
        if kind == REFSXP:
            index = flags >> 8
            if index == 0:
                index = self.int()
            return self.refs[index - 1]
        if kind == SYMSXP:
            self.int()  # flags of the CHARSXP holding the name
            name = self.charsxp()
            self.refs.append(name)
            return name
        if kind in (LISTSXP, ATTRLISTSXP):
            # A pairlist, returned as [(tag, value), ...].
            out = []
            while True:
                if has_attr:
                    self.attributes()
                tag = self.item() if has_tag else None
                out.append((tag, self.item()))
                flags = self.int()
                kind = flags & 0xFF
                has_attr = bool(flags & (1 << 9))
                has_tag = bool(flags & (1 << 10))
                if kind not in (LISTSXP, ATTRLISTSXP):
                    break
            if kind != NILVALUE_SXP:
                raise ValueError("unexpected pairlist terminator %d" % kind)
            return out
        if kind == CHARSXP:
            return self.charsxp()
        value = RList()
        if kind in (LGLSXP, INTSXP):
            n = self.int()
            value.extend(struct.unpack_from(">%di" % n, self.data, self.pos))
            self.pos += 4 * n
        elif kind == REALSXP:
            n = self.int()
            value.extend(struct.unpack_from(">%dd" % n, self.data, self.pos))
            self.pos += 8 * n
        elif kind == STRSXP:
            n = self.int()
            for _ in range(n):
                self.int()  # CHARSXP flags
                value.append(self.charsxp())
        elif kind == VECSXP:
            n = self.int()
            value.extend(self.item() for _ in range(n))
        else:
            raise ValueError("unsupported R SEXP type %d at offset %d" % (kind, self.pos))
        if has_attr:
            value.attrs = self.attributes()
        return value


def unpack_block(blob):
    """One lazy-load block: 4-byte big-endian uncompressed length, then a zlib stream
    (R's default), or a type byte ('2' bzip2, 'Z' xz, '0' stored) and the payload."""
    (length,) = struct.unpack_from(">I", blob, 0)
    body = blob[4:]
    kind = body[:1]
    if kind == b"2":
        import bz2
        out = bz2.decompress(body[1:])
    elif kind == b"Z":
        import lzma
        out = lzma.decompress(body[1:])
    elif kind == b"0":
        out = body[1:]
    else:
        out = zlib.decompress(body)
    if len(out) != length:
        raise ValueError("block length mismatch")
    return out


def read_serialised(blob):
    reader = RReader(unpack_block(blob))
    reader.header()
    return reader.item()


def read_rdb_objects(rdb_path, rdx_path):
    """Return {name: object} for the objects of an R lazy-load database (.rdb + .rdx index).
    The index is a named list whose 'variables' element maps names to (offset, length)."""
    with open(rdx_path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":  # the index is written like saveRDS: a gzip file
        reader = RReader(gzip.decompress(raw))
        reader.header()
        index = reader.item()
    else:
        index = read_serialised(raw)
    fields = dict(zip(index.attrs["names"], index))
    variables = fields["variables"]
    with open(rdb_path, "rb") as f:
        rdb = f.read()
    objects = {}
    for name, (offset, length) in zip(variables.attrs["names"], variables):
        objects[name] = read_serialised(rdb[offset:offset + length])
    return objects


def austen_text(pkg_dir="/usr/lib/R/site-library/janeaustenr/data"):
    objects = read_rdb_objects(os.path.join(pkg_dir, "Rdata.rdb"), os.path.join(pkg_dir, "Rdata.rdx"))
    order = ["sensesensibility", "prideprejudice", "mansfieldpark", "emma", "northangerabbey", "persuasion"]
    docs = []
    for name in order:
        lines = objects[name]
        docs.append((name, unwrap_lines(lines)))
    return docs


def unwrap_lines(lines):
    """Join hard-wrapped lines into paragraphs (blank line = paragraph break)."""
    paragraphs, current = [], []
    for line in lines:
        line = (line or "").strip()
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    text = "\n\n".join(paragraphs)
    text = text.replace("_", "")  # Gutenberg italics markers
    text = re.sub(r"[ \t]+", " ", text)
    return text


def kjv_text():
    """Dump the KJV with the `bible` program (bible-kjv; data from bible-kjv-text in /usr/lib).
    Its output is a "Book N" line per chapter, then one "  <verse> <text>" line per verse.
    Each chapter becomes one paragraph of running text, verse numbers dropped."""
    out = subprocess.run(["bible", "-p", "/usr/lib", "-l", "0", "gen1:1-rev22:21"],
                         capture_output=True, check=True).stdout.decode("utf-8", errors="replace")
    chapters, current = [], []
    verse_re = re.compile(r"^\s+\d+ (.*)$")
    for line in out.splitlines():
        m = verse_re.match(line)
        if m:
            current.append(m.group(1).strip())
        elif line.strip():  # chapter heading
            if current:
                chapters.append(" ".join(current))
            current = []
    if current:
        chapters.append(" ".join(current))
    text = "\n\n".join(chapters)
    return [("kjv", re.sub(r"[ \t]+", " ", text))]


def fortunes_text(folder="/usr/share/games/fortunes"):
    """One document per fortune file; fortunes are separated by lines holding only '%'.
    Each fortune becomes one paragraph with its line breaks kept (many are verse or dialogue)."""
    skip = {"art", "ascii-art"}
    docs = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if "." in name or name in skip or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            entries = [e.strip("\n") for e in re.split(r"^%$", f.read(), flags=re.M)]
        entries = [re.sub(r"[ \t]+", " ", e.replace("\t", " ")).strip() for e in entries]
        entries = [e.replace("\n\n", "\n") for e in entries if e]
        docs.append(("fortunes-" + name, "\n\n".join(entries)))
    return docs


def jargon_text(path="/usr/share/doc/jargon-text/jargon.txt.gz"):
    """The Jargon File's entries (from the first ':entry:' heading on; the table of contents
    before it is dropped), unwrapped into paragraphs; cross-reference braces {x} removed."""
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("   :"))
    text = unwrap_lines(lines[start:])
    text = re.sub(r"[{}]", "", text)
    return [("jargon", text)]


def wordnet_text(folder="/usr/share/wordnet"):
    """WordNet 3.0 synsets as sentences: 'word, word: gloss' (underscores in words become spaces).
    The data.* line format: offset lex_filenum ss_type w_cnt (word lex_id)* ... '|' gloss."""
    docs = []
    for pos in ("noun", "verb", "adj", "adv"):
        out = []
        with open(os.path.join(folder, "data." + pos), encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  ") or " | " not in line:
                    continue  # the licence header lines start with two spaces
                fields, gloss = line.split(" | ", 1)
                parts = fields.split()
                count = int(parts[3], 16)
                words = [parts[4 + 2 * k].replace("_", " ") for k in range(count)]
                words = [re.sub(r"\([a-z]+\)$", "", w) for w in words]  # adjective markers (a), (p)
                out.append("%s: %s" % (", ".join(words), gloss.strip()))
        # paragraphs of 20 glosses, so blocks split on whole glosses
        docs.append(("wordnet-" + pos, "\n\n".join("\n".join(out[i:i + 20]) for i in range(0, len(out), 20))))
    return docs


def package_version(pkg):
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True,
                              check=True, text=True).stdout.strip()
    except Exception:
        return None


SOURCES = {
    "austen": (austen_text, ["r-cran-janeaustenr"]),
    "kjv": (kjv_text, ["bible-kjv-text", "bible-kjv"]),
    "fortunes": (fortunes_text, ["fortunes"]),
    "jargon": (jargon_text, ["jargon-text"]),
    "wordnet": (wordnet_text, ["wordnet-base"]),
}
HELD_OUT_SOURCE = "austen"  # val.txt: this source's held-out blocks only


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--sources", default="austen",
                    help="comma-separated: " + ", ".join(SOURCES) + " (austen is always included)")
    ap.add_argument("--block-chars", type=int, default=20000,
                    help="split unit: consecutive paragraphs of about this many characters")
    ap.add_argument("--val-every", type=int, default=20, help="every N-th block goes to validation")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    train_docs, val_docs, other_val_docs = [], [], []
    os.makedirs(os.path.join(args.out, "train"), exist_ok=True)
    for stale in os.listdir(os.path.join(args.out, "train")):
        os.remove(os.path.join(args.out, "train", stale))
    manifest = {"sources": {}, "block_chars": args.block_chars, "val_every": args.val_every,
                "val": "held-out blocks of " + HELD_OUT_SOURCE + " only"}
    sources = [HELD_OUT_SOURCE] + [s for s in args.sources.split(",") if s and s != HELD_OUT_SOURCE]
    for source in sources:
        fn, pkgs = SOURCES[source]
        docs = fn()
        source_train = []
        with open(os.path.join(args.out, source + ".txt"), "w", encoding="utf-8") as f:
            f.write("\n\n".join(text for _, text in docs))
        info = {"packages": {p: package_version(p) for p in pkgs}, "documents": {}}
        for name, text in docs:
            paragraphs = text.split("\n\n")
            blocks, cur, size = [], [], 0
            for p in paragraphs:
                cur.append(p)
                size += len(p) + 2
                if size >= args.block_chars:
                    blocks.append("\n\n".join(cur))
                    cur, size = [], 0
            if cur:
                blocks.append("\n\n".join(cur))
            # Deterministic split; block index offset by 1 so the opening block stays in train.
            tr = [b for i, b in enumerate(blocks) if (i + 1) % args.val_every != 0]
            va = [b for i, b in enumerate(blocks) if (i + 1) % args.val_every == 0]
            # Each contiguous run of train blocks stays one document (no EOT inside a run).
            train_docs.append("\n\n".join(tr))
            source_train.append("\n\n".join(tr))
            (val_docs if source == HELD_OUT_SOURCE else other_val_docs).extend(va)
            info["documents"][name] = {"chars": len(text), "paragraphs": len(paragraphs),
                                       "train_blocks": len(tr), "val_blocks": len(va)}
        info["chars"] = sum(len(t) for _, t in docs)
        with open(os.path.join(args.out, "train", source + ".txt"), "w", encoding="utf-8") as f:
            f.write(("\n" + EOT + "\n").join(source_train))
        manifest["sources"][source] = info
        print(source, info["chars"], "chars in", len(docs), "documents", file=sys.stderr)

    sep = "\n" + EOT + "\n"
    with open(os.path.join(args.out, "train.txt"), "w", encoding="utf-8") as f:
        f.write(sep.join(train_docs))
    with open(os.path.join(args.out, "val.txt"), "w", encoding="utf-8") as f:
        f.write(sep.join(val_docs))
    with open(os.path.join(args.out, "val_other.txt"), "w", encoding="utf-8") as f:
        f.write(sep.join(other_val_docs))
    manifest["train_chars"] = sum(len(d) for d in train_docs)
    manifest["val_chars"] = sum(len(d) for d in val_docs)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print(json.dumps({k: manifest[k] for k in ("train_chars", "val_chars")}), file=sys.stderr)


if __name__ == "__main__":
    main()
