#!/usr/bin/env bash
# Builds the native library + tests and the WebAssembly module + package (dist/) + wasm tests.
#   scripts/build.sh [native] [wasm] [asan] [package]     (default: native wasm)
#   wasm    = the four wasm builds, each with its module in dist/ and its Catch2 suite:
#             build/wasm (SIMD128), build/wasm-threads (+ pthreads), build/wasm-relaxed (relaxed SIMD: FMA),
#             build/wasm-relaxed-threads
#   package = only the four wasm modules and the JS files in dist/ (what `npm start` needs)
# Wasm builds run inside the project's Emscripten root (scripts/em.sh; MHA_EMSDK=native uses the emsdk
# on PATH instead).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(native wasm)
jobs="${MHA_JOBS:-2}"
wasm_presets=(wasm wasm-threads wasm-relaxed wasm-relaxed-threads)
for target in "${targets[@]}"; do
  case "$target" in
    native) cmake --preset native >/dev/null && cmake --build --preset native -j "$jobs" ;;
    asan) cmake --preset native-asan >/dev/null && cmake --build --preset native-asan -j "$jobs" ;;
    wasm | package)
      build_args=()
      [ "$target" = package ] && build_args=(--target mha_wasm mha_js)
      for preset in "${wasm_presets[@]}"; do
        scripts/em.sh emcmake cmake --preset "$preset" >/dev/null
        scripts/em.sh cmake --build --preset "$preset" -j "$jobs" ${build_args[@]+"${build_args[@]}"} 2>&1 | cut -c1-400
      done ;;
    *) echo "build: unknown target '$target' (expected native, wasm, asan or package)" >&2; exit 2 ;;
  esac
done
