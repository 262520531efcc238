#!/usr/bin/env bash
# A hub that dies while a client is in the middle of the TLS handshake: the
# connection is reset, which is the link failing, not the hub refusing the
# certificate. `sync --watch` keeps retrying and delivers once the hub is
# back; a one-shot `sync` fails with the advice to sync again, not to check
# the certificate. (The crash loop found a watcher that gave up for good,
# "sync stopped: Connection reset by peer — check the certificate files".)
# The moment is made exact by stopping the hub (SIGSTOP): the kernel still
# accepts connections into its backlog and the client's hello waits there
# unanswered; killing the stopped hub then resets them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
e2e_require_programs
W=$LIAISON_WORK

pki_init city:hub longyou:office-1 longyou:field-2
hub_start
client_init office longyou:office-1
client_init field longyou:field-2
run client office --json case new --kind outbound_trip --title "龙游县赴德国汉堡经贸考察"
[ "$RC" -eq 0 ] || e2e_abort "office opens a case: exit $RC, $ERR"
case_id=$(json_str "$OUT" id)

# connections_to_hub: how many connections the kernel has established on
# the hub's port (/proc/net/tcp lines in state 01 whose local port is the
# hub's); while the hub is stopped they wait in its accept queue.
hub_port_hex=$(printf '%04X' "$HUB_PORT")
connections_to_hub() {
  grep -c "^ *[0-9]*: [0-9A-F]*:$hub_port_hex [0-9A-F]*:[0-9A-F]* 01 " /proc/net/tcp || true
}
backlog_has() { [ "$(connections_to_hub)" -ge "$1" ]; }

# ---- sync --watch, and a one-shot sync, caught mid-handshake ----
kill -STOP "$HUB_PID"
client_watch office
watch_pid=$WATCH_PID
client field --json sync >"$W/field.out" 2>"$W/field.err" &
field_pid=$!
LIAISON_PIDS+=("$field_pid")
if ! wait_for 30 backlog_has 2; then
  kill -CONT "$HUB_PID"
  e2e_abort "both clients' connections wait in the stopped hub's backlog: $(connections_to_hub) do"
fi
ok "both clients are mid-handshake with the stopped hub"
{ hub_stop KILL; } 2>/dev/null  # a stopped process dies of SIGKILL too; its backlog is reset

field_rc=0
wait "$field_pid" || field_rc=$?
liaison_forget "$field_pid"
field_err=$(cat "$W/field.err")
check_true "the one-shot sync fails as one to try again later (exit 75)" "exit $field_rc: $field_err" [ "$field_rc" -eq 75 ]
check_lacks "the one-shot sync does not blame the certificate" "$field_err" "certificate files"
check_contains "the one-shot sync says the changes stay queued" "$field_err" "run 'liaison-client sync' again"

# The watcher notices the reset and must be waiting to retry, not gone.
reconnecting() { grep -q "reconnecting in" "$W/office.watch.log"; }
if wait_for 30 reconnecting; then
  ok "sync --watch will reconnect after the reset: $(grep -m1 "reconnecting in" "$W/office.watch.log")"
else
  fail "sync --watch says it will reconnect after the reset: its log: $(tr '\n' ' ' <"$W/office.watch.log")"
fi
watcher_alive() { kill -0 "$watch_pid" 2>/dev/null; }
check_true "sync --watch is still running after the reset" "it exited: $(tr '\n' ' ' <"$W/office.watch.log")" \
  watcher_alive
check_lacks "sync --watch did not stop" "$(cat "$W/office.watch.log")" "sync stopped"

# ---- the hub comes back: the watcher delivers by itself ----
hub_start
run client office note add "$case_id" "汉堡港务局已确认会见时间"
[ "$RC" -eq 0 ] || fail "office adds a note while the watcher runs: exit $RC, $ERR"
note_at_hub() { hub --json case show "$case_id" 2>/dev/null | grep -q "汉堡港务局已确认会见时间"; }
if wait_for 60 note_at_hub; then
  ok "the watcher reconnected to the restarted hub and pushed the case and its new note"
else
  fail "the watcher pushes the new note to the restarted hub within 60 s: its log: $(tr '\n' ' ' <"$W/office.watch.log")"
fi
kill -TERM "$watch_pid" 2>/dev/null || true
wait "$watch_pid" 2>/dev/null || true
liaison_forget "$watch_pid"

run client field --json sync
check_eq "the one-shot sync completes once the hub is back (exit status)" 0 "$RC"
run client field --json case show "$case_id"
check_contains "the other Longyou client receives the note" "$OUT" "汉堡港务局已确认会见时间"

e2e_finish
