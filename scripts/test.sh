#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, runs every test
# (unit suites and 300 seeds of the deterministic simulation) through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
ctest --test-dir "${LIAISON_BUILD_DIR:-build}" --output-on-failure -j"$(nproc)"
