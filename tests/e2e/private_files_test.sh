#!/usr/bin/env bash
# A node's data stays private to the user running it, whoever made its
# folder: liaison-hub and liaison-client make their data folder 0700 and
# every file in it 0600 (replica, WAL, configuration) at init, into a folder
# that already existed with 0755, and keep them so on every later command; a
# private key other users can read is refused by init, sync and serve with
# the chmod that fixes it; a data folder that is a dangling symbolic link is
# reported as that; a data folder on a read-only file system (a mount
# namespace of the test's own) is reported as that, with no SQL in sight.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
e2e_require_programs

W=$LIAISON_WORK
pki_init city:hub longyou:office-1 kaihua:office-1

mode() { stat -c %a "$1"; }
# all_private DIR: the folder is 0700 and no file in it is open to others.
all_private() {
  [ "$(mode "$1")" = 700 ] || return 1
  local f
  for f in "$1"/*; do
    [ -f "$f" ] || continue
    [ "$(mode "$f")" = 600 ] || { echo "$f is $(mode "$f")" >&2; return 1; }
  done
}

# ---- init into folders made by someone else, open to everyone ----
mkdir -m 0755 "$W/hub" "$W/office"
hub_start
check_true "hub init makes an existing 0755 folder and its files private" "$(ls -l "$W/hub")" all_private "$W/hub"
"$CLIENT_BIN" init --data "$W/office" --hub "127.0.0.1:$HUB_PORT" --ca "$W/ca/ca.pem" \
  --cert "$(pki_cert longyou:office-1)" --key "$(pki_key longyou:office-1)" >/dev/null
check_true "client init makes an existing 0755 folder and its files private" "$(ls -l "$W/office")" all_private "$W/office"
run client office case new --kind outbound_trip --title "赴德国汉堡经贸考察"
run client office sync
check_eq "the client syncs" 0 "$RC"
check_true "the replica's WAL files are private too" "$(ls -l "$W/office")" all_private "$W/office"

# ---- kept private: a later command puts back what another tool loosened ----
chmod 0644 "$W/office/replica.db" "$W/office/client.json"
chmod 0755 "$W/office"
run client office case list
check_eq "case list still works" 0 "$RC"
check_true "the next command makes the folder and files private again" "$(ls -l "$W/office")" all_private "$W/office"
chmod 0644 "$W/hub/hub.db"
run hub case list
check_true "so does the next hub command" "$(ls -l "$W/hub")" all_private "$W/hub"

# ---- private keys others can read are refused ----
key=$(pki_key kaihua:office-1)
chmod 0644 "$key"
run "$CLIENT_BIN" init --data "$W/kaihua" --hub "127.0.0.1:$HUB_PORT" --ca "$W/ca/ca.pem" \
  --cert "$(pki_cert kaihua:office-1)" --key "$key"
check_eq "client init refuses a key others can read" 1 "$RC"
check_contains "and says how to fix it" "$ERR" "can be read by other users of this machine (mode 0644) — restrict it with 'chmod 600 $key'"
check_true "and writes nothing" "$(ls -A "$W/kaihua" 2>&1)" test ! -e "$W/kaihua/client.json"
chmod 0600 "$key"
client_init kaihua kaihua:office-1
chmod 0640 "$key"
run client kaihua sync
check_eq "sync refuses a key loosened after init" 1 "$RC"
check_contains "naming the key" "$ERR" "private key $key can be read by other users"
chmod 0600 "$key"

hub_stop
chmod 0644 "$(pki_key city:hub)"
run "$HUB_BIN" serve --data "$W/hub"
check_eq "the hub refuses to serve with a key others can read" 1 "$RC"
check_contains "and says how to fix it" "$ERR" "restrict it with 'chmod 600 $(pki_key city:hub)'"
chmod 0600 "$(pki_key city:hub)"

# ---- a data folder that is a symbolic link to nowhere ----
ln -s "$W/unmounted/liaison" "$W/dangling"
run "$CLIENT_BIN" --data "$W/dangling" case list
check_eq "a dangling link as --data fails" 1 "$RC"
check_contains "saying it is a link to a folder that does not exist" "$ERR" "is a symbolic link to $W/unmounted/liaison, which does not exist"

# ---- a data folder on a read-only file system ----
# read_only DIR COMMAND...: runs COMMAND where DIR is mounted read-only.
read_only() {
  unshare -m sh -c 'dir=$1; shift; mount --bind "$dir" "$dir" && mount -o remount,bind,ro "$dir" && exec "$@"' \
    read_only "$@"
}
read_only "$W/office" true || e2e_abort "a mount namespace can be made (unshare -m, as root)"
run read_only "$W/office" "$CLIENT_BIN" --data "$W/office" case new --kind outbound_trip --title "只读副本上的案件"
check_eq "a write to a replica on a read-only file system fails" 1 "$RC"
check_contains "saying so and what to do" "$ERR" \
  "replica $W/office/replica.db: unable to open database file — the data folder is on a read-only file system: mount it read-write"
check_lacks "without a SQL statement" "$ERR" "INSERT"
check_lacks "(nor any)" "$ERR" "PRAGMA"
run read_only "$W/hub" "$HUB_BIN" --data "$W/hub" case list
check_eq "so does a hub command" 1 "$RC"
check_contains "saying so too" "$ERR" "the data folder is on a read-only file system"
run client office case list
check_lacks "nothing was written" "$OUT" "只读副本上的案件"

e2e_finish
