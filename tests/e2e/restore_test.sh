#!/usr/bin/env bash
# A hub restored from a backup copy of hub.db, given a new id with
# `liaison-hub renew-id`, gets back what clients pushed after the backup:
# each client notices the new id, resyncs from the start and pushes
# everything it has again. Without a new id, the client would trust its
# cursors and never resend those writes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
e2e_require_programs

pki_init city:hub longyou:office-1
hub_start
client_init office longyou:office-1
run client office --json case new --kind outbound_trip --title "备份前的出访申请"
before_id=$(json_str "$OUT" id)
run client office sync
check_eq "first case synced" 0 "$RC"

hub_stop
cp "$HUB_DATA/hub.db" "$LIAISON_WORK/hub-backup.db"  # the nightly backup (hub stopped: one consistent file)
hub_start
run client office --json case new --kind donation --title "备份后的捐赠登记"
after_id=$(json_str "$OUT" id)
run client office sync
check_eq "second case synced" 0 "$RC"

# The hub's disk is lost; the backup comes back.
hub_stop
rm -f "$HUB_DATA"/hub.db*
cp "$LIAISON_WORK/hub-backup.db" "$HUB_DATA/hub.db"
run hub case list --json
check_lacks "the restored hub lacks the case pushed after the backup" "$OUT" "$after_id"
run hub renew-id
check_eq "renew-id succeeds" 0 "$RC"
check_contains "renew-id says what happens next" "$OUT" "clients resync"
hub_start
run client office --json sync
check_eq "the client syncs with the restored hub" 0 "$RC"
run hub case list --json
check_contains "the restored hub has the case from before the backup" "$OUT" "$before_id"
check_contains "and, pushed again, the case from after it" "$OUT" "$after_id"
e2e_finish
