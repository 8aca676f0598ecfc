#!/usr/bin/env bash
# Sets up what is missing, builds the wasm package and serves the demo page on localhost.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/build.sh package
exec node scripts/serve.mjs "$@"
