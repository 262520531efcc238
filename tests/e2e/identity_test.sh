#!/usr/bin/env bash
# Who a write comes from is what the hub knows, not what the sender claims:
#   - a note crafted on a Longyou replica (liaison-craft-write, past the
#     client's own checks) naming city:hub as its author, or dated a day
#     ahead, is refused forged_attribution and never shown as city:hub's;
#   - the hub's own certificate used by a client is refused with what to do;
#   - two devices syncing with one certificate at once: the second is
#     refused with what to do, and syncs once the first has gone; a one-shot
#     sync beside the same replica's `sync --watch` is one device and works;
#   - one certificate holds at most 8 connections (hub.json
#     max_connections_per_node); the rest are refused and logged;
#   - a certificate with two CNs is refused at init.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
CRAFT=$LIAISON_BIN/tests/liaison-craft-write
PEER=$LIAISON_BIN/tests/liaison-hostile-peer
e2e_require_programs "$CRAFT" "$PEER"
command -v openssl >/dev/null || e2e_abort "openssl is installed (apt-get install openssl)"

W=$LIAISON_WORK
pki_init city:hub longyou:office-1 longyou:field-2
hub_start
client_init office longyou:office-1
run client office case new --kind outbound_trip --title "赴德国汉堡经贸考察"
case_id=$OUT
run client office sync
[ "$RC" -eq 0 ] || e2e_abort "the office syncs its case: exit $RC, $ERR"

# ---- forged attribution ----
note=$(cat /proc/sys/kernel/random/uuid)
tomorrow=$(( $(now_ms) + 86400000 ))
run "$CRAFT" "$W/office/replica.db" longyou:office-1 case_notes "$note" "case_id=$case_id" author=city:hub \
  "body=市外办已同意" "written_at=$tomorrow"
[ "$RC" -eq 0 ] || e2e_abort "liaison-craft-write writes the note: exit $RC, $ERR"
run client office --json sync
check_eq "the sync carrying the forged note completes" 0 "$RC"
run client office --json rejections
check_true "the author naming city:hub is refused forged_attribution" "saw $OUT" \
  test -n "$(json_objects_with "$OUT" "\"row\":\"$note\"" '"field":"author"' '"code":"forged_attribution"')"
check_true "the date a day ahead is refused forged_attribution" "saw $OUT" \
  test -n "$(json_objects_with "$OUT" "\"row\":\"$note\"" '"field":"written_at"' '"code":"forged_attribution"')"
run hub case show "$case_id"
check_lacks "the hub never shows a note by city:hub" "$OUT" "note by city:hub"
run hub --json rejections --node longyou:office-1
check_contains "the hub recorded the attempt" "$OUT" "must name the node that writes it, longyou:office-1, not 'city:hub'"

# ---- the hub's own certificate in a client ----
client_init impostor city:hub
run client impostor sync
check_eq "a client with the hub's own certificate is refused" 1 "$RC"
check_contains "and told to get a certificate of its own" "$ERR" "this is the hub's own certificate (city:hub)"

# ---- one certificate, two devices ----
client_init laptop-a longyou:field-2
client_init laptop-b longyou:field-2
client_watch laptop-a
watcher=$WATCH_PID
in_step() { grep -q "in step with the hub" "$W/laptop-a.watch.log"; }
wait_for 15 in_step || e2e_abort "laptop-a's watcher gets in step: $(cat "$W/laptop-a.watch.log")"
run client laptop-a sync
check_eq "a one-shot sync beside the same replica's watcher is the same device: it syncs" 0 "$RC"
run client laptop-b sync
check_eq "a second device with the same certificate is refused" 1 "$RC"
check_contains "and told what to do" "$ERR" "two devices can't share a certificate — ask the city office to issue one for this device"
kill "$watcher"
wait "$watcher" 2>/dev/null || true
liaison_forget "$watcher"
b_syncs() { client laptop-b sync >/dev/null 2>&1; }
check_true "once the first device has gone, the second syncs" "it did not within 10 s" wait_for 10 b_syncs

# ---- connections per certificate ----
"$PEER" --hub "127.0.0.1:$HUB_PORT" --ca "$W/ca/ca.pem" --cert "$(pki_cert longyou:field-2)" \
  --key "$(pki_key longyou:field-2)" --wait-ms 20000 hold 12 >"$W/hold.out" 2>&1 &
hold_pid=$!
LIAISON_PIDS+=("$hold_pid")
wait_for 20 grep -q "^held=" "$W/hold.out" || fail "the peer opens its connections: $(cat "$W/hold.out")"
limit_logged() { [ "$(grep -c "refused longyou:field-2 from .*: it already has 8 connections (at most 8 per node)" "$HUB_LOG")" -eq 4 ]; }
check_true "one certificate gets 8 connections; the 4 beyond are refused and logged" "$(grep -c "already has" "$HUB_LOG") refusals" \
  wait_for 5 limit_logged
run client office sync
check_eq "another node syncs meanwhile" 0 "$RC"
kill -TERM "$hold_pid" 2>/dev/null || true
wait "$hold_pid" 2>/dev/null || true
liaison_forget "$hold_pid"

# ---- a certificate with two CNs ----
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/two.key" \
  -subj "/CN=longyou:office-1/CN=city:hub" -out "$W/two.csr" 2>/dev/null
chmod 600 "$W/two.key"
openssl x509 -req -in "$W/two.csr" -CA "$W/ca/ca.pem" -CAkey "$W/ca/private/ca.key" -CAcreateserial -days 30 \
  -out "$W/two.pem" 2>/dev/null
run "$CLIENT_BIN" init --data "$W/two-cn" --hub "127.0.0.1:$HUB_PORT" --ca "$W/ca/ca.pem" --cert "$W/two.pem" --key "$W/two.key"
check_eq "a certificate with two CNs is refused at init" 1 "$RC"
check_contains "saying so" "$ERR" "has no CN, or more than one"

e2e_finish
