#!/usr/bin/env bash
# Fails when a JavaScript file differs from Prettier's format (.prettierrc.json, print width 120, like
# .clang-format) or breaks an ESLint rule (eslint.config.js). Checks web/, bindings/js/, tests/, bench/ and
# scripts/*.mjs. Fix the format (and what ESLint can fix) with: scripts/lint.sh --fix
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files 'web/*.js' 'bindings/js/*.js' 'tests/*.js' 'tests/*.mjs' 'tests/*.cjs' \
                                  'bench/*.js' 'bench/*.mjs' 'scripts/*.mjs' eslint.config.js)
bin=node_modules/.bin
if ! [ -x "$bin/prettier" ] || ! [ -x "$bin/eslint" ]; then
  echo "lint: Prettier and ESLint are devDependencies: run npm install (or scripts/setup.sh)" >&2
  exit 1
fi
if [ "${1:-}" = "--fix" ]; then
  "$bin/prettier" --log-level warn --write "${files[@]}"
  "$bin/eslint" --fix "${files[@]}"
  exit 0
fi
if ! "$bin/prettier" --log-level warn --check "${files[@]}"; then
  echo "format: these files differ from .prettierrc.json; run scripts/lint.sh --fix" >&2
  exit 1
fi
"$bin/eslint" --max-warnings 0 "${files[@]}"
echo "lint: ${#files[@]} JavaScript files match .prettierrc.json and pass eslint.config.js"
