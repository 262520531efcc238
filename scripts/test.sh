#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, runs every test
# through CTest: unit suites, 300 seeds of the deterministic simulation, the
# certificate script, the client's commands, and end-to-end runs of real
# hub and client processes. `--sanitize` runs it all again in an
# AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/), then
# fuzzes each libFuzzer target for a bounded time (scripts/fuzz.sh, clang
# build in build-fuzz/; LIAISON_FUZZ_SECONDS per target, default 45).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
ctest --test-dir "${LIAISON_BUILD_DIR:-build}" --output-on-failure -j"$(nproc)"
if [ "${1:-}" = "--sanitize" ]; then
  LIAISON_SANITIZE=1 LIAISON_BUILD_DIR=build-asan scripts/build.sh
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$(nproc)"
  scripts/fuzz.sh --seconds "${LIAISON_FUZZ_SECONDS:-45}"
fi
