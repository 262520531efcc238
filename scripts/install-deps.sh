#!/usr/bin/env bash
# Installs the Debian 12 packages Liaison builds and tests with, if any is
# missing, plus any packages named as arguments (scripts/fuzz.sh asks for
# clang and libFuzzer this way). Safe to run again; needs root (or sudo) only
# when installing.
set -euo pipefail

packages=(build-essential cmake ninja-build ccache pkg-config
          libboost-dev libsqlite3-dev libssl-dev openssl libmsgpack-cxx-dev libcereal-dev doctest-dev libzstd-dev
          nlohmann-json3-dev libsodium-dev  # libsodium: the hub history's hash chain (BLAKE2b)
          libxlsxwriter-dev  # the hub's report as an Excel workbook
          python3-openpyxl  # tests/e2e/report_test.sh reads the workbook back
          clang-format  # tests/style/check_format.sh
          sqlite3  # the sqlite3 shell: PRAGMA integrity_check in tests/e2e/crash_loop_test.sh
          man-db   # man -l: tests/client/client_cli_test.sh reads the generated manual pages
          "$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
