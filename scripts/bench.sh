#!/usr/bin/env bash
# npm run bench [-- options of bench/run.mjs]
#
# Builds what the benchmark measures, in its own build folders (never dist/):
#   build/bench/native        native core + roofline probes (bench/core, -march=native)
#   build/bench/wasm-simd, wasm-relaxed, wasm-threads, wasm-relaxed-threads
#                             the package's four builds (+ the probes compiled to wasm), all into build/bench/dist
#   build/bench/wasm-scalar   the same C++ without -msimd128 (-DMHA_SIMD=OFF)
# installs the peers into bench/node_modules (onnxruntime-web, tfjs; never into the root package), then runs
#   1. the native probes  2. the wasm probes  3. node bench/run.mjs (all peers, one process), then bench/gqa.mjs
#   (a Llama-family layer against ORT's GroupQueryAttention)
#   4. node bench/browser.mjs (the same suite in headless Chromium; skipped when Chromium is not installed)
# The options go to steps 3 and 4; step 4 has only the wall clock (--clock is not passed to it) and writes
# --json X.json to X.browser.json. Step 4 runs every single-threaded peer against onnxruntime-web on one
# thread in one page, then our threaded build and onnxruntime-web on as many threads, each alone in a page
# (X.browser-threads.json, X.browser-ort-threads.json).
# Node 20 runs the relaxed build behind --experimental-wasm-relaxed-simd (passed here); Chromium by default.
#
# CI smoke (no timing asserted): npm run bench -- --quick --iterations 1
# MHA_BENCH_SKIP_BUILD=1 reuses the builds; MHA_JOBS sets build parallelism (default 1: shared machines).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
MHA_SETUP_QUIET=1 MHA_SKIP_CHROMIUM=1 bash scripts/setup.sh

jobs="${MHA_JOBS:-1}"
quick=""
for arg in "$@"; do [ "$arg" = "--quick" ] && quick="--quick"; done

configure_and_build() { # configure_and_build <dir> native|wasm <cmake args...>: quiet unless something fails
  local dir="$1" kind="$2" log; shift 2
  local run=() configure=(cmake)
  [ "$kind" = wasm ] && run=(scripts/em.sh) configure=(scripts/em.sh emcmake cmake)
  if ! log=$("${configure[@]}" "$@" -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMHA_BUILD_TESTS=OFF -DMHA_BUILD_BENCH=ON 2>&1); then
    echo "$log" | cut -c1-300 >&2; return 1
  fi
  if ! log=$(${run[@]+"${run[@]}"} cmake --build "$dir" -j "$jobs" 2>&1); then
    echo "$log" | grep -v '^\[' | cut -c1-300 >&2; return 1
  fi
}
if [ -z "${MHA_BENCH_SKIP_BUILD:-}" ]; then
  echo "==> building the benchmark targets (build/bench/)"
  configure_and_build build/bench/native native
  dist="-DMHA_DIST_DIR=$PWD/build/bench/dist"
  configure_and_build build/bench/wasm-simd wasm "$dist"
  configure_and_build build/bench/wasm-relaxed wasm -DMHA_RELAXED_SIMD=ON "$dist"
  configure_and_build build/bench/wasm-threads wasm -DMHA_THREADS=ON "$dist"
  configure_and_build build/bench/wasm-relaxed-threads wasm -DMHA_THREADS=ON -DMHA_RELAXED_SIMD=ON "$dist"
  configure_and_build build/bench/wasm-scalar wasm -DMHA_SIMD=OFF -DMHA_DIST_DIR="$PWD/build/bench/wasm-scalar/dist"
fi
for file in build/bench/native/mha_bench build/bench/dist/mha_wasm_relaxed_threads.wasm build/bench/dist/index.js \
            build/bench/wasm-scalar/dist/index.js; do
  [ -e "$file" ] || { echo "bench: $file is missing (build failed?)" >&2; exit 1; }
done

if [ ! -d bench/node_modules/onnxruntime-web ] || [ ! -d bench/node_modules/@tensorflow/tfjs-backend-wasm ]; then
  echo "==> installing the benchmark's peers into bench/node_modules"
  (cd bench && npm ci --no-audit --no-fund --loglevel=error)
fi

echo; echo "==> native core (roofline): $(uname -m), $(nproc) cores"
node bench/capacity.mjs
./build/bench/native/mha_bench $quick --threads "1,$(nproc)"
relaxed=--experimental-wasm-relaxed-simd
echo; echo "==> WebAssembly SIMD128 core under Node (same probes)"
node build/bench/wasm-simd/mha_bench.cjs $quick 2>&1 | cut -c1-300
echo; echo "==> WebAssembly relaxed-SIMD (FMA) core under Node (same probes)"
node "$relaxed" build/bench/wasm-relaxed/mha_bench.cjs $quick 2>&1 | cut -c1-300
echo; echo "==> WebAssembly relaxed SIMD with pthreads under Node: the forward pass by thread count (wall clock)"
node "$relaxed" build/bench/wasm-relaxed-threads/mha_bench.cjs $quick --no-probes --threads "1,$(nproc),1,$(nproc)" 2>&1 | cut -c1-300
node bench/capacity.mjs
echo; echo "==> side by side, one Node process"
node "$relaxed" bench/run.mjs --simd-dist build/bench/dist --scalar-dist build/bench/wasm-scalar/dist "$@"
echo; echo "==> grouped-query attention + rotary vs onnxruntime-web's GroupQueryAttention, one Node process"
node "$relaxed" bench/gqa.mjs --simd-dist build/bench/dist ${quick:+--iterations 1 --warmup 0}

chromium="${MHA_CHROMIUM:-/usr/bin/chromium}"
echo; echo "==> side by side, headless Chromium"
if [ -x "$chromium" ]; then
  browser_args=() json=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --clock) shift 2; continue ;; # a page has the wall clock only
      --json) json="${2%.json}"; shift 2; continue ;; # keep step 3's file
    esac
    browser_args+=("$1"); shift
  done
  dists=(--simd-dist build/bench/dist --threads-dist build/bench/dist --scalar-dist build/bench/wasm-scalar/dist)
  echo "-- one thread each"
  node bench/browser.mjs "${dists[@]}" ${browser_args[@]+"${browser_args[@]}"} ${json:+--json "$json.browser.json"}
  # Two threaded peers in one page, round-robin, slow each other down on a machine with as many cores as
  # threads: each one's pool is still spinning when the other's call starts. Each runs alone in its own
  # page instead, one after the other (their outputs were checked against ours in the page above).
  echo; echo "-- $(nproc) threads each, each alone in its page: our threaded build (auto: relaxed SIMD), then onnxruntime-web"
  node bench/browser.mjs "${dists[@]}" ${browser_args[@]+"${browser_args[@]}"} --peers threads \
    ${json:+--json "$json.browser-threads.json"}
  node bench/browser.mjs "${dists[@]}" ${browser_args[@]+"${browser_args[@]}"} --peers ort --ort-threads "$(nproc)" \
    ${json:+--json "$json.browser-ort-threads.json"}
else
  echo "skipped: no Chromium at $chromium (apt-get install chromium, or run scripts/setup.sh; MHA_CHROMIUM picks another)"
fi
