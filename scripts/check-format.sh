#!/usr/bin/env bash
# Fails when a C++ file differs from .clang-format (fix with: scripts/check-format.sh --fix).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files 'src/*.cpp' 'src/*.hpp' 'bindings/*.cpp' 'bindings/*.hpp' 'tests/cpp/*.cpp' 'tests/cpp/*.hpp' \
                                  'tests/fuzz/*.cpp' 'bench/*.cpp' 'bench/**/*.cpp' | grep -v 'unicode_tables.cpp')
if [ "${1:-}" = "--fix" ]; then clang-format -i "${files[@]}"; exit 0; fi
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/clang-format.log; then
  grep -E -m 20 'error|warning' /tmp/clang-format.log >&2 || true
  echo "format: these files differ from .clang-format; run scripts/check-format.sh --fix" >&2
  exit 1
fi
echo "format: ${#files[@]} C++ files match .clang-format"
