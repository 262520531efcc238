#!/usr/bin/env bash
# Configures and builds Liaison into build/ (or $LIAISON_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build_dir=${LIAISON_BUILD_DIR:-build}
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
# LIAISON_SANITIZE=1: AddressSanitizer + UndefinedBehaviorSanitizer build.
[ "${LIAISON_SANITIZE:-0}" = 1 ] && flags=(-DCMAKE_BUILD_TYPE=Debug -DLIAISON_SANITIZE=ON)
[ -f "$build_dir/build.ninja" ] || cmake -S . -B "$build_dir" -G Ninja "${flags[@]}" "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
