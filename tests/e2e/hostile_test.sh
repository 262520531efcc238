#!/usr/bin/env bash
# Hostile and broken peers against a real hub (liaison-hostile-peer plays
# them with real certificates of the project CA). For each, the hub answers
# as docs/PROTOCOL.md says, keeps serving honest clients, and stores nothing
# it should not:
#   1. a 4 GiB length prefix: error frame_too_large, connection closed, the
#      hub's peak memory (VmHWM) does not move;
#   2. 100,000 nested msgpack arrays in a valid frame: error malformed;
#   3. valid messages wrong for the session (push or pull before hello, a
#      client sending welcome or changes, a second hello): error
#      unexpected_message naming the message, connection closed;
#   4. a client that completes TLS then says nothing: dropped after the
#      hub's idle timeout (liaison-hub init --idle-timeout 2), not before
#      (the hub warns that so short a timeout drops watching clients; a
#      hub.json from before the setting existed still loads);
#   5. 1,000 idle connections (E2E_HOSTILE_CONNECTIONS) held open while an
#      honest client syncs promptly; the hub was started with a soft
#      descriptor limit of 256 and must raise it itself; its memory is
#      reported. A hub whose hard limit is too small says so at start, and
#      when out of descriptors neither spins nor floods its log, and serves
#      again once connections close;
#   6. an acknowledged push replayed on a new connection after newer writes:
#      nothing changes, nothing is logged as a conflict;
#   7. a change stamped a year ahead: refused clock_ahead, nothing stored;
#      a real client whose clock runs a year ahead syncs anyway (it corrects
#      its clock from welcome and re-stamps before pushing);
#   8. a Longyou certificate writing a directive, or Kaihua's receipt of a
#      directive: refused (not_permitted, out_of_scope), nothing changes.
# (TLS 1.2 and plaintext peers are refused in certificates_test.sh.)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
PEER=$LIAISON_BIN/tests/liaison-hostile-peer
e2e_require_programs "$PEER"
CONNECTIONS=${E2E_HOSTILE_CONNECTIONS:-1000}
MAX_RSS_MB=${E2E_HOSTILE_MAX_RSS_MB:-250}  # 1,000 idle connections took 106 MB when written
FD_EXHAUSTION=${E2E_HOSTILE_FD_EXHAUSTION:-1}
W=$LIAISON_WORK

new_uuid() { cat /proc/sys/kernel/random/uuid; }
# peer NODE SCENARIO...: the hostile peer with NODE's certificate; output in OUT.
peer() {
  local node=$1
  shift
  run "$PEER" --hub "127.0.0.1:$HUB_PORT" --ca "$W/ca/ca.pem" --cert "$(pki_cert "$node")" --key "$(pki_key "$node")" "$@"
}
# field KEY: the first KEY=value line of the peer's output (value only).
field() { printf '%s\n' "$OUT" | sed -n "s/^$1=//p" | head -n1; }
fields() { printf '%s\n' "$OUT" | sed -n "s/^$1=//p"; }
kb_of() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }
hub_alive() { kill -0 "$HUB_PID" 2>/dev/null; }
# What the hub holds that a hostile peer must not change.
hub_state() {
  hub --json case list
  hub --json directive list
  hub --json conflicts --all
}
# After each scenario: the hub runs, an honest client syncs, nothing changed.
still_serving() {
  local what=$1 expected_state=$2
  check_true "$what: the hub is still running" "it exited; log: $(tail -n 5 "$HUB_LOG")" hub_alive
  run client longyou --json sync
  check_eq "$what: an honest client still syncs (exit status)" 0 "$RC"
  [ -z "$expected_state" ] || check_eq "$what: the hub's cases, directives and conflicts are unchanged" \
    "$expected_state" "$(hub_state)"
}
# An exception escaping one of the hub's coroutines is logged as
# "<which> failed: ...": none may happen, whatever a peer sends.
no_failed_coroutine() {
  local failed
  failed=$(grep -E '(accept loop|ticker|connection|writer) failed' "$HUB_LOG" || true)
  check_eq "$1: the hub's log shows no failed coroutine" "" "$failed"
}

pki_init city:hub longyou:office-1 longyou:field-2 kaihua:office-1 qujiang:office-1 city:desk-1
# The hub is made here (not by hub_start) to give it an idle timeout; the
# idle-timeout scenario below makes it 2 s.
HUB_PORT=$(pick_port)
HUB_DATA=$W/hub
"$HUB_BIN" init --data "$HUB_DATA" --ca "$W/ca/ca.pem" --cert "$(pki_cert city:hub)" --key "$(pki_key city:hub)" \
  --crl "$W/ca/crl.pem" --listen "127.0.0.1:$HUB_PORT" --idle-timeout 300 --max-connections-per-node 100000 >/dev/null
# A hub.json written before idle_timeout_ms, max_connections_per_node and
# case_number_pattern existed still loads.
cp "$HUB_DATA/hub.json" "$W/hub.json.saved"
sed -i '/"idle_timeout_ms"/d; /"max_connections_per_node"/d; /"case_number_pattern"/d; s/"max_frame_bytes": \([0-9]*\),/"max_frame_bytes": \1/' "$HUB_DATA/hub.json"
check_lacks "(the field is gone from hub.json)" "$(cat "$HUB_DATA/hub.json")" "idle_timeout_ms"
run hub --json nodes
check_eq "a hub.json without idle_timeout_ms, max_connections_per_node and case_number_pattern (older hubs) still loads" "0" "$RC${ERR:+: $ERR}"
cp "$W/hub.json.saved" "$HUB_DATA/hub.json"
run "$HUB_BIN" init --data "$W/bad" --ca "$W/ca/ca.pem" --cert "$(pki_cert city:hub)" --key "$(pki_key city:hub)" \
  --idle-timeout 0
check_true "liaison-hub init refuses --idle-timeout 0, saying what it wants" "exit $RC, $ERR" \
  test "$RC" -ne 0 -a -n "$(printf '%s' "$ERR" | grep 'idle-timeout.*seconds')"
# A soft descriptor limit far below what scenario 5 needs; the hub must
# raise it to the hard limit itself.
hard_limit=$(ulimit -Hn)
ulimit -Sn 256
hub_start
ulimit -Sn "$hard_limit"
client_init longyou longyou:office-1
client_init kaihua kaihua:office-1
client_init desk city:desk-1

# ---- the state a hostile peer must not change ----
run client longyou --json case new --kind delegation_visit --title "日本佐野市友好代表团来访" --set organisation=佐野市役所
ly_case=$(json_str "$OUT" id)
run client kaihua --json case new --kind donation --title "旅法华侨捐赠开化县助学款" --set country=France
run client longyou --json sync
[ "$RC" -eq 0 ] || e2e_abort "longyou syncs: exit $RC, $ERR"
run hub --json directive issue --to kaihua --kind task --title "报送涉外突发事件应急预案" --due 2026-12-31
directive=$(json_str "$OUT" id)
run client kaihua --json sync
run client kaihua --json directive ack "$directive" --reply "已报送"
run client kaihua --json sync
[ "$RC" -eq 0 ] && [ -n "$directive" ] || e2e_abort "kaihua syncs its case and its receipt of the directive: exit $RC, $ERR"
run client desk --json sync
state=$(hub_state)
check_contains "the hub has Kaihua's reply to the directive" "$state" "已报送"

# ---- 1. a 4 GiB length prefix ----
hwm_before=$(kb_of "$HUB_PID" VmHWM)
peer longyou:field-2 huge-prefix
check_eq "huge prefix: the hub answers with an error" "error" "$(fields answer | tail -n1)"
check_eq "huge prefix: the error is frame_too_large" "frame_too_large" "$(field error_code)"
check_contains "huge prefix: the message gives the size and the limit" "$(field error_message)" "4294967295 bytes, above the limit"
check_eq "huge prefix: the hub closed the connection" "yes" "$(field closed)"
hwm_after=$(kb_of "$HUB_PID" VmHWM)
echo "# hub VmHWM before/after the 4 GiB prefix: $hwm_before / $hwm_after kB"
check_true "huge prefix: the hub's peak memory grew by less than 4 MB ($hwm_before -> $hwm_after kB)" \
  "grew by $((hwm_after - hwm_before)) kB" test $((hwm_after - hwm_before)) -lt 4096
still_serving "huge prefix" "$state"

# ---- 2. deeply nested msgpack in a valid frame ----
peer longyou:field-2 deep-nesting --depth 100000
check_eq "deep nesting: the hub answers with an error" "error" "$(fields answer | tail -n1)"
check_eq "deep nesting: the error is malformed" "malformed" "$(field error_code)"
check_contains "deep nesting: the message says it nests too deep" "$(field error_message)" "nests deeper than"
check_eq "deep nesting: the hub closed the connection" "yes" "$(field closed)"
still_serving "deep nesting" "$state"

# ---- 3. valid messages, wrong for the session ----
# wrong_message LABEL EXPECTED_ANSWERS NEEDLE MESSAGE...
wrong_message() {
  local label=$1 answers=$2 needle=$3
  shift 3
  peer longyou:field-2 send "$@"
  check_eq "$label: the hub's answers" "$answers" "$(fields answer | tr '\n' ' ' | sed 's/ $//')"
  check_eq "$label: typed error" "unexpected_message" "$(field error_code)"
  check_contains "$label: the message says what was wrong" "$(field error_message)" "$needle"
  check_eq "$label: the hub closed the connection" "yes" "$(field closed)"
}
wrong_message "push before hello" "error" "push before hello" push
wrong_message "pull before hello" "error" "pull before hello" pull
wrong_message "welcome sent by a client" "welcome error" "welcome is a hub-to-client message" hello welcome
wrong_message "changes sent to the hub" "welcome error" "changes is a hub-to-client message" hello changes
wrong_message "a second hello" "welcome error" "hello sent twice" hello hello
# Whatever follows the refused message is not acted on.
wrong_message "push_ack then pull" "welcome error" "push_ack is a hub-to-client message" hello push_ack pull
still_serving "wrong messages" "$state"
# A node name that would write a line of its own into the hub's log.
forged=$'x\n2026-01-01 00:00:00 connected city:hub from 10.9.9.9 \e[2J'
peer longyou:field-2 send hello --claim "$forged"
check_eq "a hello naming a forged node: typed error" "malformed" "$(field error_code)"
check_true "the hub's log has no line the peer wrote" "$(grep -a "10.9.9.9" "$HUB_LOG")" \
  bash -c '! grep -aq "^2026-01-01 00:00:00 connected city:hub" "$1"' _ "$HUB_LOG"
check_true "the peer's text appears escaped in the line about it" "$(grep -a "10.9.9.9" "$HUB_LOG")" \
  grep -aq 'x\\n2026-01-01 00:00:00 connected city:hub from 10.9.9.9 \\x1b\[2J' "$HUB_LOG"
check_true "and no escape character reaches the log" "$(grep -a "10.9.9.9" "$HUB_LOG")" \
  bash -c '! grep -aq $'"'"'\e'"'"' "$1"' _ "$HUB_LOG"

# ---- 5. many idle connections while an honest client syncs ----
check_lacks "a hub with a 300 s idle timeout does not warn about it" "$(cat "$HUB_LOG")" "warning: idle timeout"
check_lacks "the hub did not warn about its descriptor limit (it raised 256 to $hard_limit)" "$(cat "$HUB_LOG")" "warning: this process may open only"
rss_before=$(kb_of "$HUB_PID" VmRSS)
"$PEER" --hub "127.0.0.1:$HUB_PORT" --ca "$W/ca/ca.pem" --cert "$(pki_cert longyou:field-2)" \
  --key "$(pki_key longyou:field-2)" --wait-ms 150000 hold "$CONNECTIONS" >"$W/hold.out" 2>&1 &
hold_pid=$!
LIAISON_PIDS+=("$hold_pid")
if ! wait_for 160 grep -q "^held=" "$W/hold.out"; then
  fail "the peer opened $CONNECTIONS connections within 160 s: $(cat "$W/hold.out")"
fi
check_eq "all $CONNECTIONS idle connections are open at once" "$CONNECTIONS" "$(sed -n 's/^held=//p' "$W/hold.out")"
rss_held=$(kb_of "$HUB_PID" VmRSS)
run client longyou --json case set "$ly_case" "purpose=友城交流"
sync_start=$(now_ms)
run client longyou --json sync
sync_ms=$(($(now_ms) - sync_start))
check_eq "with $CONNECTIONS idle connections open, an honest client syncs (exit status)" 0 "$RC"
check_eq "... and pushes its change (purpose and updated_at)" "2" "$(json_num "$OUT" pushed)"
echo "# $(sed -n 's/^open_ms=//p' "$W/hold.out") ms to open $CONNECTIONS connections; honest sync meanwhile: $sync_ms ms"
echo "# hub VmRSS: $rss_before kB before, $rss_held kB holding $CONNECTIONS idle connections"
check_true "the honest sync took under 10 s" "took $sync_ms ms" test "$sync_ms" -lt 10000
check_true "the hub's memory holding $CONNECTIONS connections stays under $MAX_RSS_MB MB" "VmRSS $rss_held kB" \
  test "$rss_held" -lt $((MAX_RSS_MB * 1024))
kill -TERM "$hold_pid" 2>/dev/null || true
wait "$hold_pid" 2>/dev/null || true
liaison_forget "$hold_pid"
check_eq "the hub closed none of the idle connections before its idle timeout" "0" "$(sed -n 's/^hub_closed=//p' "$W/hold.out")"
state=$(hub_state)
still_serving "after the idle connections" "$state"

# ---- 6. an acknowledged push replayed after newer writes ----
replayed=$(new_uuid)
peer longyou:field-2 push --table cases --row "$replayed" --set kind=delegation_visit --set county=longyou \
  --set "title=韩国光州代表团（初稿）" --set status=draft --set created_by=longyou:field-2 --set organisation=光州广域市 \
  --save "$W/old-push.frame"
check_eq "replay: the original push is acknowledged with no rejection" "push_ack/0" "$(fields answer | tail -n1)/$(field rejections)"
run client longyou --json sync
run client longyou --json case set "$replayed" "title=韩国光州代表团来访" "organisation=光州广域市厅"
run client longyou --json sync
check_eq "replay: longyou's newer title and organisation (and updated_at) reach the hub" "0/3" "$RC/$(json_num "$OUT" pushed)"
run hub --json case show "$replayed"
before_replay=$OUT
conflicts_before=$(hub --json conflicts --all)
peer longyou:field-2 replay "$W/old-push.frame"
check_eq "replay: the hub acknowledges the copy" "push_ack" "$(fields answer | tail -n1)"
check_eq "replay: with no rejection" "0" "$(field rejections)"
run hub --json case show "$replayed"
check_eq "replay: the hub's case keeps the newer values" "$before_replay" "$OUT"
check_contains "replay: the newer title stays" "$OUT" '"title":"韩国光州代表团来访"'
check_eq "replay: nothing is logged as a conflict" "$conflicts_before" "$(hub --json conflicts --all)"
run client longyou --json sync
run client longyou --json case show "$replayed"
check_contains "replay: longyou still has the newer title" "$OUT" '"title":"韩国光州代表团来访"'
state=$(hub_state)
still_serving "replay" "$state"

# ---- 7. a change stamped a year in the hub's future ----
year_ms=$((365 * 24 * 3600 * 1000))
future=$(new_uuid)
peer longyou:field-2 push --table cases --row "$future" --set kind=delegation_visit --set county=longyou \
  --set "title=来自未来的来访" --set status=draft --set created_by=longyou:field-2 --ahead-ms "$year_ms"
rejected=$(fields rejection)
check_eq "clock ahead: every cell of the new case is refused" "5" "$(field rejections)"
check_eq "clock ahead: each refusal is clock_ahead" "5" "$(printf '%s\n' "$rejected" | grep -c " clock_ahead ")"
check_contains "clock ahead: the reason says how far ahead" "$(printf '%s\n' "$rejected" | head -n1)" "s ahead of the hub"
run hub --json case show "$future"
check_true "clock ahead: the hub did not store the case" "exit $RC, $OUT" test "$RC" -ne 0
check_contains "clock ahead: case show says there is no such case" "$ERR" "no case $future at the hub"
still_serving "clock ahead" "$state"

# A real client whose clock runs a year ahead.
client_init ahead qujiang:office-1
run "$PEER" set-clock-offset --replica "$W/ahead/replica.db" --node qujiang:office-1 --offset-ms "$year_ms"
[ "$RC" -eq 0 ] || e2e_abort "the skewed client's clock is set a year ahead: $OUT $ERR"
run client ahead --json case new --kind foreign_incident --title "外籍游客在江郎山受伤" --set location=江郎山
ahead_case=$(json_str "$OUT" id)
run client ahead --json status
check_eq "skewed client: its status shows the clock a year ahead" "$year_ms" "$(json_num "$OUT" clock_offset_ms)"
run client ahead --json sync
echo "# a client a year ahead runs sync: exit $RC, out $OUT, err ${ERR:-(none)}"
check_eq "skewed client: its first sync completes (exit status)" 0 "$RC"
check_eq "skewed client: nothing refused" "0" "$(json_num "$OUT" rejections)"
run client ahead --json status
offset=$(json_num "$OUT" clock_offset_ms)
echo "# its clock offset after that sync: $offset ms"
check_true "skewed client: its clock offset is corrected to within 5 s of the hub" "offset $offset ms" \
  test "${offset#-}" -lt 5000
run client ahead --json rejections
check_eq "skewed client: it has no rejection to show" "[]" "$OUT"
run hub --json case show "$ahead_case"
check_contains "skewed client: the hub has its case" "$OUT" "外籍游客在江郎山受伤"
# Only stamps are corrected: field values the client computed from its
# wrong clock (updated_at) stay as written.
echo "# its case's updated_at at the hub: $(json_num "$OUT" updated_at) (hub time now: $(now_ms))"
run client ahead --json case set "$ahead_case" "severity=一般"
run client ahead --json sync
check_eq "skewed client: its next change (severity, updated_at) is accepted too" "0/2/0" "$RC/$(json_num "$OUT" pushed)/$(json_num "$OUT" rejections)"
state=$(hub_state)

# ---- 8. writes a county certificate may not make ----
peer longyou:field-2 push --table directives --row "$(new_uuid)" --set kind=notice --set "title=伪造的市外办通知" \
  --set targets=longyou --set issued_by=longyou:field-2 --set "issued_at=$(now_ms)"
check_true "a directive from a Longyou certificate is refused not_permitted" "saw $OUT" \
  test -n "$(fields rejection | grep ' not_permitted ')"
check_eq "... every cell of it" "$(field rejections)" "$(fields rejection | grep -c ' not_permitted ')"
peer longyou:field-2 push --table directive_receipts --row "$directive:kaihua" --set "reply=篡改开化的回复"
check_true "Kaihua's receipt written by a Longyou certificate is refused out_of_scope" "saw $OUT" \
  test -n "$(fields rejection | grep "directive_receipts .* reply out_of_scope ")"
check_eq "... the push is acknowledged, its one cell refused" "1/0" "$(field rejections)/$(field applied)"
still_serving "forbidden writes" "$state"
run hub --json directive list
check_contains "Kaihua's reply at the hub is still its own" "$OUT" "已报送"
check_lacks "the forged reply is nowhere at the hub" "$OUT" "篡改开化的回复"

no_failed_coroutine "scenarios 1-3 and 5-8"

# ---- 5b. a hub whose hard descriptor limit is too small ----
if [ "$FD_EXHAUSTION" = 1 ]; then
  hub_stop
  : >"$HUB_LOG"
  (ulimit -n 96 && exec "$HUB_BIN" serve --data "$HUB_DATA" 2>>"$HUB_LOG") &
  HUB_PID=$!
  LIAISON_PIDS+=("$HUB_PID")
  wait_for 10 grep -q "listening on" "$HUB_LOG" || e2e_abort "the hub starts with 96 descriptors: $(cat "$HUB_LOG")"
  check_contains "a hub with 96 descriptors warns at start" "$(cat "$HUB_LOG")" "warning: this process may open only 96 files"
  "$PEER" --hub "127.0.0.1:$HUB_PORT" --ca "$W/ca/ca.pem" --cert "$(pki_cert longyou:field-2)" \
    --key "$(pki_key longyou:field-2)" --wait-ms 5000 hold 150 >"$W/hold-limit.out" 2>&1 &
  hold_pid=$!
  LIAISON_PIDS+=("$hold_pid")
  wait_for 30 grep -q "^held=" "$W/hold-limit.out" || fail "the peer stops opening connections: $(cat "$W/hold-limit.out")"
  held=$(sed -n 's/^held=//p' "$W/hold-limit.out")
  echo "# with 96 descriptors the hub took $held of 150 connections"
  check_true "out of descriptors: the hub took some connections but not all" "held $held" test "${held:-0}" -gt 0 -a "${held:-0}" -lt 150
  cpu_before=$(awk '{print $14 + $15}' "/proc/$HUB_PID/stat")
  sleep 2  # the hub stays out of descriptors meanwhile: how much CPU does it burn?
  cpu_ticks=$(($(awk '{print $14 + $15}' "/proc/$HUB_PID/stat") - cpu_before))
  failures=$(grep -c "accept failed" "$HUB_LOG" || true)
  echo "# out of descriptors for 2 s: $cpu_ticks CPU ticks, $failures 'accept failed' log lines"
  check_true "out of descriptors: the hub does not spin (under half a core for 2 s)" "$cpu_ticks ticks" \
    test "$cpu_ticks" -lt "$(($(getconf CLK_TCK) * 2 / 2))"
  check_true "out of descriptors: the hub logs it once, not in a flood" "$failures lines" test "$failures" -le 3
  kill -TERM "$hold_pid" 2>/dev/null || true
  wait "$hold_pid" 2>/dev/null || true
  liaison_forget "$hold_pid"
  sync_ok() { client longyou --json sync >/dev/null 2>&1; }
  check_true "once the connections close, an honest client syncs again" "it did not within 20 s: $(tail -n 3 "$HUB_LOG")" \
    wait_for 20 sync_ok
  no_failed_coroutine "out of descriptors"
else
  echo "# skipped: running the hub out of descriptors (E2E_HOSTILE_FD_EXHAUSTION=0, sanitized build)"
fi

# ---- 4. a peer that completes TLS and then says nothing ----
hub_stop
"$HUB_BIN" init --data "$HUB_DATA" --ca "$W/ca/ca.pem" --cert "$(pki_cert city:hub)" --key "$(pki_key city:hub)" \
  --crl "$W/ca/crl.pem" --listen "127.0.0.1:$HUB_PORT" --idle-timeout 2 --force >/dev/null
check_contains "hub.json records the idle timeout" "$(cat "$HUB_DATA/hub.json")" '"idle_timeout_ms": 2000'
hub_start
check_contains "a hub with a 2 s idle timeout warns that watching clients (10 s heartbeat) would be dropped" \
  "$(cat "$HUB_LOG")" "warning: idle timeout 2 s is less than twice the clients' 10 s heartbeat"
peer longyou:field-2 --wait-ms 20000 idle
after=$(field closed_after_ms)
echo "# a silent peer was dropped ${after:-never} ms after its TLS handshake (idle timeout 2000 ms)"
check_eq "silent peer: the hub closed the connection" "yes" "$(field closed)"
check_eq "silent peer: it says why" "timeout" "$(field error_code)"
check_true "silent peer: not before the 2 s idle timeout" "after ${after:-?} ms" test "${after:-0}" -ge 2000
check_true "silent peer: within 2 s + 4 s" "after ${after:-?} ms" test "${after:-99999}" -le 6000
still_serving "silent peer" "$state"

check_eq "after everything: the hub's cases, directives and conflicts are as they were" "$state" "$(hub_state)"
no_failed_coroutine "silent peer"

e2e_finish
