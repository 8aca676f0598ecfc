#!/bin/sh
# Ships a training checkpoint as the demo model: tools/train/ship.sh CKPT [LOG]
#
#   1. export_hf.py           CKPT -> models/austen-gpt (F16 safetensors + config + tokenizer files)
#   2. check_export.py        independent safetensors parse, F32 vs F16 held-out loss, samples, <= 10 MB
#   3. check_transformers.py  GPT2LMHeadModel / GPT2TokenizerFast (transformers from PyPI) against our forward
#                             pass on the same weights and on the F32 checkpoint (tolerances in the script)
#   4. make_fixture.py        tests/fixtures/model/ (logits + attention of 4 prompts, 200 tokenizer cases)
#   5. make_model_fixtures.py --only austen: tests/fixtures/encoders/reference_austen.bin (transformers' numbers)
#   6. head_patterns.py       models/austen-gpt/head_patterns.{json,md} (+ open_on, the page's opening head)
#                             and --write-fixture tests/fixtures/head_scores/cases.json
#   7. write_card.py          MODEL_CARD.md, training.json, checks.json, training_curve.svg from LOG and the checks
#   8. sync_docs.py           the README's example comments (tokens, shape) from tests/fixtures/model
#   9. docs/demo.png, docs/demo-model.png: the README screenshots, taken by tests/e2e/demo.test.mjs in headless
#                             Chromium (MHA_UPDATE_SCREENSHOTS=1; needs the npm devDependencies; SCREENSHOTS=0 skips)
#
# CKPT is copied first (a running train_gpt.py rewrites its ckpt.pt every few minutes). LOG defaults to
# log.jsonl beside CKPT. Environment: CORPUS (default ~/.cache/mha-wasm/corpus-mix), PYREF (the Python with
# transformers, default ~/.cache/mha-wasm/pyref/bin/python), THREADS (torch threads, default 1), NICE
# (default 10). Stops at the first failing step; prints each step's time and a summary of issue 15's targets.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 CKPT [LOG]" >&2; exit 2; }
ckpt=$1
log=${2:-$(dirname "$ckpt")/log.jsonl}
[ -f "$ckpt" ] || { echo "$0: CKPT: expected a checkpoint file, got '$ckpt' (no such file)" >&2; exit 2; }
[ -f "$log" ] || { echo "$0: LOG: expected train_gpt.py's log.jsonl, got '$log' (no such file)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=$HOME/.cache/mha-wasm
corpus=${CORPUS:-$cache/corpus-mix}
pyref=${PYREF:-$cache/pyref/bin/python}
threads=${THREADS:-1}
py="nice -n ${NICE:-10} /usr/bin/python3"
ref="nice -n ${NICE:-10} $pyref"
model=$repo/models/austen-gpt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

t0=$(date +%s)
step() {  # step NAME COMMAND...: runs it, prints its time
  name=$1; shift
  s=$(date +%s)
  echo "== $name" >&2
  "$@"
  echo "== $name: $(( $(date +%s) - s )) s" >&2
}
cp "$ckpt" "$work/ckpt.pt"
cp "$log" "$work/log.jsonl"
step export $py "$here/export_hf.py" --ckpt "$work/ckpt.pt" --tokenizer "$corpus/tokenizer" --out "$model" >&2
step check_export $py "$here/check_export.py" --model-dir "$model" --ckpt "$work/ckpt.pt" --corpus "$corpus" \
  --threads "$threads" --json "$work/check_export.json" >/dev/null
step check_transformers $ref "$here/check_transformers.py" --model-dir "$model" --ckpt "$work/ckpt.pt" \
  --corpus "$corpus" --json "$work/check_transformers.json" >/dev/null
step make_fixture $py "$here/make_fixture.py" --model-dir "$model" --corpus "$corpus" --threads "$threads" >&2
step reference_austen $ref "$repo/tests/fixtures/encoders/make_model_fixtures.py" --only austen >&2
step head_patterns $py "$here/head_patterns.py" --model-dir "$model" --corpus "$corpus" --threads "$threads" >/dev/null
step head_scores_fixture $py "$here/head_patterns.py" --write-fixture "$repo/tests/fixtures/head_scores/cases.json" >&2
step card $py "$here/write_card.py" --log "$work/log.jsonl" --check-export "$work/check_export.json" \
  --check-transformers "$work/check_transformers.json" --corpus "$corpus" --model-dir "$model"
step docs $py "$here/sync_docs.py"
shots() {  # the README screenshots; the test's output is shown only when it fails
  (cd "$repo" && MHA_UPDATE_SCREENSHOTS=1 nice -n "${NICE:-10}" node --test --test-force-exit \
    --test-name-pattern "README screenshot" tests/e2e/demo.test.mjs >"$work/screenshots.log" 2>&1 &&
    grep -q "^# pass 1$" "$work/screenshots.log") || { cat "$work/screenshots.log" >&2; return 1; }
}
[ "${SCREENSHOTS:-1}" = 0 ] || step screenshots shots
echo "ship.sh: done in $(( $(date +%s) - t0 )) s; review with git status / git diff --stat" >&2
