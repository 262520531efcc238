#!/usr/bin/env bash
# Revocation takes effect on a running hub, and the CRL's own expiry is
# told as what it is:
#   - `liaison-ca.sh revoke` rewrites the CRL file the hub was given; within
#     seconds, without a restart, the hub closes the revoked laptop's live
#     `sync --watch` and refuses its next sync, while an honest office keeps
#     syncing;
#   - a CRL not signed by the project CA is not taken (the old one stays);
#   - a CRL that expires in 3 days is warned about in the hub's log and by
#     `liaison-hub nodes`;
#   - once the CRL has expired, every client is refused with a message that
#     says so (not "your certificate has expired"), and syncs again as soon
#     as a fresh CRL is in place;
#   - clients keep the CA's list without anyone copying it: the hub hands it
#     over at every session (and to live sessions when it changes), the
#     client keeps it privately in its data folder, and refuses a hub whose
#     own certificate it revokes: the real one at once, and an impostor
#     holding the revoked certificate with an older list at the handshake.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
e2e_require_programs
command -v openssl >/dev/null || e2e_abort "openssl is installed (apt-get install openssl)"

W=$LIAISON_WORK
pki_init city:hub longyou:office-1 longyou:field-2 longyou:field-3
"$CA_SH" init "$W/other" >/dev/null
hub_start
hub_pid=$HUB_PID
client_init office longyou:office-1
client_init field longyou:field-2
run client field sync
[ "$RC" -eq 0 ] || e2e_abort "the laptop syncs while its certificate is valid: exit $RC, $ERR"
check_contains "the hub says at start which CRL it uses and that it is reloaded" "$(cat "$HUB_LOG")" \
  "0 certificates revoked; it expires at"

# ---- the laptop is lost; what it changed after that ----
run client office --json case new --kind outbound_trip --title "赴德国汉堡经贸考察"
trip=$(json_str "$OUT" id)
run client office sync
run client field sync
[ "$RC" -eq 0 ] && [ -n "$trip" ] || e2e_abort "the laptop has the office's case: exit $RC, $ERR"
lost_at=$(date '+%Y-%m-%d %H:%M:%S')
sleep 1.1
run client field case set "$trip" title=赴德国度假
run client field --json case new --kind outbound_trip --title "伪造的出访申请"
forged=$(json_str "$OUT" id)
run client field sync
[ "$RC" -eq 0 ] && [ -n "$forged" ] || e2e_abort "the laptop pushes its edit and its case: exit $RC, $ERR"
run hub changes --node longyou:field-2 --since "$lost_at"
check_contains "liaison-hub changes lists the laptop's edit, with the value before" "$OUT" "赴德国汉堡经贸考察"
check_contains "and after" "$OUT" "赴德国度假"
check_contains "and the case it made" "$OUT" "伪造的出访申请"
check_contains "warning that its certificate is still valid" "$ERR" "longyou:field-2's certificate (serial"
run hub changes --node longyou:field-2 --since "$(date -d '+1 hour' '+%Y-%m-%d %H:%M')"
check_contains "nothing after a later time" "$OUT" "no changes by longyou:field-2"

# ---- revoke the laptop while it is connected ----
client_watch field
watcher=$WATCH_PID
in_step() { grep -q "in step with the hub" "$W/field.watch.log"; }
wait_for 15 in_step || e2e_abort "the laptop's watcher gets in step: $(cat "$W/field.watch.log")"
revoked_at=$(now_ms)
"$CA_SH" revoke "$W/ca" longyou:field-2 --reason keyCompromise >/dev/null
closed() { grep -q "closing longyou:field-2: its certificate (serial [0-9A-F]*) is revoked" "$HUB_LOG"; }
check_true "the hub closes the revoked laptop's live session within 5 s, without a restart" "$(tail -n 5 "$HUB_LOG")" \
  wait_for 5 closed
echo "# revoked to closed: $(( $(now_ms) - revoked_at )) ms"
check_contains "the hub logs the reload" "$(cat "$HUB_LOG")" "revocation list reloaded: 1 certificates revoked"
check_eq "the hub was not restarted" "$hub_pid" "$HUB_PID"
watcher_told() { grep -q "revoked" "$W/field.watch.log"; }
check_true "the watcher is told its certificate was revoked" "$(cat "$W/field.watch.log")" wait_for 5 watcher_told
kill "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true
liaison_forget "$watcher"
run client field sync
check_eq "the revoked laptop's next sync is refused" 1 "$RC"
check_contains "as revoked" "$ERR" "revoked"
run client office sync
check_eq "an honest office syncs meanwhile" 0 "$RC"

# ---- undo what the lost laptop did ----
run hub revert --node longyou:field-2 --since "$lost_at" --dry-run
check_contains "a dry run says what it would do" "$OUT" "would restore 1 fields and delete 1 records longyou:field-2 made"
run hub --json case show "$trip"
check_contains "and changes nothing" "$OUT" "赴德国度假"
run hub revert --node longyou:field-2
check_eq "revert without --since is a usage error" 2 "$RC"
check_contains "saying what is missing" "$ERR" "--since"
run hub revert --node longyou:field-2 --since "$lost_at"
check_eq "the revert succeeds" 0 "$RC"
check_contains "saying what it did" "$OUT" "restored 1 fields and deleted 1 records longyou:field-2 made"
check_lacks "with no warning now that the certificate is revoked" "$ERR" "is not revoked"
run client office sync
run client office --json case show "$trip"
check_contains "the office sees the title from before the loss" "$OUT" "赴德国汉堡经贸考察"
run client office --json case list
check_lacks "and not the case the laptop made" "$OUT" "伪造的出访申请"
check_contains "admin.log records the revert" "$(cat "$HUB_DATA/admin.log")" "revert --node longyou:field-2 --since"

# ---- a CRL from another CA is not taken ----
cp "$W/ca/crl.pem" "$W/crl.good"
cp "$W/other/crl.pem" "$W/ca/crl.pem.tmp" && mv "$W/ca/crl.pem.tmp" "$W/ca/crl.pem"
refused_crl() { grep -q "can't use the new revocation list .*not signed by the CA" "$HUB_LOG"; }
check_true "a CRL another CA signed is refused, the old one kept" "$(tail -n 3 "$HUB_LOG")" wait_for 5 refused_crl
run client field sync
check_eq "the revoked laptop stays refused" 1 "$RC"
cp "$W/crl.good" "$W/ca/crl.pem.tmp" && mv "$W/ca/crl.pem.tmp" "$W/ca/crl.pem"

# ---- a CRL about to expire, then expired ----
# gen_crl LAST NEXT: a CRL of the project CA valid from LAST to NEXT (openssl times).
gen_crl() {
  (cd "$W/ca" && openssl ca -config openssl.cnf -batch -gencrl -crl_lastupdate "$1" -crl_nextupdate "$2" \
    -out crl.pem.tmp) >/dev/null 2>&1 || e2e_abort "openssl ca -gencrl from $1 to $2"
  mv "$W/ca/crl.pem.tmp" "$W/ca/crl.pem"
}
gen_crl "$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)" "$(date -u -d '+3 days' +%Y%m%d%H%M%SZ)"
warned() { grep -q "warning: the revocation list expires at .* (in 3 days): after that every node is refused" "$HUB_LOG"; }
check_true "a CRL expiring in 3 days is warned about in the hub's log" "$(tail -n 3 "$HUB_LOG")" wait_for 5 warned
run hub nodes
check_contains "and by liaison-hub nodes" "$ERR" "warning: the revocation list expires at"
run client office sync
check_eq "meanwhile offices sync" 0 "$RC"

gen_crl "$(date -u -d '-2 days' +%Y%m%d%H%M%SZ)" "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)"
expired_logged() { grep -q "error: the revocation list expired at" "$HUB_LOG"; }
check_true "an expired CRL is an error in the hub's log" "$(tail -n 3 "$HUB_LOG")" wait_for 5 expired_logged
run client office sync
check_eq "with an expired CRL the hub refuses every office, to try again later" 75 "$RC"
check_contains "telling it the hub's revocation list expired" "$ERR" "the hub's revocation list expired at"
check_lacks "not blaming its certificate" "$ERR" "certificate has expired"
run client field sync
check_contains "a revoked certificate stays refused as revoked" "$ERR" "revoked"
run hub nodes
check_contains "liaison-hub nodes says every node is refused" "$ERR" "error: the revocation list expired at"

gen_crl "$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)" "$(date -u -d '+30 days' +%Y%m%d%H%M%SZ)"
office_syncs() { client office sync >/dev/null 2>&1; }
check_true "a renewed CRL lets offices sync again within seconds" "it did not: $(tail -n 3 "$HUB_LOG")" \
  wait_for 10 office_syncs
run client field sync
check_eq "the revoked laptop is still refused" 1 "$RC"

# ---- clients keep the CA's list and refuse a revoked hub ----
serial_of() { openssl x509 -in "$(pki_cert "$1")" -noout -serial | sed 's/^serial=//'; }
crl_lists() { openssl crl -in "$1" -noout -text 2>/dev/null | grep -q "Serial Number: $2"; }
client_init newcomer longyou:field-3
run client newcomer sync
check_eq "an office set up without --crl syncs" 0 "$RC"
check_true "and keeps the CA's list the hub handed over" "$(ls -l "$W/newcomer")" \
  crl_lists "$W/newcomer/crl.pem" "$(serial_of longyou:field-2)"
check_eq "privately" 600 "$(stat -c %a "$W/newcomer/crl.pem")"
run client newcomer status
check_contains "status says what the list holds" "$OUT" "revoked certificates: 1, issued"
client_watch newcomer
watcher=$WATCH_PID
wait_for 15 grep -q "in step with the hub" "$W/newcomer.watch.log" || e2e_abort "the watcher gets in step"
"$CA_SH" revoke "$W/ca" longyou:office-1 >/dev/null
check_true "a connected office receives a new list within seconds" "$(tail -n 3 "$W/newcomer.watch.log")" \
  wait_for 5 crl_lists "$W/newcomer/crl.pem" "$(serial_of longyou:office-1)"
cp "$W/ca/crl.pem" "$W/crl.before-hub-revoked"
"$CA_SH" revoke "$W/ca" city:hub --reason keyCompromise >/dev/null
hub_refused() { grep -q "the hub's certificate (serial $(serial_of city:hub)) has been revoked by the CA" "$W/newcomer.watch.log"; }
check_true "the connected office leaves the hub once the list revokes the hub itself" \
  "$(tail -n 3 "$W/newcomer.watch.log")" wait_for 5 hub_refused
wait "$watcher" 2>/dev/null || true
liaison_forget "$watcher"
run client newcomer case new --kind outbound_trip --title "不应发往已吊销证书中心的案件"
run client newcomer sync
check_eq "its next sync with that hub is refused at the handshake" 1 "$RC"
check_contains "saying the hub's certificate is revoked" "$ERR" "the hub's certificate has been revoked by the CA"
# Someone holding the revoked hub certificate and the list from before.
IMPOSTOR_PORT=$(pick_port)
"$HUB_BIN" init --data "$W/impostor" --ca "$W/ca/ca.pem" --cert "$(pki_cert city:hub)" --key "$(pki_key city:hub)" \
  --crl "$W/crl.before-hub-revoked" --listen "127.0.0.1:$IMPOSTOR_PORT" >/dev/null
"$HUB_BIN" serve --data "$W/impostor" 2>"$W/impostor.log" &
LIAISON_PIDS+=($!)
wait_for 10 grep -q "listening on" "$W/impostor.log" || e2e_abort "the impostor hub starts: $(cat "$W/impostor.log")"
sed -i "s/\"hub\": \"127.0.0.1:$HUB_PORT\"/\"hub\": \"127.0.0.1:$IMPOSTOR_PORT\"/" "$W/newcomer/client.json"
run client newcomer sync
check_eq "an impostor with the revoked hub certificate and an older list is refused" 1 "$RC"
check_contains "as revoked" "$ERR" "the hub's certificate has been revoked by the CA"
run "$HUB_BIN" --data "$W/impostor" --json case list
check_eq "the impostor's case list works" 0 "$RC"
check_lacks "the impostor received nothing" "$OUT" "不应发往已吊销证书中心的案件"

e2e_finish
