#!/bin/sh
# Rebuild models/austen-gpt and tests/fixtures/model from Debian packages (see README.md).
# Needs root for apt-get; everything else runs as any user. Intermediate files go to
# ~/.cache/mha-wasm (corpus, tokenizer, checkpoints), never into the repository.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3          # Debian's interpreter, the one python3-torch installs into
minutes=${MINUTES:-70}       # training wall-clock budget
cache=${CACHE:-$HOME/.cache/mha-wasm}

if [ "${SKIP_APT:-0}" != 1 ]; then
  apt-get install -y --no-install-recommends python3-torch python3-numpy libopenblas0-pthread \
    r-cran-janeaustenr
fi

$py "$here/prepare_corpus.py" --out "$cache/corpus"
$py "$here/train_bpe.py" --corpus "$cache/corpus" --vocab-size 4096 --encode
nice -n 10 $py "$here/train_gpt.py" --corpus "$cache/corpus" --out "$cache/run-austen" \
  --minutes "$minutes"
CORPUS="$cache/corpus" SCREENSHOTS=0 "$here/ship.sh" "$cache/run-austen/ckpt.pt"
