#!/usr/bin/env python3
"""Extract public-domain English text from Debian packages into a training corpus.

Sources (install with apt-get first, see tools/train/README.md):
  austen  r-cran-janeaustenr   Jane Austen's six novels, stored as an R lazy-load
                               database (data/Rdata.rdb); parsed here without R.
  kjv     bible-kjv-text       King James Bible, dumped with the `bible` program.
          bible-kjv

Output (outside the repository, default ~/.cache/mha-wasm/corpus):
  <source>.txt        the cleaned full text of each source
  train.txt, val.txt  the split: every document is cut into blocks of paragraphs and
                      every `--val-every`-th block goes to validation
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


def package_version(pkg):
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True,
                              check=True, text=True).stdout.strip()
    except Exception:
        return None


SOURCES = {
    "austen": (austen_text, ["r-cran-janeaustenr"]),
    "kjv": (kjv_text, ["bible-kjv-text", "bible-kjv"]),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--sources", default="austen", help="comma-separated: austen, kjv")
    ap.add_argument("--block-chars", type=int, default=20000,
                    help="split unit: consecutive paragraphs of about this many characters")
    ap.add_argument("--val-every", type=int, default=20, help="every N-th block goes to validation")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    train_docs, val_docs, manifest = [], [], {"sources": {}, "block_chars": args.block_chars,
                                              "val_every": args.val_every}
    for source in args.sources.split(","):
        fn, pkgs = SOURCES[source]
        docs = fn()
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
            val_docs.extend(va)
            info["documents"][name] = {"chars": len(text), "paragraphs": len(paragraphs),
                                       "train_blocks": len(tr), "val_blocks": len(va)}
        manifest["sources"][source] = info
        print(source, {k: v["chars"] for k, v in info["documents"].items()}, file=sys.stderr)

    sep = "\n" + EOT + "\n"
    with open(os.path.join(args.out, "train.txt"), "w", encoding="utf-8") as f:
        f.write(sep.join(train_docs))
    with open(os.path.join(args.out, "val.txt"), "w", encoding="utf-8") as f:
        f.write(sep.join(val_docs))
    manifest["train_chars"] = sum(len(d) for d in train_docs)
    manifest["val_chars"] = sum(len(d) for d in val_docs)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print(json.dumps({k: manifest[k] for k in ("train_chars", "val_chars")}), file=sys.stderr)


if __name__ == "__main__":
    main()
