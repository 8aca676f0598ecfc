#!/usr/bin/env bash
# Runs a command with the project's WebAssembly toolchain: Emscripten 3.1.69 (clang 19, binaryen 120)
# from Debian stable, installed by scripts/setup.sh into a private root ($MHA_DEPS_DIR/emsdk-root) because
# its libc is newer than this system's. The command sees that root as / with the repository and the deps
# folder at their usual paths, so build trees and compile_commands.json stay valid outside.
#   scripts/em.sh emcmake cmake --preset wasm
#   scripts/em.sh cmake --build --preset wasm
# bubblewrap (unprivileged where the kernel allows user namespaces) gives that view; as root, where
# bubblewrap is missing or refused, chroot with bind mounts does the same.
# MHA_EMSDK=native skips the root and runs the command as is (emsdk users: `source emsdk_env.sh` first).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps_dir="${MHA_DEPS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mha-wasm}"
root="$deps_dir/emsdk-root"
if [ "${MHA_EMSDK:-}" = native ]; then exec "$@"; fi
[ -f "$root/.mha-complete" ] || { echo "em.sh: no toolchain root at $root; run scripts/setup.sh" >&2; exit 1; }
# What the command may need besides the root: the repo, the deps (xsimd, Catch2), the caller's folder.
binds=("$repo_root" "$deps_dir")
case "$PWD/" in "$repo_root"/*|"$deps_dir"/*) ;; *) binds+=("$PWD") ;; esac
env_vars=(HOME=/tmp PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
          "XSIMD_INCLUDE_DIR=${XSIMD_INCLUDE_DIR:-}" "CATCH2_AMALGAMATED_DIR=${CATCH2_AMALGAMATED_DIR:-}")
if command -v bwrap >/dev/null && bwrap --bind "$root" / --dev /dev true 2>/dev/null; then
  args=(--bind "$root" / --dev /dev --proc /proc --tmpfs /tmp)
  for dir in "${binds[@]}"; do args+=(--bind "$dir" "$dir"); done
  exec bwrap "${args[@]}" --chdir "$PWD" env -i "${env_vars[@]}" "$@"
fi
[ "$(id -u)" = 0 ] || { echo "em.sh: bubblewrap cannot create a sandbox here (user namespaces off?); run as root or with sudo" >&2; exit 1; }
# chroot fallback: bind mounts in a private mount namespace, gone when the command ends.
exec unshare --mount --propagation private bash -c '
  root="$1"; shift; n="$1"; shift
  for ((i = 0; i < n; i++)); do mkdir -p "$root$1"; mount --bind "$1" "$root$1"; shift; done
  mount -t proc proc "$root/proc" 2>/dev/null || true
  dir="$1"; shift
  exec chroot "$root" env -i "$@"' _ "$root" "${#binds[@]}" "${binds[@]}" "$PWD" \
  "${env_vars[@]}" bash -c 'cd "$0" && exec "$@"' "$PWD" "$@"
