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
#     as a fresh CRL is in place.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
e2e_require_programs
command -v openssl >/dev/null || e2e_abort "openssl is installed (apt-get install openssl)"

W=$LIAISON_WORK
pki_init city:hub longyou:office-1 longyou:field-2
"$CA_SH" init "$W/other" >/dev/null
hub_start
hub_pid=$HUB_PID
client_init office longyou:office-1
client_init field longyou:field-2
run client field sync
[ "$RC" -eq 0 ] || e2e_abort "the laptop syncs while its certificate is valid: exit $RC, $ERR"
check_contains "the hub says at start which CRL it uses and that it is reloaded" "$(cat "$HUB_LOG")" \
  "0 certificates revoked; it expires at"

# ---- revoke the laptop while it is connected ----
client_watch field
watcher=$WATCH_PID
in_step() { grep -q "in step with the hub" "$W/field.watch.log"; }
wait_for 15 in_step || e2e_abort "the laptop's watcher gets in step: $(cat "$W/field.watch.log")"
revoked_at=$(now_ms)
"$CA_SH" revoke "$W/ca" longyou:field-2 --reason keyCompromise >/dev/null
closed() { grep -q "closing longyou:field-2 .*: its certificate (serial [0-9A-F]*) is revoked" "$HUB_LOG"; }
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
check_eq "with an expired CRL the hub refuses every office" 1 "$RC"
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

e2e_finish
