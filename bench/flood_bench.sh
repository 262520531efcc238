#!/usr/bin/env bash
# Flood benchmark: what an honest office gets from a hub that anyone who can
# reach its port floods with silent TCP connections (no certificate needed).
# Runs the real liaison-hub and liaison-client on loopback; the flood comes
# from liaison-hostile-peer (tests/tools), from 127.0.0.2, each connection
# reopened as soon as the hub closes it.
#
#   bench/flood_bench.sh [CONNECTIONS (default 10000)] [SECONDS (default 30)]
#
# Prints, as key=value lines: honest sync times (median of 5) without and
# during the flood and their ratio, the hub's resident memory before, at
# peak and after the flood, and the flood's connection rate. Needs a build in
# build/ (scripts/build.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
LIAISON_BIN=${LIAISON_BIN:-$here/../build}
export LIAISON_BIN
LIAISON_WORK=$(mktemp -d)
export LIAISON_WORK
# shellcheck source=scripts/lib/liaison-env.sh
source "$here/../scripts/lib/liaison-env.sh"
trap 'liaison_cleanup; rm -rf "$LIAISON_WORK"' EXIT
CONNECTIONS=${1:-10000}
SECONDS_OF_FLOOD=${2:-30}
PEER=$LIAISON_BIN/tests/liaison-hostile-peer
W=$LIAISON_WORK
ulimit -n "$(ulimit -Hn)"

pki_init city:hub longyou:office-1 >/dev/null
hub_start
client_init office longyou:office-1
"$CLIENT_BIN" --data "$W/office" sync >/dev/null
kb_of() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# median_sync LABEL: five syncs, each with one new case; prints the median ms.
median_sync() {
  local i start times=()
  for i in 1 2 3 4 5; do
    "$CLIENT_BIN" --data "$W/office" case new --kind outbound_trip --title "基准案件 $1 $i" >/dev/null
    start=$(now_ms)
    "$CLIENT_BIN" --data "$W/office" sync --timeout-ms 30000 >/dev/null 2>&1 || { echo "sync_failed_$1=$i" >&2; }
    times+=($(( $(now_ms) - start )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
}

baseline=$(median_sync baseline)
rss_before=$(kb_of "$HUB_PID" VmRSS)
"$PEER" --hub "127.0.0.1:$HUB_PORT" --ca "$W/ca/ca.pem" --cert "$(pki_cert longyou:office-1)" \
  --key "$(pki_key longyou:office-1)" flood "$CONNECTIONS" --source 127.0.0.2 --seconds "$SECONDS_OF_FLOOD" \
  >"$W/flood.out" 2>&1 &
flood_pid=$!
LIAISON_PIDS+=("$flood_pid")
sleep 5  # the flood at full strength
during=$(median_sync flood)
wait "$flood_pid" || true
liaison_forget "$flood_pid"
peak=$(kb_of "$HUB_PID" VmHWM)
sleep 3  # the hub's ticker gives memory back once the flood is over
rss_after=$(kb_of "$HUB_PID" VmRSS)
opened=$(sed -n 's/^opened=//p' "$W/flood.out")

echo "flood_connections=$CONNECTIONS"
echo "flood_seconds=$SECONDS_OF_FLOOD"
echo "flood_connects_per_second=$(( ${opened:-0} / SECONDS_OF_FLOOD ))"
echo "honest_sync_ms_baseline=$baseline"
echo "honest_sync_ms_during_flood=$during"
echo "honest_sync_ratio=$(awk -v a="$during" -v b="$baseline" 'BEGIN { printf "%.2f", a / b }')"
echo "hub_rss_kb_before=$rss_before"
echo "hub_peak_kb=$peak"
echo "hub_rss_kb_after=$rss_after"
echo "hub_log_lines=$(wc -l <"$HUB_LOG")"
