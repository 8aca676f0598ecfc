#!/usr/bin/env bash
# Builds the native library + tests and the WebAssembly module + package (dist/) + wasm tests.
#   scripts/build.sh [native] [wasm] [asan] [package]     (default: native wasm)
#   wasm    = both wasm builds: single-threaded (build/wasm) and pthreads (build/wasm-threads), each with
#             its module in dist/ and its Catch2 suite
#   package = only the two wasm modules and the JS files in dist/ (what `npm start` needs)
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
    wasm)
      for preset in wasm wasm-threads; do
        emcmake cmake --preset "$preset" >/dev/null
        cmake --build --preset "$preset" -j "$jobs" 2>&1 | cut -c1-400
      done ;;
    package)
      for preset in wasm wasm-threads; do
        emcmake cmake --preset "$preset" >/dev/null
        cmake --build --preset "$preset" -j "$jobs" --target mha_wasm mha_js 2>&1 | cut -c1-400
      done ;;
    *) echo "build: unknown target '$target' (expected native, wasm, asan or package)" >&2; exit 2 ;;
  esac
done
