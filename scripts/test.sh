#!/usr/bin/env bash
# Sets up what is missing, builds, and runs every suite:
#   C++ Catch2 natively, under ASan+UBSan, and compiled to wasm (Node); the JS package tests (node --test);
#   the browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
MHA_SETUP_QUIET=1 bash scripts/setup.sh
bash scripts/build.sh native asan wasm

step() { echo; echo "==> $*"; }
step "C++ tests, native"
./build/native/mha_tests --order rand --rng-seed 1 | tail -2
step "C++ tests, native under AddressSanitizer + UndefinedBehaviorSanitizer"
./build/native-asan/mha_tests --order rand --rng-seed 1 | tail -2
step "C++ tests, WebAssembly under Node"
node --no-experimental-fetch build/wasm/mha_tests.cjs --colour-mode none | tail -2
step "JavaScript: package API (tests/js), packed tarball + bundlers (tests/package), headless Chromium (tests/e2e)"
node --test --test-force-exit tests/js/ tests/package/ tests/e2e/
