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
#   - a certificate with two CNs is refused at init;
#   - clients pin their hub: its node id (city:hub unless init says
#     otherwise) and its public key (from --hub-cert at init, else at the
#     first sync). A hub started with a city desk's certificate, or with a
#     new city:hub certificate on another key, is refused until
#     `liaison-client pin-hub --hub-cert` trusts the new key.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
CRAFT=$LIAISON_BIN/tests/liaison-craft-write
PEER=$LIAISON_BIN/tests/liaison-hostile-peer
e2e_require_programs "$CRAFT" "$PEER"
command -v openssl >/dev/null || e2e_abort "openssl is installed (apt-get install openssl)"

W=$LIAISON_WORK
pki_init city:hub longyou:office-1 longyou:field-2 city:desk-1 kaihua:office-1
hub_start
client_init office longyou:office-1
run client office case new --kind outbound_trip --title "赴德国汉堡经贸考察"
case_id=${OUT##* }  # "REF  ID"
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

# ---- the hub's identity is pinned ----
check_true "the first sync pinned the hub's key in client.json" "$(cat "$W/office/client.json")" \
  grep -q '"hub_key": "[0-9a-f]\{64\}"' "$W/office/client.json"
check_true "and the hub's node id" "$(cat "$W/office/client.json")" grep -q '"hub_node": "city:hub"' "$W/office/client.json"
# other_hub NAME CERT KEY: a second hub on another port with these files; sets OTHER_PORT.
other_hub() {
  OTHER_PORT=$(pick_port)
  "$HUB_BIN" init --data "$W/$1" --ca "$W/ca/ca.pem" --cert "$2" --key "$3" --listen "127.0.0.1:$OTHER_PORT" >/dev/null
  "$HUB_BIN" serve --data "$W/$1" 2>"$W/$1.log" &
  LIAISON_PIDS+=($!)
  wait_for 10 grep -q "listening on" "$W/$1.log" || e2e_abort "the $1 hub starts: $(cat "$W/$1.log")"
}
other_hub desk-hub "$(pki_cert city:desk-1)" "$(pki_key city:desk-1)"
"$CLIENT_BIN" init --data "$W/victim" --hub "127.0.0.1:$OTHER_PORT" --ca "$W/ca/ca.pem" \
  --cert "$(pki_cert kaihua:office-1)" --key "$(pki_key kaihua:office-1)" >/dev/null
run client victim case new --kind outbound_trip --title "不应到达冒名中心的案件"
run client victim sync
check_eq "a hub running on a city desk's certificate is refused" 1 "$RC"
check_contains "naming the hub the office trusts" "$ERR" "presented the certificate of city:desk-1, not of the hub city:hub"
run "$HUB_BIN" --data "$W/desk-hub" --json case list
check_eq "the impostor's case list works" 0 "$RC"
check_lacks "the impostor received nothing" "$OUT" "不应到达冒名中心的案件"

mkdir -p "$W/rotated"
"$CA_SH" issue "$W/ca" city:hub --out "$W/rotated" >/dev/null
other_hub new-key-hub "$W/rotated/city-hub.pem" "$W/rotated/city-hub.key"
sed -i "s/\"hub\": \"127.0.0.1:$HUB_PORT\"/\"hub\": \"127.0.0.1:$OTHER_PORT\"/" "$W/office/client.json"
run client office sync
check_eq "city:hub on another key than the pinned one is refused" 1 "$RC"
check_contains "saying how to trust a new key" "$ERR" "pin it with 'liaison-client pin-hub --hub-cert HUB.pem'"
run client office pin-hub --hub-cert "$(pki_cert city:desk-1)"
check_eq "pin-hub refuses another node's certificate" 1 "$RC"
check_contains "saying whose it is" "$ERR" "is for city:desk-1, not city:hub"
run client office pin-hub --hub-cert "$W/rotated/city-hub.pem"
check_eq "pin-hub takes the new hub certificate" 0 "$RC"
run client office sync
check_eq "after pin-hub the office syncs with the hub's new key" 0 "$RC${ERR:+: $ERR}"
"$CLIENT_BIN" init --data "$W/pinned-at-init" --hub "127.0.0.1:$OTHER_PORT" --ca "$W/ca/ca.pem" \
  --cert "$(pki_cert kaihua:office-1)" --key "$(pki_key kaihua:office-1)" --hub-cert "$(pki_cert city:hub)" >/dev/null
run client pinned-at-init sync
check_eq "a key pinned at init with --hub-cert is enforced from the first sync" 1 "$RC"
check_contains "as another key" "$ERR" "with another key than the one pinned"

e2e_finish
