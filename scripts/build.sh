#!/usr/bin/env bash
# Builds the native library + tests and the WebAssembly module + package (dist/) + wasm tests.
#   scripts/build.sh [native] [wasm] [asan] [package]     (default: native wasm)
#   package = only the wasm module and the JS files in dist/ (what `npm start` needs)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(native wasm)
jobs="${MHA_JOBS:-2}"
for target in "${targets[@]}"; do
  case "$target" in
    native) cmake --preset native >/dev/null && cmake --build --preset native -j "$jobs" ;;
    asan) cmake --preset native-asan >/dev/null && cmake --build --preset native-asan -j "$jobs" ;;
    wasm) emcmake cmake --preset wasm >/dev/null && cmake --build --preset wasm -j "$jobs" 2>&1 | cut -c1-400 ;;
    package) emcmake cmake --preset wasm >/dev/null && cmake --build --preset wasm -j "$jobs" --target mha_wasm mha_js 2>&1 | cut -c1-400 ;;
    *) echo "build: unknown target '$target' (expected native, wasm, asan or package)" >&2; exit 2 ;;
  esac
done
