#!/usr/bin/env bash
# Runs the libFuzzer targets in fuzz/ (see fuzz/README.md): installs clang and
# libFuzzer if missing, builds them into build-fuzz/ (or $LIAISON_FUZZ_BUILD_DIR),
# then fuzzes each target for a bounded time over a copy of its seed corpus
# and saved regressions, printing executions and exec/s per target. A crash,
# sanitizer report, leak or timeout fails the run with the input's path and
# the command that reproduces it.
#
#   scripts/fuzz.sh [--seconds N] [--merge-corpus] [target...]
#
# --seconds N      time per target (default 60)
# --merge-corpus   afterwards, minimize-merge the inputs that found new
#                  coverage into fuzz/corpus/<target>/ (otherwise the
#                  repository is never written to)
# targets: frames messages merge (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(frames messages merge)
seconds=60
merge_corpus=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds)
      [ $# -ge 2 ] && [[ "$2" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --seconds needs a positive whole number" >&2; exit 2; }
      seconds=$2
      shift 2
      ;;
    --merge-corpus) merge_corpus=1; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *)
      [[ " ${all_targets[*]} " == *" $1 "* ]] || { echo "fuzz.sh: unknown target '$1'; targets are: ${all_targets[*]}" >&2; exit 2; }
      targets+=("$1")
      shift
      ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

# Inputs longer than this are not tried: a few frames, or a message with
# some hundred cells, reach every path; longer ones only run slower.
max_len_of() {
  case "$1" in
    frames) echo 16384 ;;
    *) echo 4096 ;;
  esac
}

scripts/install-deps.sh clang libclang-rt-14-dev
build_dir=${LIAISON_FUZZ_BUILD_DIR:-build-fuzz}
if [ ! -f "$build_dir/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIAISON_FUZZ=ON >/dev/null
fi
cmake --build "$build_dir" -j"$(nproc)" --target "${targets[@]/#/liaison-fuzz-}"

work=$(mktemp -d /tmp/liaison-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT
artifacts="$build_dir/fuzz-artifacts"
logs="$build_dir/fuzz-logs"
mkdir -p "$artifacts" "$logs"

failed=()
for target in "${targets[@]}"; do
  program="$build_dir/fuzz/liaison-fuzz-$target"
  corpus="$work/$target"
  mkdir -p "$corpus" "$artifacts/$target"
  # libFuzzer writes what it finds into its first corpus folder: a copy.
  find "fuzz/corpus/$target" "fuzz/regressions/$target" -type f ! -name '.*' -exec cp {} "$corpus/" \;
  seeds=$(find "$corpus" -type f | wc -l)
  log="$logs/$target.log"
  status=0
  "$program" "$corpus" -max_total_time="$seconds" -max_len="$(max_len_of "$target")" -rss_limit_mb=2048 \
    -timeout=30 -print_final_stats=1 -artifact_prefix="$artifacts/$target/" >"$log" 2>&1 || status=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  found=$(find "$corpus" -type f | wc -l)
  if [ "$status" -eq 0 ]; then
    echo "fuzz $target: ${executions:-?} executions in ${seconds} s (${rate:-?} exec/s), corpus $seeds -> $found inputs, no findings"
  else
    failed+=("$target")
    finding=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "fuzz $target: FAILED after ${executions:-?} executions (exit $status)" >&2
    grep -E "fuzz invariant broken|ERROR: |SUMMARY: |runtime error" "$log" | head -n 5 | sed 's/^/  /' >&2 || true
    if [ -n "$finding" ]; then
      echo "  input:      $finding" >&2
      echo "  reproduce:  $program $finding" >&2
      echo "  keep it:    cp $finding fuzz/regressions/$target/<what-broke>  (replayed by ctest -R fuzz/)" >&2
    fi
    echo "  full log:   $log" >&2
  fi
  if [ "$merge_corpus" = 1 ]; then
    before=$(find "fuzz/corpus/$target" -type f | wc -l)
    "$program" -merge=1 -max_len="$(max_len_of "$target")" -rss_limit_mb=2048 "fuzz/corpus/$target" "$corpus" \
      >>"$log" 2>&1 || { echo "fuzz $target: merging into fuzz/corpus failed; see $log" >&2; failed+=("$target"); }
    echo "fuzz $target: fuzz/corpus/$target has $before -> $(find "fuzz/corpus/$target" -type f | wc -l) inputs"
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]}" >&2
  exit 1
fi
