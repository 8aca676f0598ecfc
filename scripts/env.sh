# Sourced by the other scripts: finds the dependencies that scripts/setup.sh prepared.
deps_dir="${MHA_DEPS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mha-wasm}"
if [ -f "$deps_dir/env.sh" ]; then
  # shellcheck source=/dev/null
  source "$deps_dir/env.sh"
fi
