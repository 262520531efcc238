#!/usr/bin/env bash
# A Longyou office syncs with a real hub through liaison-fault-proxy, which
# breaks the link in the middle of a push: cut after N bytes (FIN), a frame
# truncated in the middle, a silent black hole, a reset (RST), the hub's
# acknowledgements cut off on the way back; and a slow
# link (64 kbit/s, 300 ms each way). Each round the office opens CASES cases
# (liaison-e2e-bulk-cases) and pushes them in small batches (--batch-cells),
# so a push spans several batches. While the fault is on, `sync` fails with
# a message that says what happened; once it clears, the next `sync`
# completes and resumes from the last acknowledged batch: it pushes exactly
# the cells still pending, and at most one batch is sent twice. The black
# hole is noticed within the client's --timeout-ms. Over the slow link the
# sync completes, taking at least what the rate and round trips demand, even
# when one batch takes longer than --timeout-ms to upload. A `sync --watch`
# reset mid-push reconnects by itself; an idle one behind a black hole
# notices it by its heartbeat within --timeout-ms and reconnects once the
# link is back. A city desk whose pull is cut in the middle pulls exactly the
# rest afterwards. At the end the hub, the office and the desks hold the
# same cases, each round's cases have the same content as the fault-free
# first round's, nothing was logged as a conflict or refused, and the hub
# holds no connection the client gave up on.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
BULK=$LIAISON_BIN/tests/liaison-e2e-bulk-cases
PROXY=$LIAISON_BIN/tests/liaison-fault-proxy
e2e_require_programs "$BULK" "$PROXY"

CASES=${E2E_FAULT_CASES:-300}  # per round, ~8 cells each
BATCH=200                      # cells per push batch: a round's push is ~12 batches
TIMEOUT_MS=3000                # the client's --timeout-ms in the black-hole round
SLOW_CASES=${E2E_FAULT_SLOW_CASES:-15}  # the slow round: ~120 cells
SLOW_BATCH=40
LONG_BATCH_CASES=100  # one batch of ~800 cells, ~35 KB uncompressed: ~4.5 s at 64 kbit/s
W=$LIAISON_WORK

pki_init city:hub longyou:office-1 city:desk-1 city:desk-2
hub_start
client_init desk city:desk-1  # straight to the hub

# ---- the proxy in front of the hub ----
"$PROXY" --listen 127.0.0.1:0 --to "127.0.0.1:$HUB_PORT" --control 127.0.0.1:0 >"$W/proxy.out" 2>"$W/proxy.log" &
PROXY_PID=$!
LIAISON_PIDS+=("$PROXY_PID")
wait_for 20 grep -q '^control ' "$W/proxy.out" || e2e_abort "the proxy starts: $(cat "$W/proxy.out" "$W/proxy.log")"
PROXY_PORT=$(sed -n 's/^port //p' "$W/proxy.out")
PROXY_CONTROL=$(sed -n 's/^control //p' "$W/proxy.out")
"$CLIENT_BIN" init --data "$W/office" --hub "127.0.0.1:$PROXY_PORT" --ca "$W/ca/ca.pem" \
  --cert "$(pki_cert longyou:office-1)" --key "$(pki_key longyou:office-1)" >/dev/null

# proxy COMMAND...: one control command; prints the answer (all its lines
# for `stats`). Fails on an "error" answer.
proxy() {
  local fd line answer=""
  exec {fd}<>"/dev/tcp/127.0.0.1/$PROXY_CONTROL"
  printf '%s\n' "$*" >&"$fd"
  while IFS= read -r -t 20 line <&"$fd"; do
    answer+="$line"$'\n'
    [ "$1" = stats ] && [ "$line" != end ] || break
  done
  exec {fd}>&-
  printf '%s' "$answer"
  [[ "$answer" == ok* || "$answer" == bytes* ]]
}
proxy_set() {  # COMMAND...: switches a fault, or stops the script
  local answer
  answer=$(proxy "$@") || e2e_abort "the proxy takes '$*': $answer"
}
proxy_total() {  # up|down: bytes passed so far in that direction
  proxy stats | sed -n "s/^bytes up \([0-9]*\) down \([0-9]*\).*/$([ "$1" = up ] && echo '\1' || echo '\2')/p"
}
pending() {
  run client office --json status
  json_num "$OUT" pending_changes
}
# The round's cases as the hub or a client lists them, one per line (the
# round's ids are in $W/ids.$ROUND). The hub lists every field, a client
# a summary ending at updated_at and its ref (and number, null for these
# drafts): as_summary makes the hub's lines a client's. content_of leaves out ids, times and the round's name: what
# must equal the fault-free round's.
cases_of() {  # PROGRAM [ARGS...]
  local listing
  listing=$("$@" --json case list)
  json_objects "$listing" | grep -F -f "$W/ids.$ROUND" | sed 's/,"number":null//' | sort
}
as_summary() { sed -E 's/("updated_at":[0-9]*).*(,"ref":"[^"]*").*/\1\2}/' "$@"; }
content_of() {  # ROUND FILE
  sed -e 's/"id":"[0-9a-f-]*"//g; s/"ref":"[^"]*"//g; s/"[a-z_]*_at":[0-9]*//g' -e "s/\"title\":\"$1 /\"title\":\"ROUND /" "$2" | sort
}

# open_round NAME COUNT: opens the round's cases on the office; sets TOTAL
# (cells pending).
open_round() {
  ROUND=$1
  run "$BULK" "$W/office/replica.db" longyou:office-1 "$2" "$ROUND"
  [ "$RC" -eq 0 ] || e2e_abort "$ROUND: liaison-e2e-bulk-cases creates $2 cases: exit $RC, $ERR"
  printf '%s\n' "$OUT" >"$W/ids.$ROUND"
  TOTAL=$(pending)
  CELLS_PER_CASE=$((TOTAL / $2))
  [ -n "$TOTAL" ] && [ "$TOTAL" -gt 0 ] || e2e_abort "$ROUND: status shows the new cases pending: $(client office --json status 2>&1)"
}

# The sync that meets the fault: must fail, with a message; sets
# FAILED_PUSHED (cells it sent) and PENDING (cells left unacknowledged).
sync_meets_fault() {  # WHAT-THE-MESSAGE-SAYS [sync options]
  local expect=$1
  shift
  SYNC_START=$(now_ms)
  run client office --json sync --batch-cells "$BATCH" "$@"
  SYNC_END=$(now_ms)
  if [ "$RC" -eq 75 ]; then
    ok "$ROUND: the sync fails while the fault is on, as one to try again later (exit 75)"
  else
    fail "$ROUND: the sync fails while the fault is on: expected exit 75 (try again later), saw $RC ($OUT)"
  fi
  check_contains "$ROUND: the message says what happened" "$ERR" "$expect"
  check_contains "$ROUND: the message says the changes stay queued" "$ERR" "run 'liaison-client sync' again"
  FAILED_PUSHED=$(json_num "$OUT" pushed)
  PENDING=$(pending)
  if [ -n "$PENDING" ] && [ "$PENDING" -gt 0 ] && [ "$PENDING" -lt "$TOTAL" ]; then
    ok "$ROUND: the fault struck mid-push, after acknowledged batches ($PENDING of $TOTAL cells pending)"
  else
    fail "$ROUND: the fault struck mid-push: expected 0 < pending < $TOTAL, saw '$PENDING' (sync: $OUT $ERR)"
  fi
}

# The sync after the fault cleared: completes, resumes from the last
# acknowledged batch, and the round's cases are at the hub as at the office.
sync_after_fault() {
  proxy_set pass
  run client office --json sync --batch-cells "$BATCH"
  check_eq "$ROUND: the sync after the fault completes (exit status)" 0 "$RC"
  local pushed resent
  pushed=$(json_num "$OUT" pushed)
  check_eq "$ROUND: it pushes exactly the cells left unacknowledged" "$PENDING" "$pushed"
  resent=$((FAILED_PUSHED + pushed - TOTAL))
  # A batch ends at a row's end: it may pass BATCH by a row's cells less one.
  if [ "$resent" -ge 0 ] && [ "$resent" -le $((BATCH + CELLS_PER_CASE - 1)) ]; then
    ok "$ROUND: at most one batch is sent twice ($FAILED_PUSHED + $pushed cells sent for $TOTAL: $resent again)"
  else
    fail "$ROUND: at most one batch ($BATCH cells) is sent twice: $FAILED_PUSHED cells in the failed sync, $pushed after, $TOTAL in all"
  fi
  check_eq "$ROUND: no rejections" 0 "$(json_num "$OUT" rejections)"
  round_matches
}

round_matches() {
  cases_of hub >"$W/hub.$ROUND"
  cases_of client office >"$W/office.$ROUND"
  check_eq "$ROUND: the hub has each of the round's $(wc -l <"$W/ids.$ROUND") cases once" \
    "$(wc -l <"$W/ids.$ROUND")" "$(wc -l <"$W/hub.$ROUND")"
  check_true "$ROUND: the hub lists the round's cases exactly as the office does" \
    "$(diff "$W/office.$ROUND" <(as_summary "$W/hub.$ROUND") | head -4)" \
    cmp -s "$W/office.$ROUND" <(as_summary "$W/hub.$ROUND")
  local id
  for id in $(head -n1 "$W/ids.$ROUND") $(tail -n1 "$W/ids.$ROUND"); do
    check_eq "$ROUND: the hub shows case $id field for field as the office does" \
      "$(client office --json case show "$id" 2>&1)" "$(hub --json case show "$id" 2>&1)"
  done
  if [ "$ROUND" != reference ] && [ "$(wc -l <"$W/ids.$ROUND")" -eq "$(wc -l <"$W/ids.reference")" ]; then
    check_true "$ROUND: the content equals the fault-free round's" \
      "$(diff <(content_of reference "$W/hub.reference") <(content_of "$ROUND" "$W/hub.$ROUND") | head -4)" \
      cmp -s <(content_of reference "$W/hub.reference") <(content_of "$ROUND" "$W/hub.$ROUND")
  fi
}

# ---- reference: the same kind of push with no fault ----
open_round reference "$CASES"
up_before=$(proxy_total up)
down_before=$(proxy_total down)
run client office --json sync --batch-cells "$BATCH"
[ "$RC" -eq 0 ] || e2e_abort "reference: the fault-free sync through the proxy completes: exit $RC, $ERR"
check_eq "reference: it pushes every pending cell" "$TOTAL" "$(json_num "$OUT" pushed)"
PUSH_BYTES=$(($(proxy_total up) - up_before))
ACK_BYTES=$(($(proxy_total down) - down_before))
echo "# reference push: $TOTAL cells, $PUSH_BYTES bytes up, $ACK_BYTES down"
PENDING=$TOTAL
round_matches
MID=$((PUSH_BYTES / 2))  # a fault after this many bytes up strikes mid-push

# ---- (a) cut: FIN after MID bytes up ----
open_round cut "$CASES"
proxy_set cut "$MID" up
sync_meets_fault "the hub closed the connection"
sync_after_fault

# ---- (a2) cut on the way back: acknowledgements lost after the hub merged ----
# What comes down during a push: the handshake, welcome and final pull (as
# in a sync with nothing to push), then one acknowledgement per batch.
down_before=$(proxy_total down)
run client office --json sync --batch-cells "$BATCH"
[ "$RC" -eq 0 ] || e2e_abort "a sync with nothing to push: exit $RC, $ERR"
IDLE_DOWN=$(($(proxy_total down) - down_before))
per_ack=$(((ACK_BYTES - IDLE_DOWN) / ((TOTAL + BATCH - 1) / BATCH)))
open_round ack-lost "$CASES"
proxy_set cut "$((IDLE_DOWN + per_ack * (TOTAL / BATCH / 2)))" down
sync_meets_fault "the hub closed the connection"
sync_after_fault

# ---- (b) a frame cut in the middle, then FIN ----
open_round truncate "$CASES"
proxy_set truncate "$MID" up
sync_meets_fault "the hub closed the connection"
check_contains "truncate: the proxy cut a chunk in two" "$(cat "$W/proxy.log")" "truncated after"
sync_after_fault

# ---- (c) a silent black hole after MID bytes up ----
open_round blackhole "$CASES"
proxy_set blackhole "$MID" up
sync_meets_fault "hub" --timeout-ms "$TIMEOUT_MS"
check_true "blackhole: the message says the hub went quiet" "$ERR" grep -Eq "hub silent for|no answer from the hub" <<<"$ERR"
hole_at=$(sed -n 's/.*\[\([0-9]*\)\] connection [0-9]*: blackhole on after.*/\1/p' "$W/proxy.log" | tail -n1)
if [ -z "$hole_at" ]; then
  fail "blackhole: the proxy logged when the black hole started"
else
  noticed=$((SYNC_END - hole_at))
  # The client checks its timers twice a second; process exit adds a little.
  if [ "$noticed" -ge $((TIMEOUT_MS - 100)) ] && [ "$noticed" -le $((TIMEOUT_MS + 4000)) ]; then
    ok "blackhole: the client gave up ${noticed} ms after the link went silent (--timeout-ms $TIMEOUT_MS)"
  else
    fail "blackhole: the client gives up within --timeout-ms $TIMEOUT_MS (+4 s): it took $noticed ms"
  fi
fi
sync_after_fault

# ---- (d) reset: RST after MID bytes up ----
open_round reset "$CASES"
proxy_set reset "$MID" up
sync_meets_fault "hub"
check_true "reset: the message names a reset or closed connection" "$ERR" \
  grep -Eiq "reset|closed the connection" <<<"$ERR"
sync_after_fault

# ---- (e) slow link: 64 kbit/s and 300 ms each way ----
open_round slow "$SLOW_CASES"
proxy_set throttle 64 300
start=$(now_ms)
run client office --json sync --batch-cells "$SLOW_BATCH"
took=$(($(now_ms) - start))
check_eq "slow: the sync over 64 kbit/s and 300 ms completes (exit status)" 0 "$RC"
check_eq "slow: it pushes every pending cell" "$TOTAL" "$(json_num "$OUT" pushed)"
sent=$(json_num "$OUT" bytes_sent)
received=$(json_num "$OUT" bytes_received)
# At least: the bytes at 64 kbit/s one way, and the round trips (TLS
# handshake, hello, each push batch, the pull) at 600 ms each.
max_batch=$((SLOW_BATCH + CELLS_PER_CASE - 1))  # a batch ends at a row's end
batches=$(((TOTAL + max_batch - 1) / max_batch))
floor=$(((sent > received ? sent : received) * 8 / 64 + (3 + batches) * 600))
if [ "$took" -ge "$floor" ] && [ "$took" -le 60000 ]; then
  ok "slow: it took $took ms, as a 64 kbit/s 300 ms link must (at least $floor ms for $sent bytes up, $received down)"
else
  fail "slow: the sync takes at least $floor ms (and under 60 s) over the slow link: $took ms"
fi
proxy_set pass
PENDING=$TOTAL
round_matches

# ---- (e2) slow link, a batch that takes longer to leave than --timeout-ms ----
# The link works, only slowly: bytes leaving are progress, not silence. (A
# client that timed each request from the moment it queued it gave up
# here, and re-sent the same batch at every attempt.)
open_round long-batch "$LONG_BATCH_CASES"
proxy_set throttle 64 100
start=$(now_ms)
# Uncompressed, so that the one batch is large enough to outlast the timeout.
run client office --json sync --batch-cells "$((LONG_BATCH_CASES * 8))" --timeout-ms 3000 --no-compress
took=$(($(now_ms) - start))
if [ "$RC" -eq 0 ]; then
  ok "long-batch: a sync whose one batch takes longer than --timeout-ms to upload completes"
else
  fail "long-batch: a sync whose one batch takes longer than --timeout-ms to upload completes: exit $RC, $ERR"
fi
sent=$(json_num "$OUT" bytes_sent)
if [ -n "$sent" ] && [ "$((sent * 8 / 64))" -gt 3000 ]; then
  ok "long-batch: the batch ($sent bytes) took longer than the timeout to upload at 64 kbit/s (sync: $took ms)"
else
  fail "long-batch: the batch takes longer than 3 s to upload at 64 kbit/s: $sent bytes (raise LONG_BATCH_CASES)"
fi
proxy_set pass
PENDING=$TOTAL
round_matches

# ---- (f) sync --watch, reset mid-push, reconnects by itself ----
open_round watch "$CASES"
proxy_set reset "$MID" up
"$CLIENT_BIN" --data "$W/office" sync --watch --batch-cells "$BATCH" >/dev/null 2>"$W/watch.log" &
WATCH_PID=$!
LIAISON_PIDS+=("$WATCH_PID")
watch_done() { [ "$(pending)" = 0 ] && grep -q "in step with the hub" "$W/watch.log"; }
if wait_for 60 watch_done; then
  ok "watch: the watching client pushed everything despite the reset"
else
  fail "watch: the watching client pushes everything despite the reset: pending $(pending); log: $(cat "$W/watch.log")"
fi
check_contains "watch: the reset was met" "$(cat "$W/proxy.log")" "reset after"
check_contains "watch: the client reconnected by itself" "$(cat "$W/watch.log")" "reconnecting in"
kill "$WATCH_PID" 2>/dev/null || true
wait "$WATCH_PID" 2>/dev/null || true
liaison_forget "$WATCH_PID"
PENDING=0
round_matches

# ---- (g) a watching client, in step and idle, behind a silent black hole ----
# Nothing is being sent: only the heartbeat can notice. The client must
# give up within --timeout-ms, and reconnect by itself once the link is back.
ROUND=live-blackhole
: >"$W/ids.$ROUND"
"$CLIENT_BIN" --data "$W/office" sync --watch --timeout-ms "$TIMEOUT_MS" >/dev/null 2>"$W/watch2.log" &
WATCH_PID=$!
LIAISON_PIDS+=("$WATCH_PID")
wait_for 30 grep -q "in step with the hub" "$W/watch2.log" ||
  fail "$ROUND: the watching client gets in step: $(cat "$W/watch2.log")"
hole_at=$(now_ms)
proxy_set blackhole on
if wait_for $((TIMEOUT_MS / 1000 + 10)) grep -Eq "hub silent for|no answer from the hub" "$W/watch2.log"; then
  noticed=$(($(now_ms) - hole_at))
  if [ "$noticed" -le $((TIMEOUT_MS + 4000)) ]; then
    ok "$ROUND: the idle watching client noticed the silent link in $noticed ms (--timeout-ms $TIMEOUT_MS)"
  else
    fail "$ROUND: the idle watching client notices the silent link within --timeout-ms $TIMEOUT_MS (+4 s): $noticed ms"
  fi
else
  fail "$ROUND: the idle watching client notices the silent link: $(cat "$W/watch2.log")"
fi
proxy_set pass
run client office --json case new --kind outbound_trip --title "黑洞之后的龙游案件"
[ "$RC" -eq 0 ] || fail "$ROUND: case new while watching: exit $RC, $ERR"
after_id=$(json_str "$OUT" id)
printf '%s\n' "$after_id" >"$W/ids.$ROUND"
hub_has_it() { hub --json case show "$after_id" | grep -q '黑洞之后的龙游案件'; }
check_true "$ROUND: once the link is back the watching client reconnects and pushes a new case" \
  "$(cat "$W/watch2.log")" wait_for 60 hub_has_it
kill "$WATCH_PID" 2>/dev/null || true
wait "$WATCH_PID" 2>/dev/null || true
liaison_forget "$WATCH_PID"

# ---- (h) a pull cut in the middle: a city desk through the proxy ----
# The desk straight to the hub first: what a full pull is.
ROUND=pull
run client desk --json sync
[ "$RC" -eq 0 ] || e2e_abort "$ROUND: the city desk pulls straight from the hub: exit $RC, $ERR"
PULL_TOTAL=$(json_num "$OUT" pulled)
PULL_BYTES=$(json_num "$OUT" bytes_received)
"$CLIENT_BIN" init --data "$W/desk2" --hub "127.0.0.1:$PROXY_PORT" --ca "$W/ca/ca.pem" \
  --cert "$(pki_cert city:desk-2)" --key "$(pki_key city:desk-2)" >/dev/null
proxy_set cut "$((PULL_BYTES / 2))" down
run client desk2 --json sync --batch-cells "$BATCH"
check_eq "$ROUND: the pull cut in the middle fails, to try again later (exit status)" 75 "$RC"
check_contains "$ROUND: the message says what happened" "$ERR" "the hub closed the connection"
failed_pulled=$(json_num "$OUT" pulled)
if [ -n "$failed_pulled" ] && [ "$failed_pulled" -gt 0 ] && [ "$failed_pulled" -lt "$PULL_TOTAL" ]; then
  ok "$ROUND: the cut struck mid-pull ($failed_pulled of $PULL_TOTAL cells merged)"
else
  fail "$ROUND: the cut strikes mid-pull: expected 0 < merged < $PULL_TOTAL, saw '$failed_pulled' ($OUT)"
fi
run client desk2 --json sync --batch-cells "$BATCH"
check_eq "$ROUND: the pull after the cut completes (exit status)" 0 "$RC"
check_eq "$ROUND: it pulls exactly what the cut pull had not merged" "$((PULL_TOTAL - failed_pulled))" "$(json_num "$OUT" pulled)"
check_true "$ROUND: the desk behind the cut lists the same cases as the desk straight to the hub" \
  "$(cmp <(client desk2 --json case list) <(client desk --json case list) 2>&1)" \
  cmp -s <(client desk2 --json case list) <(client desk --json case list)

# ---- the end state ----
run client office --json status
check_eq "the office has nothing left to push" 0 "$(json_num "$OUT" pending_changes)"
check_eq "the office logged no conflicts" 0 "$(json_num "$OUT" conflicts)"
check_eq "the office recorded no rejections" 0 "$(json_num "$OUT" rejections)"
run client desk --json sync
check_eq "a city desk syncs straight from the hub (exit status)" 0 "$RC"
hub --json case list >"$W/hub.all"
client desk --json case list | sed 's/,"number":null//g' >"$W/desk.all"
client office --json case list | sed 's/,"number":null//g' >"$W/office.all"
check_eq "the hub lists every round's cases once" "$((7 * CASES + SLOW_CASES + LONG_BATCH_CASES + 1))" "$(json_ids "$(cat "$W/hub.all")" | uniq | wc -l)"
check_true "the office lists the same cases as the hub" "$(cmp "$W/office.all" <(json_objects "$(cat "$W/hub.all")" | as_summary) 2>&1)" \
  cmp -s <(json_objects "$(cat "$W/office.all")") <(json_objects "$(cat "$W/hub.all")" | as_summary)
check_true "the city desk lists the same cases as the office" "$(cmp "$W/desk.all" "$W/office.all" 2>&1)" \
  cmp -s "$W/desk.all" "$W/office.all"
# Every connection the office made through the proxy has ended at the hub
# too (the black-holed one once the link came back).
hub_connections() { echo "$(grep -c "$1 longyou:office-1" "$HUB_LOG" || true)"; }
hub_closed_all() { [ "$(hub_connections ' connected')" -eq "$(hub_connections ' disconnected')" ]; }
wait_for 20 hub_closed_all || true
check_eq "the hub holds no connection the office gave up on (disconnections = connections)" \
  "$(hub_connections ' connected')" "$(hub_connections ' disconnected')"
echo "# proxy: $(proxy stats | head -n1)"

e2e_finish
