#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) and runs each one for
# SECONDS (default 45) starting from its seed corpus in tests/fuzz/corpus/<target>/.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]        e.g. bash scripts/fuzz.sh 30 fuzz_json
# The corpus is copied to a temporary folder, so the repository is not modified. Exits non-zero if any
# target crashes, leaks, times out or runs out of memory; the reproducer is copied to
# build/fuzz/artifacts/ (replay it with: build/fuzz/<target> <file>).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-45}"
shift || true
MHA_SETUP_QUIET=1 bash scripts/setup.sh
# shellcheck source=/dev/null
source scripts/env.sh

build=build/fuzz
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="${MHA_FUZZ_CXX:-clang++}" \
  -DMHA_FUZZ=ON -DMHA_BUILD_TESTS=OFF >/dev/null
if ! cmake --build "$build" -j "${MHA_JOBS:-2}" >"$build/fuzz-build.log" 2>&1; then
  cut -c1-300 "$build/fuzz-build.log" | tail -n 40
  echo "fuzz targets failed to build (full log: $build/fuzz-build.log)"
  exit 1
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for source in tests/fuzz/*.cpp; do targets+=("$(basename "$source" .cpp)"); done
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/artifacts"
failed=()
for target in "${targets[@]}"; do
  echo "==> $target for ${seconds}s"
  mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
  if [ -d "tests/fuzz/corpus/$target" ]; then cp -R "tests/fuzz/corpus/$target/." "$work/$target/corpus/"; fi
  # -timeout: one input taking longer than 10 s is a hang; -rss_limit_mb: a blow-up is a failure too.
  if "$build/$target" "$work/$target/corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$work/$target/artifacts/" >"$work/$target/log" 2>&1; then
    grep -E '^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::average_exec_per_sec' "$work/$target/log" || true
  else
    failed+=("$target")
    tail -n 60 "$work/$target/log"
    cp "$work/$target/artifacts/"* "$build/artifacts/" 2>/dev/null || true
    echo "FAILED: $target (reproducers in $build/artifacts/)"
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzzing found problems in: ${failed[*]}"
  exit 1
fi
echo "fuzzing: no crash in ${targets[*]}"
