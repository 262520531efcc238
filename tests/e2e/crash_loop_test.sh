#!/usr/bin/env bash
# Crash loop: real liaison-client and liaison-hub processes are killed with
# SIGKILL at random moments, again and again, while three clients in two
# counties (longyou:office-1, longyou:field-2, kaihua:office-1) keep writing
# new cases, field edits and notes — some of them committed while a sync of
# the same replica is running. Each iteration picks one fault:
#   - a client's `sync` is killed mid-exchange (push or pull);
#   - the hub is killed while every client pushes (one of them possibly a
#     large batch, so that the kill lands inside merges; one possibly a
#     `sync --watch`, which must reconnect by itself and push a new note),
#     sometimes killed again while it starts, then restarted on the same
#     port and data;
#   - a client's `sync --watch` is killed while it streams live changes
#     (sometimes with a one-shot `sync` of the same replica beside it);
#   - a local write (`case new`, `case set`, or a bulk of hundreds of cases
#     in one transaction) is killed mid-transaction.
# After every fault: `PRAGMA integrity_check` is ok on every replica file; a
# killed local write is all or nothing; after a hub restart, every write a
# client's completed `sync` had pushed (and the hub therefore acknowledged)
# is still on the hub; a fault-free sync of some client completes (nobody is
# left unable to recover). At the end, after a fault-free sync of everyone:
# every write whose command exited 0 (the ledger) is on the hub exactly once
# with its latest value, the hub has nothing no client wrote, nothing was
# logged as a conflict or refused, each county's clients list exactly the
# hub's cases of that county, and the hub shows each case exactly as its
# writer does.
#   CRASH_ITERATIONS=N (default 50)  CRASH_SEED=S (replays the random choices)
#   CRASH_BULK_MAX=N (largest bulk write, default 1500 cases)
# The kill moments are wall-clock delays, so a seed replays the choices of
# faults, writes and delays, not the exact instant each kill lands.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
BULK=$LIAISON_BIN/tests/liaison-e2e-bulk-cases
e2e_require_programs "$BULK"
if ! command -v sqlite3 >/dev/null; then
  e2e_abort "the sqlite3 command-line shell is needed for PRAGMA integrity_check (scripts/install-deps.sh installs it)"
fi

ITERATIONS=${CRASH_ITERATIONS:-50}
SEED=${CRASH_SEED:-$(((RANDOM << 15) | RANDOM))}
BULK_MAX=${CRASH_BULK_MAX:-1500}
RANDOM=$SEED  # every later $RANDOM (read in this shell, never in a $(...)) follows the seed
echo "# crash loop: $ITERATIONS iterations, seed $SEED (replay with CRASH_SEED=$SEED), bulk writes up to $BULK_MAX cases"

W=$LIAISON_WORK
CLIENTS=(office field kaihua)
declare -A NODE=([office]=longyou:office-1 [field]=longyou:field-2 [kaihua]=kaihua:office-1)
declare -A COUNTY=([office]=longyou [field]=longyou [kaihua]=kaihua)
declare -A OWN=([office]="" [field]="" [kaihua]="")  # cases each client opened with `case new`, which it edits
declare -A ACKED=([office]=0 [field]=0 [kaihua]=0)   # ledger entries up to this number are acknowledged by the hub
LEDGER=$W/ledger.tsv  # one committed write per line: number, client, what, case id, field, value
: >"$LEDGER"
SEQ=0
# Figures for the summary.
declare -A FIGURE=()
count() { FIGURE[$1]=$((${FIGURE[$1]:-0} + 1)); }

pki_init city:hub "${NODE[@]}"
hub_start
for c in "${CLIENTS[@]}"; do client_init "$c" "${NODE[$c]}"; done
replica_of() { if [ "$1" = hub ]; then echo "$HUB_DATA/hub.db"; else echo "$W/$1/replica.db"; fi; }

# ---- randomness from the seed ----
# rnd N: R = a number in [0, N). Sets a variable instead of printing, so
# that $RANDOM is drawn in this shell.
rnd() { R=$((RANDOM % $1)); }
pick_client() { rnd ${#CLIENTS[@]}; PICKED=${CLIENTS[$R]}; }
# sleep_ms N
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }
# sleep_until_ms T: sleeps until now_ms reaches T (a kill moment counted
# from when the victim started, whatever was done meanwhile).
sleep_until_ms() {
  local left=$(($1 - $(now_ms)))
  [ "$left" -le 0 ] || sleep_ms "$left"
}

# ---- the ledger of committed writes ----
# ledger CLIENT WHAT CASE FIELD VALUE (SEQ is the write's number)
ledger() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$SEQ" "$@" >>"$LEDGER"; }

# A random case CLIENT opened, in CASE_ID ("" if none yet).
pick_own_case() {
  local -a own
  read -r -a own <<<"${OWN[$1]}"
  CASE_ID=
  [ ${#own[@]} -gt 0 ] || return 0
  rnd ${#own[@]}
  CASE_ID=${own[$R]}
}

# The writes. Each value carries the write's number, so that every value
# is unique and the checker knows which of two values is the later one.
write_case_new() {  # CLIENT
  local c=$1 id
  SEQ=$((SEQ + 1))
  local title="第${SEQ}号 ${COUNTY[$c]} 出访案 ($c)" purpose="w${SEQ} 考察港口合作" destination="w${SEQ} Hamburg"
  run client "$c" --json case new --kind outbound_trip --title "$title" --set "purpose=$purpose" --set "destination=$destination"
  if [ "$RC" -ne 0 ]; then
    fail "$c: case new exits 0 (the replica is writable whatever the sync does): exit $RC, $ERR"
    return 0
  fi
  id=$(json_str "$OUT" id)
  ledger "$c" case "$id" title "$title"
  ledger "$c" set "$id" purpose "$purpose"
  ledger "$c" set "$id" destination "$destination"
  OWN[$c]+=" $id"
  count writes
}
write_case_set() {  # CLIENT
  local c=$1
  pick_own_case "$c"
  [ -n "$CASE_ID" ] || { write_case_new "$c"; return 0; }
  SEQ=$((SEQ + 1))
  local purpose="w${SEQ} 修改目的" destination="w${SEQ} Bremen"
  run client "$c" case set "$CASE_ID" "purpose=$purpose" "destination=$destination"
  if [ "$RC" -ne 0 ]; then
    fail "$c: case set exits 0: exit $RC, $ERR"
    return 0
  fi
  ledger "$c" set "$CASE_ID" purpose "$purpose"
  ledger "$c" set "$CASE_ID" destination "$destination"
  count writes
}
write_note() {  # CLIENT; sets NOTE_WRITTEN to the note's text ("" if none was written)
  local c=$1
  NOTE_WRITTEN=
  pick_own_case "$c"
  [ -n "$CASE_ID" ] || { write_case_new "$c"; return 0; }
  SEQ=$((SEQ + 1))
  local body="n${SEQ} 现场笔记：代表团行程确认"
  run client "$c" note add "$CASE_ID" "$body"
  if [ "$RC" -ne 0 ]; then
    fail "$c: note add exits 0: exit $RC, $ERR"
    return 0
  fi
  ledger "$c" note "$CASE_ID" body "$body"
  NOTE_WRITTEN=$body
  count writes
}
write_random() {  # CLIENT
  rnd 3
  case $R in
    0) write_case_new "$1" ;;
    1) write_case_set "$1" ;;
    2) write_note "$1" ;;
  esac
}

# Ledgers the cases of a bulk write named PREFIX from `case list --json`
# lines on stdin: "id<TAB>title".
ledger_bulk_lines() {  # CLIENT
  local id title
  while IFS=$'\t' read -r id title; do ledger "$1" case "$id" title "$title"; done
}
bulk_lines_of() {  # JSON PREFIX: the "id<TAB>title" of cases whose title starts with PREFIX
  json_objects_with "$1" "\"title\":\"$2 " | sed 's/^{"id":"\([0-9a-f-]*\)".*"title":"\([^"]*\)".*$/\1\t\2/'
}

# ---- checks ----
check_integrity() {  # WHEN NAME...
  local when=$1 name result
  shift
  for name in "$@"; do
    result=$(sqlite3 -readonly "$(replica_of "$name")" 'PRAGMA integrity_check' 2>&1 || true)
    if [ "$result" = ok ]; then
      count integrity_checks
    else
      fail "$when: integrity_check of $name's replica is ok: $(printf '%s' "$result" | head -c 300)"
    fi
  done
}

# The hub's cases and notes straight from its file, for the ledger checker:
# "case<TAB>hex id<TAB>title<TAB>purpose<TAB>destination" and
# "note<TAB>case id<TAB>body".
hub_dump() {
  sqlite3 -readonly -separator $'\t' "$(replica_of hub)" \
    "SELECT 'case', lower(hex(id)), title, coalesce(purpose, ''), coalesce(destination, '') FROM cases;
     SELECT 'note', replace(case_id, '-', ''), body FROM case_notes;"
}

# check_ledger MODE: compares the ledger with the hub's file; prints one
# line per violation.
#   acked: every write a client's completed sync pushed (number <= ACKED of
#          that client) is on the hub; a field shows that value or a later
#          one of the ledger.
#   final: every write of the ledger is on the hub exactly once, each field
#          has its last value, and the hub has no case or note the ledger
#          does not know.
check_ledger() {
  local mode=$1 c watermarks=""
  for c in "${CLIENTS[@]}"; do watermarks+="$c=${ACKED[$c]} "; done
  hub_dump >"$W/hub.dump" || { echo "reading the hub's file failed"; return 0; }
  awk -F'\t' -v mode="$mode" -v watermarks="$watermarks" '
    BEGIN {
      n = split(watermarks, pairs, " ")
      for (i = 1; i <= n; i++) { split(pairs[i], kv, "="); acked[kv[1]] = kv[2] + 0 }
    }
    FNR == NR {  # the ledger
      seq = $1 + 0; client = $2; what = $3; id = $4; gsub("-", "", id)
      is_acked = (mode == "final" || seq <= acked[client])
      if (what == "case") {
        known_case[id] = $6
        if (is_acked) want_case[id] = $6
      } else if (what == "set") {
        key = id SUBSEP $5
        written[key, $6] = seq
        last[key] = $6
        if (is_acked) { acked_value[key] = $6; acked_seq[key] = seq }
      } else if (what == "note") {
        known_note[id, $6] = 1
        if (is_acked) want_note[id, $6] = 1
      }
      next
    }
    $1 == "case" {
      hub_case[$2] = $3; hub_field[$2 SUBSEP "title"] = $3
      hub_field[$2 SUBSEP "purpose"] = $4; hub_field[$2 SUBSEP "destination"] = $5
      if (mode == "final" && !($2 in known_case)) print "the hub has case " $2 " (" $3 ") that no client wrote"
      next
    }
    $1 == "note" {
      hub_notes[$2, $3]++
      if (mode == "final" && !(($2, $3) in known_note)) print "the hub has note \"" $3 "\" on case " $2 " that no client wrote"
      next
    }
    END {
      for (id in want_case) {
        if (!(id in hub_case)) print "case " id " (" want_case[id] ") is not on the hub"
        else if (hub_case[id] != want_case[id]) print "case " id ": title \"" hub_case[id] "\", written \"" want_case[id] "\""
      }
      for (key in acked_value) {
        split(key, part, SUBSEP)
        if (!(part[1] in hub_case)) continue  # reported above
        seen = hub_field[key]
        if (mode == "final") {
          if (seen != last[key]) print "case " part[1] " " part[2] ": hub has \"" seen "\", last written \"" last[key] "\""
        } else if (!((key, seen) in written) || written[key, seen] < acked_seq[key]) {
          print "case " part[1] " " part[2] ": hub has \"" seen "\", acknowledged \"" acked_value[key] "\" (or later)"
        }
      }
      for (key in want_note) {
        split(key, part, SUBSEP)
        if (!(key in hub_notes)) print "note \"" part[2] "\" on case " part[1] " is not on the hub"
        else if (hub_notes[key] > 1) print "note \"" part[2] "\" on case " part[1] " is on the hub " hub_notes[key] " times"
      }
    }' "$LEDGER" "$W/hub.dump"
}

# A command that must not hang: run with a generous deadline.
LONG=120  # seconds; a loaded machine running sanitized programs is slow
# How long a fault-free sync takes here (a running average, in ms): the
# kill delays are drawn around it, so that kills land mid-sync on a fast
# machine as on a loaded one.
SYNC_MS=100
sync_ok() {  # CLIENT WHEN: a fault-free sync must complete; marks what it pushed acknowledged
  local c=$1 when=$2 upto=$SEQ t0
  t0=$(now_ms)
  run timeout "$LONG" "$CLIENT_BIN" --data "$W/$c" --json sync
  if [ "$RC" -eq 0 ]; then
    SYNC_MS=$(((3 * SYNC_MS + $(now_ms) - t0) / 4))
    ACKED[$c]=$upto
    count clean_syncs
    local rejections
    rejections=$(json_num "$OUT" rejections)
    [ "$rejections" = 0 ] || fail "$when: $c's sync had no rejections: $OUT"
  else
    fail "$when: a fault-free sync of $c completes (exit $RC; 124 means it hung for ${LONG}s): $ERR"
  fi
}

# wait_or_hang PID WHAT [SIGNAL]: sends SIGNAL to PID if given, then sets
# WAIT_RC to PID's exit status; a process that outlives the deadline is a
# hang (reported, then killed).
wait_or_hang() {
  local pid=$1 what=$2 deadline=$(($(now_ms) + LONG * 1000)) hung=0
  {  # stderr closed: bash would print a "Killed" notice when it reaps the job
    [ -z "${3:-}" ] || kill "-$3" "$pid" || true
    while kill -0 "$pid" && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.05; done
    if kill -0 "$pid"; then
      hung=1
      kill -KILL "$pid" || true
    fi
    WAIT_RC=0
    wait "$pid" || WAIT_RC=$?
  } 2>/dev/null
  [ "$hung" -eq 0 ] || fail "$what ended within ${LONG}s (it hung; seed $SEED)"
  liaison_forget "$pid"
}

# A program that failed because its peer was killed must fail cleanly: in a
# sanitized build, its stderr must not hold a sanitizer's report.
check_no_sanitizer_report() {  # FILE WHAT
  if grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$1" 2>/dev/null; then
    fail "iteration $it: $2 ended without a sanitizer report (seed $SEED): $(grep -m1 "ERROR\|runtime error" "$1")"
  fi
}

hub_has_note() {  # TEXT
  [ "$(sqlite3 -readonly "$(replica_of hub)" "SELECT count(*) FROM case_notes WHERE body = '$1'")" = 1 ]
}

# ---- the faults ----
# A client's sync killed at a random moment; writes committed meanwhile.
fault_client_sync() {
  pick_client
  local c=$PICKED upto pid window=$((SYNC_MS + 1))
  rnd 3
  if [ "$R" -eq 0 ]; then
    bulk_write "$c"  # a long push
    window=$((window + BULK_WRITTEN / 2))
  fi
  upto=$SEQ
  rnd "$window"
  local kill_at=$(($(now_ms) + R))
  "$CLIENT_BIN" --data "$W/$c" --json sync >"$W/sync.$c.out" 2>"$W/sync.$c.err" &
  pid=$!
  LIAISON_PIDS+=("$pid")
  rnd 2
  [ "$R" -eq 0 ] || write_random "$c"  # committed while the sync runs
  sleep_until_ms "$kill_at"
  wait_or_hang "$pid" "$c's sync" KILL
  if [ "$WAIT_RC" -eq 0 ]; then
    ACKED[$c]=$upto
    count client_kills_after_sync_completed
  else
    count client_kills_mid_sync
  fi
  check_integrity "iteration $it (killed $c's sync)" "$c"
}

# The hub killed while every client pushes; restarted on the same port.
fault_hub() {
  # Three syncs share two cores; a kill drawn from twice one sync's time
  # lands mid-sync often enough that ten kills never all miss.
  local c pid watcher="" window=$((SYNC_MS * 2))
  declare -A pids=() upto=()
  rnd 2
  if [ "$R" -eq 0 ]; then
    pick_client
    bulk_write "$PICKED"
    window=$((window + BULK_WRITTEN / 2))  # ~8 cells a case, pushed in batches of 1000
  fi
  rnd 3
  [ "$R" -ne 0 ] || { pick_client; watcher=$PICKED; }
  rnd "$window"
  local kill_at=$(($(now_ms) + R))
  for c in "${CLIENTS[@]}"; do
    upto[$c]=$SEQ
    if [ "$c" = "$watcher" ]; then
      client_watch "$c"
      pids[$c]=$WATCH_PID
    else
      "$CLIENT_BIN" --data "$W/$c" --json sync >"$W/sync.$c.out" 2>"$W/sync.$c.err" &
      pids[$c]=$!
      LIAISON_PIDS+=("${pids[$c]}")
    fi
  done
  pick_client
  write_random "$PICKED"  # committed while the syncs run
  sleep_until_ms "$kill_at"
  { hub_stop KILL; } 2>/dev/null  # quiet: bash would print "Killed" for it
  count hub_kills
  local interrupted=0
  for c in "${CLIENTS[@]}"; do
    if [ "$c" = "$watcher" ]; then
      continue  # the watcher rides out the restart, then is killed below
    fi
    wait_or_hang "${pids[$c]}" "$c's sync, after the hub was killed"
    if [ "$WAIT_RC" -eq 0 ]; then ACKED[$c]=${upto[$c]}; else interrupted=$((interrupted + 1)); fi
    check_no_sanitizer_report "$W/sync.$c.err" "$c's sync cut off by the hub's SIGKILL"
  done
  [ "$interrupted" -eq 0 ] || count hub_kills_that_cut_off_a_sync
  check_integrity "iteration $it (hub killed)" hub "${CLIENTS[@]}"
  [ -z "$watcher" ] || check_no_sanitizer_report "$W/$watcher.watch.log" "$watcher's sync --watch, whose hub was killed"
  cp "$HUB_LOG" "$W/hub.before-restart.log"
  rnd 4
  if [ "$R" -eq 0 ]; then
    # Killed again while it starts (opening its replica, binding the port).
    "$HUB_BIN" serve --data "$HUB_DATA" 2>>"$W/hub.before-restart.log" &
    pid=$!
    LIAISON_PIDS+=("$pid")
    rnd $((SYNC_MS + 1))
    sleep_ms "$R"
    wait_or_hang "$pid" "a starting hub" KILL
    count hub_kills_while_starting
    check_integrity "iteration $it (hub killed while starting)" hub
  fi
  if ! hub_start; then
    e2e_abort "iteration $it: the hub restarts after SIGKILL (seed $SEED)"
  fi
  local lost
  lost=$(check_ledger acked)
  if [ -z "$lost" ]; then
    count acked_checks
  else
    fail "iteration $it: every acknowledged write survives the hub's SIGKILL (seed $SEED): $(printf '%s\n' "$lost" | head -n 5 | tr '\n' ';')"
  fi
  if [ -n "$watcher" ]; then
    # The watcher reconnects to the restarted hub by itself and pushes
    # what is written meanwhile.
    write_note "$watcher"
    if [ -n "$NOTE_WRITTEN" ]; then
      if wait_for "$LONG" hub_has_note "$NOTE_WRITTEN"; then
        count watchers_back_after_a_hub_restart
      else
        fail "iteration $it: $watcher's sync --watch pushes a new note to the restarted hub within ${LONG}s (seed $SEED): $(tail -n 3 "$W/$watcher.watch.log" | tr '\n' ' ')"
      fi
    fi
    rnd 800
    sleep_ms "$R"
    wait_or_hang "${pids[$watcher]}" "$watcher's sync --watch" KILL
    count watcher_kills
    check_integrity "iteration $it (killed $watcher's watcher)" "$watcher"
  fi
}

# A client's `sync --watch` killed while live changes flow; sometimes the
# user also runs a one-shot `sync` of the same replica meanwhile, which
# must complete as if the watcher were not there.
fault_watch() {
  pick_client
  local c=$PICKED n
  client_watch "$c"
  rnd 3
  for n in $(seq 0 "$R"); do write_random "$c"; done
  rnd 2
  if [ "$R" -eq 0 ]; then
    sync_ok "$c" "iteration $it (a sync beside $c's sync --watch)"
    count syncs_beside_a_watcher
  fi
  rnd $((SYNC_MS * 3))
  sleep_ms "$R"
  wait_or_hang "$WATCH_PID" "$c's sync --watch" KILL
  count watcher_kills
  check_integrity "iteration $it (killed $c's watcher)" "$c"
}

# bulk_write CLIENT: hundreds of cases in one transaction, completed; sets
# BULK_WRITTEN and keeps BULK_US_PER_CASE (a running average of how long a
# bulk write takes, per case) for the delays of killed ones.
BULK_US_PER_CASE=100
bulk_write() {
  local c=$1 n
  rnd "$BULK_MAX"
  n=$((R + 1))
  BULK_WRITTEN=$n
  SEQ=$((SEQ + 1))
  local prefix="第${SEQ}批 ${COUNTY[$c]}" t0
  t0=$(now_ms)
  run "$BULK" "$W/$c/replica.db" "${NODE[$c]}" "$n" "$prefix"
  BULK_US_PER_CASE=$(((BULK_US_PER_CASE + ($(now_ms) - t0) * 1000 / n) / 2))
  if [ "$RC" -ne 0 ]; then
    fail "$c: liaison-e2e-bulk-cases writes $n cases: exit $RC, $ERR"
    return 0
  fi
  local i=0 id
  while IFS= read -r id; do
    i=$((i + 1))
    ledger "$c" case "$id" title "$prefix $i"
  done <<<"$OUT"
  count bulk_writes
}

# A local write killed at a random moment: all or nothing.
fault_local_write() {
  pick_client
  local c=$PICKED pid prefix n
  rnd 3
  case $R in
    0)  # a bulk of cases, one transaction
      rnd "$BULK_MAX"
      n=$((R + 1))
      SEQ=$((SEQ + 1))
      prefix="第${SEQ}批 ${COUNTY[$c]}"
      "$BULK" "$W/$c/replica.db" "${NODE[$c]}" "$n" "$prefix" >"$W/bulk.out" 2>"$W/bulk.err" &
      pid=$!
      LIAISON_PIDS+=("$pid")
      rnd $((n * BULK_US_PER_CASE * 3 / 2000 + 10))  # up to ~1.5 times what it takes
      sleep_ms "$R"
      wait_or_hang "$pid" "liaison-e2e-bulk-cases" KILL
      run client "$c" --json case list
      local lines
      lines=$(bulk_lines_of "$OUT" "$prefix")
      local found=0
      [ -z "$lines" ] || found=$(printf '%s\n' "$lines" | wc -l | tr -d ' ')
      if [ "$found" -ne 0 ] && [ "$found" -ne "$n" ]; then
        fail "iteration $it: a killed bulk write of $n cases is all or nothing: $found are on $c's replica (seed $SEED)"
      fi
      [ "$WAIT_RC" -eq 0 ] && [ "$found" -ne "$n" ] && fail "iteration $it: a completed bulk write left its $n cases ($found)"
      [ "$found" -eq 0 ] || printf '%s\n' "$lines" | ledger_bulk_lines "$c"
      if [ "$WAIT_RC" -eq 0 ]; then count local_kills_after_commit; elif [ "$found" -eq 0 ]; then
        count local_kills_rolled_back; else count local_kills_after_commit; fi
      ;;
    1)  # case new
      SEQ=$((SEQ + 1))
      local title="第${SEQ}号 ${COUNTY[$c]} 中断的新案 ($c)" purpose="w${SEQ} 中断测试" destination="w${SEQ} Lübeck"
      "$CLIENT_BIN" --data "$W/$c" --json case new --kind outbound_trip --title "$title" \
        --set "purpose=$purpose" --set "destination=$destination" >/dev/null 2>&1 &
      pid=$!
      LIAISON_PIDS+=("$pid")
      rnd 60
      sleep_ms "$R"
      wait_or_hang "$pid" "case new" KILL
      run client "$c" --json case list
      local line id
      line=$(json_objects_with "$OUT" "\"title\":\"$title\"")
      if [ -z "$line" ]; then
        count local_kills_rolled_back
        [ "$WAIT_RC" -ne 0 ] || fail "iteration $it: case new exited 0 but its case is not on $c's replica"
      else
        id=$(json_str "$line" id)
        run client "$c" --json case show "$id"
        if [ "$(json_str "$OUT" purpose)" = "$purpose" ] && [ "$(json_str "$OUT" destination)" = "$destination" ]; then
          ledger "$c" case "$id" title "$title"
          ledger "$c" set "$id" purpose "$purpose"
          ledger "$c" set "$id" destination "$destination"
          OWN[$c]+=" $id"
          count local_kills_after_commit
        else
          fail "iteration $it: a killed case new is all or nothing: case $id is there without all its fields: $OUT"
        fi
      fi
      ;;
    2)  # case set of two fields
      pick_own_case "$c"
      [ -n "$CASE_ID" ] || { write_case_new "$c"; return 0; }
      SEQ=$((SEQ + 1))
      local purpose="w${SEQ} 中断修改" destination="w${SEQ} Kiel"
      "$CLIENT_BIN" --data "$W/$c" case set "$CASE_ID" "purpose=$purpose" "destination=$destination" >/dev/null 2>&1 &
      pid=$!
      LIAISON_PIDS+=("$pid")
      rnd 60
      sleep_ms "$R"
      wait_or_hang "$pid" "case set" KILL
      run client "$c" --json case show "$CASE_ID"
      local has_purpose=0 has_destination=0
      [ "$(json_str "$OUT" purpose)" != "$purpose" ] || has_purpose=1
      [ "$(json_str "$OUT" destination)" != "$destination" ] || has_destination=1
      if [ "$has_purpose" -ne "$has_destination" ]; then
        fail "iteration $it: a killed case set is all or nothing: $c's case $CASE_ID has one of its two fields: $OUT"
      elif [ "$has_purpose" -eq 1 ]; then
        ledger "$c" set "$CASE_ID" purpose "$purpose"
        ledger "$c" set "$CASE_ID" destination "$destination"
        count local_kills_after_commit
      else
        [ "$WAIT_RC" -ne 0 ] || fail "iteration $it: case set exited 0 but its values are not on $c's replica"
        count local_kills_rolled_back
      fi
      ;;
  esac
  check_integrity "iteration $it (killed a write of $c)" "$c"
}

# ---- the loop ----
started=$(now_ms)
failed_before=0
for it in $(seq 1 "$ITERATIONS"); do
  for c in "${CLIENTS[@]}"; do
    rnd 3
    for n in $(seq 1 "$R"); do write_random "$c"; done
  done
  rnd 4
  case $R in
    0) fault_client_sync ;;
    1) fault_hub ;;
    2) fault_watch ;;
    3) fault_local_write ;;
  esac
  pick_client
  sync_ok "$PICKED" "iteration $it"
  [ $((it % 100)) -ne 0 ] || echo "# iteration $it of $ITERATIONS, $(($(now_ms) - started)) ms, $SEQ writes numbered"
  if [ "$E2E_FAILED" -gt "$failed_before" ]; then
    echo "# iteration $it failed (seed $SEED); the hub's log before its last restart: $(tail -n 5 "$W/hub.before-restart.log" 2>/dev/null | tr '\n' ' ')"
    failed_before=$E2E_FAILED
    [ "$E2E_FAILED" -lt 20 ] || e2e_abort "too many failures; stopping the loop"
  fi
done
loop_ms=$(($(now_ms) - started))

# ---- the end state, after a fault-free sync of everyone (twice: the
# second pass brings each client what the others pushed in the first) ----
for pass in 1 2; do
  for c in "${CLIENTS[@]}"; do sync_ok "$c" "final sync $pass"; done
done
check_integrity "the end" hub "${CLIENTS[@]}"
ok "the loop ran $ITERATIONS iterations in $((loop_ms / 1000)) s ($SEQ writes numbered)"

lost=$(check_ledger final)
if [ -z "$lost" ]; then
  ok "every committed write of the ledger is on the hub exactly once with its last value, and nothing else is"
else
  fail "the hub holds exactly the ledger (seed $SEED): $(printf '%s\n' "$lost" | wc -l) problems: $(printf '%s\n' "$lost" | head -n 8 | tr '\n' ';')"
fi

run hub --json conflicts --all
check_eq "the hub logged no conflicts (no write was applied twice or lost to itself)" "[]" "$OUT"
for c in "${CLIENTS[@]}"; do
  run client "$c" --json status
  check_eq "$c has nothing left to push" 0 "$(json_num "$OUT" pending_changes)"
  check_eq "$c logged no conflicts" 0 "$(json_num "$OUT" conflicts)"
  check_eq "$c recorded no rejections" 0 "$(json_num "$OUT" rejections)"
done

# Each county's clients list exactly the hub's cases of that county. The
# hub's list has every field; a client's has id, kind, county, title,
# status, updated_at, ref and number (null for these drafts, and left out
# here), in that order: the hub's is cut down to those.
sorted_objects() { json_objects "$1" | sed 's/,"number":null//' | sort; }
client_columns() {
  sed -E 's/^\{("id":"[^"]*","kind":"[^"]*","county":"[^"]*","title":"[^"]*","status":"[^"]*").*("updated_at":[0-9]+).*(,"ref":"[^"]*").*$/{\1,\2\3}/'
}
for county in longyou kaihua; do
  run hub --json case list --county "$county"
  hub_list=$(sorted_objects "$OUT" | client_columns)
  hub_count=$(printf '%s\n' "$hub_list" | grep -c . || true)
  for c in "${CLIENTS[@]}"; do
    [ "${COUNTY[$c]}" = "$county" ] || continue
    run client "$c" --json case list
    if [ "$(sorted_objects "$OUT")" == "$hub_list" ]; then
      ok "$c lists exactly the hub's $hub_count $county cases, field for field"
    else
      fail "$c lists the hub's $county cases: $(diff <(printf '%s\n' "$hub_list") <(sorted_objects "$OUT") | head -n 4 | tr '\n' ' ')"
    fi
  done
done

# The hub shows every case opened with `case new` (edited, with notes)
# exactly as its writer and the writer's county colleagues do.
same=0
differ=""
for c in "${CLIENTS[@]}"; do
  for id in ${OWN[$c]}; do
    hub_view=$(hub --json case show "$id" 2>&1 || true)
    for other in "${CLIENTS[@]}"; do
      [ "${COUNTY[$other]}" = "${COUNTY[$c]}" ] || continue
      view=$(client "$other" --json case show "$id" 2>&1 || true)
      if [ "$view" == "$hub_view" ] && [[ "$view" == *"\"id\":\"$id\""* ]]; then
        same=$((same + 1))
      else
        differ="case $id: hub '$hub_view' vs $other '$view'"
      fi
    done
  done
done
if [ -z "$differ" ]; then
  ok "the hub shows each edited case exactly as its county's clients do ($same comparisons)"
else
  fail "the hub shows each edited case as its county's clients do: $differ"
fi

# The faults did happen in the middle of things, else the loop tested
# nothing. About half the kills land mid-sync, so among ten or more kills
# none doing so means the kill moments are off.
client_sync_kills=$((${FIGURE[client_kills_mid_sync]:-0} + ${FIGURE[client_kills_after_sync_completed]:-0}))
if [ "$client_sync_kills" -ge 10 ]; then
  check_true "some of the $client_sync_kills client kills cut a sync short" "none did" \
    [ "${FIGURE[client_kills_mid_sync]:-0}" -gt 0 ]
fi
if [ "${FIGURE[hub_kills]:-0}" -ge 10 ]; then
  check_true "some of the ${FIGURE[hub_kills]} hub kills cut a sync short" "none did" \
    [ "${FIGURE[hub_kills_that_cut_off_a_sync]:-0}" -gt 0 ]
fi
summary=""
for key in $(printf '%s\n' "${!FIGURE[@]}" | sort); do summary+="$key=${FIGURE[$key]} "; done
echo "# figures: $summary"
echo "# seed $SEED"
e2e_finish
