#!/usr/bin/env bash
# Floods against a real hub, and what an honest office still gets:
#   1. anyone who reaches the port, no certificate: E2E_FLOOD_CONNECTIONS
#      (2,000 in CI; bench/flood_bench.sh runs 10,000) TCP connections that
#      never start TLS, reopened as the hub closes them, from another address
#      (127.0.0.2) and then from the office's own (127.0.0.1). Meanwhile an
#      honest client syncs every time, the hub's memory stays bounded and
#      goes back down after the flood, and its log gets summaries, not a
#      line per refused connection;
#   2. a node with a valid certificate announcing 16 MiB frames on 8
#      connections and sending 15 MiB of each: the hub holds what its
#      per-node budget allows, not 120 MiB, and others keep syncing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
PEER=$LIAISON_BIN/tests/liaison-hostile-peer
e2e_require_programs "$PEER"
CONNECTIONS=${E2E_FLOOD_CONNECTIONS:-2000}
MAX_RSS_MB=${E2E_FLOOD_MAX_RSS_MB:-200}
SETTLE_MB=${E2E_FLOOD_SETTLE_MB:-30}        # how close to its start the hub's memory comes back
MAX_PARTIAL_GROWTH_MB=${E2E_PARTIAL_MAX_GROWTH_MB:-80}  # 8 x 15 MiB unbounded would be 120
W=$LIAISON_WORK

pki_init city:hub longyou:office-1 kaihua:office-1 longyou:field-2
hub_start
client_init office longyou:office-1
client_init kaihua kaihua:office-1
run client office case new --kind outbound_trip --title "赴德国汉堡经贸考察"
run client office sync
[ "$RC" -eq 0 ] || e2e_abort "the office syncs before any flood: exit $RC, $ERR"
kb_of() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }
rss_before=$(kb_of "$HUB_PID" VmRSS)
log_before=$(wc -l <"$HUB_LOG")

# flood SOURCE SECONDS: floods from SOURCE in the background; FLOOD_PID.
flood() {
  "$PEER" --hub "127.0.0.1:$HUB_PORT" --ca "$W/ca/ca.pem" --cert "$(pki_cert longyou:office-1)" \
    --key "$(pki_key longyou:office-1)" flood "$CONNECTIONS" --source "$1" --seconds "$2" >"$W/flood-$1.out" 2>&1 &
  FLOOD_PID=$!
  LIAISON_PIDS+=("$FLOOD_PID")
}
# syncs_during NAME LABEL: three syncs of NAME with a new case each, all must
# succeed; prints their times.
syncs_during() {
  local name=$1 label=$2 i start times=""
  for i in 1 2 3; do
    client "$name" case new --kind outbound_trip --title "洪水期间的案件 $label $i" >/dev/null
    start=$(now_ms)
    run client "$name" --json sync --timeout-ms 20000
    times+="$(( $(now_ms) - start )) ms "
    check_eq "$label: honest sync $i succeeds" 0 "$RC${ERR:+: $ERR}"
  done
  echo "# $label: honest sync times $times"
}

for source in 127.0.0.2 127.0.0.1; do
  flood "$source" 15
  sleep 4  # the flood at full strength
  syncs_during office "flood from $source"
  peak=$(kb_of "$HUB_PID" VmHWM)
  wait "$FLOOD_PID" || true
  liaison_forget "$FLOOD_PID"
  echo "# flood from $source: $(tr '\n' ' ' <"$W/flood-$source.out")"
  opened=$(sed -n 's/^opened=//p' "$W/flood-$source.out")
  check_true "the flood from $source really opened more than $CONNECTIONS connections" "opened ${opened:-0}" \
    test "${opened:-0}" -gt "$CONNECTIONS"
  check_true "hub peak memory during the flood from $source stays under $MAX_RSS_MB MB" "VmHWM $peak kB" \
    test "$peak" -lt $((MAX_RSS_MB * 1024))
done
settled() { [ "$(kb_of "$HUB_PID" VmRSS)" -lt $((rss_before + SETTLE_MB * 1024)) ]; }
check_true "after the floods the hub gives its memory back (within $SETTLE_MB MB of $rss_before kB)" \
  "VmRSS $(kb_of "$HUB_PID" VmRSS) kB" wait_for 15 settled
echo "# hub VmRSS: $rss_before kB before, peak $(kb_of "$HUB_PID" VmHWM) kB, $(kb_of "$HUB_PID" VmRSS) kB after"
log_lines=$(( $(wc -l <"$HUB_LOG") - log_before ))
echo "# hub log lines during two floods of 15 s: $log_lines"
check_true "the hub's log gets summaries, not a line per refused connection" "$log_lines lines" test "$log_lines" -lt 300
check_contains "the summaries say how many were refused" "$(cat "$HUB_LOG")" "unauthenticated ones closed to make room"
run client kaihua sync
check_eq "after the floods another office syncs" 0 "$RC"

# ---- 2. a node holding partly sent 16 MiB frames ----
rss_before=$(kb_of "$HUB_PID" VmRSS)
"$PEER" --hub "127.0.0.1:$HUB_PORT" --ca "$W/ca/ca.pem" --cert "$(pki_cert longyou:field-2)" \
  --key "$(pki_key longyou:field-2)" --wait-ms 5000 partial 8 --bytes 15728640 >"$W/partial.out" 2>&1 &
partial_pid=$!
LIAISON_PIDS+=("$partial_pid")
wait_for 120 grep -q "^held=" "$W/partial.out" || fail "the peer opens its connections: $(cat "$W/partial.out")"
rss_held=$(kb_of "$HUB_PID" VmRSS)
echo "# partial frames: $(tr '\n' ' ' <"$W/partial.out"); hub VmRSS $rss_before kB before, $rss_held kB holding them"
check_true "8 connections with 15 MiB of a 16 MiB frame each grow the hub by less than $MAX_PARTIAL_GROWTH_MB MB" \
  "VmRSS $rss_before -> $rss_held kB" test "$((rss_held - rss_before))" -lt $((MAX_PARTIAL_GROWTH_MB * 1024))
run client kaihua sync
check_eq "another node syncs meanwhile" 0 "$RC"
kill -TERM "$partial_pid" 2>/dev/null || true
wait "$partial_pid" 2>/dev/null || true
liaison_forget "$partial_pid"

e2e_finish
