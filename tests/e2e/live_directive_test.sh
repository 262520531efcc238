#!/usr/bin/env bash
# A directive issued at the hub reaches a connected `sync --watch` client
# within one second: measured from just before `liaison-hub directive issue`
# until it is listed by `liaison-client directive list --json` (polled every
# 50 ms). The client then marks it received and pushes the receipt, so the
# hub's receipt matrix shows that county as received, and a county that is
# not connected as not received.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
e2e_require_programs

LIMIT_MS=1000

pki_init city:hub longyou:office-1 kaihua:office-1
hub_start
client_init longyou longyou:office-1
client_init kaihua kaihua:office-1
run client kaihua --json sync  # known to the hub, then offline
[ "$RC" -eq 0 ] || e2e_abort "kaihua syncs once: exit $RC, $ERR"

client_watch longyou
watch_pid=$WATCH_PID
watch_log=$LIAISON_WORK/longyou.watch.log
if wait_for 10 grep -q "in step with the hub" "$watch_log"; then
  ok "sync --watch connects and catches up"
else
  e2e_abort "sync --watch connects: its log says: $(cat "$watch_log")"
fi

# client_lists NAME ID: ID is in NAME's directive list.
client_lists() {
  local list
  list=$(client "$1" --json directive list 2>/dev/null) || return 1
  [[ "$list" == *"\"id\":\"$2\""* ]]
}
# hub_receipt ID COUNTY: the hub's receipt matrix entry of COUNTY for ID.
hub_receipt() {
  hub --json directive list | json_objects_with_id "$1" | grep -o "\"$2\":{[^}]*}" || true
}
json_objects_with_id() {  # directive objects nest their receipts: split on the id key
  sed 's/{"id":"/\n{"id":"/g' | grep "^{\"id\":\"$1\"" || true
}
received_at_hub() {
  local entry
  entry=$(hub_receipt "$1" "$2")
  [ -n "$entry" ] && [ "$(json_num "$entry" received_at)" != "null" ] && [ -n "$(json_num "$entry" received_at)" ]
}

n=0
for kind in notice task notice; do
  n=$((n + 1))
  extra=()
  [ "$kind" = task ] && extra=(--due 2026-12-20)
  start=$(now_ms)
  run hub --json directive issue --to longyou,kaihua --kind "$kind" --title "关于做好第${n}批外事接待工作的通知" \
    --body "请各县（市、区）外办按要求报送。" "${extra[@]}"
  if [ "$RC" -ne 0 ]; then
    fail "directive $n: the hub issues it: exit $RC, $ERR"
    continue
  fi
  id=$(json_str "$OUT" id)
  seen=""
  deadline=$((start + 5000))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if client_lists longyou "$id"; then
      seen=$(now_ms)
      break
    fi
    sleep 0.05
  done
  if [ -z "$seen" ]; then
    fail "directive $n ($kind) reaches the watching client: not listed after 5000 ms; watch log: $(cat "$watch_log")"
    continue
  fi
  elapsed=$((seen - start))
  if [ "$elapsed" -lt "$LIMIT_MS" ]; then
    ok "directive $n ($kind) reached the watching client in ${elapsed} ms (< ${LIMIT_MS} ms)"
  else
    fail "directive $n ($kind) reaches the watching client within ${LIMIT_MS} ms: took ${elapsed} ms"
  fi
  run client longyou --json directive show "$id"
  check_eq "directive $n: client has the title intact" "关于做好第${n}批外事接待工作的通知" "$(json_str "$OUT" title)"
  if wait_for 5 received_at_hub "$id" longyou; then
    ok "directive $n: the hub's receipt matrix shows longyou as received"
  else
    fail "directive $n: hub receipt matrix shows longyou received within 5 s: saw '$(hub_receipt "$id" longyou)'"
  fi
  entry=$(hub_receipt "$id" kaihua)
  if [ -n "$entry" ] && [ "$(json_num "$entry" received_at)" = "null" ]; then
    ok "directive $n: the hub's receipt matrix shows kaihua (not connected) as not received"
  else
    fail "directive $n: kaihua not received in the hub's matrix: expected received_at null, saw '$entry'"
  fi
  run client longyou --json directive list
  entry=$(printf '%s' "$OUT" | json_objects_with_id "$id")
  received=$(json_num "$entry" received_at)
  if [ -n "$received" ] && [ "$received" != "null" ]; then
    ok "directive $n: the client's own list shows it received"
  else
    fail "directive $n: the client marks it received: saw '$entry'"
  fi
done

# The watcher is still connected (no reconnects were needed).
check_true "the watching client never had to reconnect" "watch log: $(cat "$watch_log")" \
  bash -c "! grep -q reconnecting '$watch_log'"
if kill -0 "$watch_pid" 2>/dev/null; then ok "sync --watch still running"; else
  fail "sync --watch still running: it exited; its log: $(cat "$watch_log")"; fi

e2e_finish
