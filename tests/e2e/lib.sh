# shellcheck shell=bash
# Shared set-up and helpers of the end-to-end tests (tests/e2e/*_test.sh).
# Sourcing it gives the test a scratch LIAISON_WORK, the harness of
# scripts/lib/liaison-env.sh (which starts and stops the real hub and
# clients), and clean-up of both on exit (KEEP_WORK=1 keeps the scratch
# folder, replicas and logs, to look into a failure). Needs bash,
# coreutils, grep, sed (and openssl for certificates); no jq, no python:
# JSON output is taken apart with grep/sed, which works because the
# programs print one compact JSON document per line.

LIAISON_WORK=$(mktemp -d)
export LIAISON_WORK
# shellcheck source=scripts/lib/liaison-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/liaison-env.sh"
trap 'liaison_cleanup; [ -n "${KEEP_WORK:-}" ] || rm -rf "$LIAISON_WORK"' EXIT
unset LIAISON_DATA

E2E_PASSED=0
E2E_FAILED=0

# ---- reporting: one line per check ----
ok() {
  E2E_PASSED=$((E2E_PASSED + 1))
  echo "ok - $*"
}
fail() {
  E2E_FAILED=$((E2E_FAILED + 1))
  echo "FAIL - $*"
}

# check_eq NAME EXPECTED SEEN
check_eq() {
  if [ "$2" == "$3" ]; then ok "$1"; else fail "$1: expected '$2', saw '$3'"; fi
}
# check_true NAME WHAT-WAS-SEEN CMD...: passes when CMD succeeds.
check_true() {
  local name=$1 seen=$2
  shift 2
  if "$@"; then ok "$name"; else fail "$name: $seen"; fi
}
# check_contains NAME TEXT NEEDLE
check_contains() {
  if [[ "$2" == *"$3"* ]]; then ok "$1"; else fail "$1: expected to contain '$3', saw '$2'"; fi
}
# check_lacks NAME TEXT NEEDLE
check_lacks() {
  if [[ "$2" != *"$3"* ]]; then ok "$1"; else fail "$1: expected not to contain '$3', saw '$2'"; fi
}

# Prints the summary line and gives the script's exit status.
e2e_finish() {
  echo "$E2E_PASSED passed, $E2E_FAILED failed"
  [ "$E2E_FAILED" -eq 0 ]
}

# Stops the script early (a step the rest depends on failed).
e2e_abort() {
  fail "$*"
  echo "aborting: later checks depend on this one"
  e2e_finish || true
  exit 1
}

# ---- running things ----
# A day relative to now ("+3 days", "-25 days") as the programs count days:
# in China (UTC+8), whatever this machine's time zone. Between 16:00 and
# midnight UTC the two calendars differ by a day.
day() { TZ=UTC-8 date -d "$1" +%F; }

now_ms() {
  local t=${EPOCHREALTIME/./}
  echo $((t / 1000))
}

# run CMD...: runs CMD without tripping `set -e`; sets OUT, ERR and RC.
# shellcheck disable=SC2034  # OUT, ERR and RC are for the caller
run() {
  local errfile=$LIAISON_WORK/.run.stderr
  OUT=$("$@" 2>"$errfile") && RC=0 || RC=$?
  ERR=$(cat "$errfile")
}

# wait_for TIMEOUT_S CMD...: runs CMD every 50 ms until it succeeds (0) or
# TIMEOUT_S seconds have passed (1). Never a fixed sleep standing in for a
# condition.
wait_for() {
  local timeout_ms=$(($1 * 1000))
  shift
  local deadline=$(($(now_ms) + timeout_ms))
  while :; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    [ "$(now_ms)" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

# Fails the script unless the programs are built.
e2e_require_programs() {
  local program
  for program in "$HUB_BIN" "$CLIENT_BIN" "$@"; do
    if [ ! -x "$program" ]; then
      echo "FAIL - $program is not built (cmake --build build); LIAISON_BIN=$LIAISON_BIN"
      echo "0 passed, 1 failed"
      exit 1
    fi
  done
}

# ---- JSON, the compact one-line kind the programs print ----
# json_str JSON KEY: the first string value of KEY ("" if absent or null).
json_str() {
  printf '%s' "$1" | grep -o "\"$2\":\"\([^\"\\\\]\|\\\\.\)*\"" | head -n1 | sed "s/^\"$2\":\"//; s/\"\$//" || true
}
# json_num JSON KEY: the first number (or null/true/false) value of KEY.
json_num() {
  printf '%s' "$1" | grep -o "\"$2\":[-0-9.a-z]*" | head -n1 | sed "s/^\"$2\"://" || true
}
# json_ids JSON: every "id" value, sorted, one per line.
json_ids() {
  printf '%s' "$1" | grep -o '"id":"[0-9a-f-]*"' | sed 's/^"id":"//; s/"$//' | sort || true
}
# json_count JSON KEY: how many times KEY occurs as a key.
json_count() {
  printf '%s' "$1" | grep -o "\"$2\":" | wc -l | tr -d ' '
}
# json_objects JSON: the objects of a flat array, one per line (no nesting).
json_objects() {
  printf '%s' "$1" | sed 's/^\[//; s/\]$//; s/},{/}\n{/g'
  echo
}
# The lines of `json_objects JSON` that contain every one of the NEEDLEs.
json_objects_with() {
  local json=$1 line needle keep
  shift
  while IFS= read -r line; do
    keep=1
    for needle in "$@"; do [[ "$line" == *"$needle"* ]] || keep=0; done
    [ "$keep" -eq 0 ] || printf '%s\n' "$line"
  done < <(json_objects "$json")
}
