#!/usr/bin/env bash
# Commands run at the hub (`liaison-hub directive issue`, `case decide`)
# write hub.db from another process while the hub serves offices. Three
# offices in two counties watch (`sync --watch`); a laptop in a third
# county syncs once, again and again, as one on a flaky link does, so the
# hub is always greeting and paging for someone (and noting it in its own
# transactions). The directives are not addressed to the laptop's county:
# nothing it pushes back can carry news the hub failed to send. Each round the watching offices write
# cases (their watchers push them, the others pull), then the hub issues a
# directive, and sometimes decides a submitted case, amid that traffic.
#  - Every watcher has each directive within LIMIT_MS (the hub once lost the
#    news of an admin commit that one of its own bookkeeping transactions
#    saw first: the directive waited for the next push, or forever).
#  - No sync fails and no watcher reconnects (a page that ended at an admin
#    commit the hub had not counted yet made the next pull "beyond the
#    hub's feed", and the client started its whole pull over).
#  - At the end every case and decision is at the hub and at every office
#    of its county, and the hub refused nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
e2e_require_programs

ROUNDS=${ADMIN_RACE_ROUNDS:-30}
CASES_PER_ROUND=2
LIMIT_MS=${ADMIN_RACE_LIMIT_MS:-2000}
RANDOM=${ADMIN_RACE_SEED:-$$}
echo "# seed ${ADMIN_RACE_SEED:-$$} (ADMIN_RACE_SEED replays it), $ROUNDS rounds"

OFFICES=(longyou-office longyou-field kaihua-office)
declare -A NODE=([longyou-office]=longyou:office-1 [longyou-field]=longyou:field-1 [kaihua-office]=kaihua:office-1)
declare -A COUNTY=([longyou-office]=longyou [longyou-field]=longyou [kaihua-office]=kaihua)
LAPTOP=jiangshan-field

pki_init city:hub "${NODE[@]}" jiangshan:field-1
hub_start
client_init "$LAPTOP" jiangshan:field-1
# The laptop's one-shot syncs, until the file LAPTOP.stop appears; what
# each failed sync said goes to LAPTOP.failures.
(
  while [ ! -e "$LIAISON_WORK/$LAPTOP.stop" ]; do
    "$CLIENT_BIN" --data "$LIAISON_WORK/$LAPTOP" sync >/dev/null 2>"$LIAISON_WORK/$LAPTOP.err" ||
      { echo "exit $?: $(cat "$LIAISON_WORK/$LAPTOP.err")" >>"$LIAISON_WORK/$LAPTOP.failures"; }
    echo >>"$LIAISON_WORK/$LAPTOP.syncs"
  done
) &
LAPTOP_PID=$!
LIAISON_PIDS+=("$LAPTOP_PID")
for o in "${OFFICES[@]}"; do
  client_init "$o" "${NODE[$o]}"
  client_watch "$o"
done
for o in "${OFFICES[@]}"; do
  wait_for 10 grep -q "in step with the hub" "$LIAISON_WORK/$o.watch.log" ||
    e2e_abort "$o: sync --watch catches up: its log says: $(cat "$LIAISON_WORK/$o.watch.log")"
done
ok "three offices watching"

# has_directive OFFICE ID
has_directive() {
  local list
  list=$(client "$1" --json directive list 2>/dev/null) || return 1
  [[ "$list" == *"\"id\":\"$2\""* ]]
}
# status_of WHO ID: the case's status at the hub or an office ("" if unknown).
status_of() {
  local out
  if [ "$1" = hub ]; then out=$(hub --json case show "$2" 2>/dev/null) || true
  else out=$(client "$1" --json case show "$2" 2>/dev/null) || true; fi
  json_str "$out" status
}
# write_cases OFFICE ROUND: CASES_PER_ROUND cases, the first one submitted.
write_cases() {
  local o=$1 r=$2 k id
  for k in $(seq 1 "$CASES_PER_ROUND"); do
    id=$("$CLIENT_BIN" --data "$LIAISON_WORK/$o" --json case new --kind outbound_trip --title "第${r}轮 ${o} 出访 ${k}" \
      --set "purpose=考察 ${r}-${k}" --set "destination=Hamburg" \
      --set publicity_from=2026-11-02 --set publicity_to=2026-11-06 | grep -o '"id":"[0-9a-f-]*"' | sed 's/^"id":"//; s/"$//')
    echo "$id" >>"$LIAISON_WORK/$o.cases"
    [ "$k" -gt 1 ] || "$CLIENT_BIN" --data "$LIAISON_WORK/$o" case submit "$id" >/dev/null
    [ "$k" -gt 1 ] || echo "$id" >>"$LIAISON_WORK/$o.submitted"
  done
}

declare -A DECIDED=()  # case id -> its office
slowest=0
for r in $(seq 1 "$ROUNDS"); do
  pids=()
  for o in "${OFFICES[@]}"; do
    write_cases "$o" "$r" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || fail "round $r: an office's case writes exit 0"; done
  # The admin commit lands somewhere in the pushes and pulls of the last
  # writes: nothing comes after them to carry news the hub failed to send.
  sleep "0.$(printf '%03d' $((RANDOM % 100)))"
  # Decide a case submitted in an earlier round, once the hub has it.
  o=${OFFICES[$((RANDOM % ${#OFFICES[@]}))]}
  candidate=$(grep -v -x -F -f <(printf '%s\n' "${!DECIDED[@]}" "") "$LIAISON_WORK/$o.submitted" 2>/dev/null | head -n1 || true)
  if [ $((r % 2)) -eq 0 ] && [ -n "$candidate" ] && [ "$(status_of hub "$candidate")" = submitted ]; then
    run hub case decide "$candidate" approve --reason "第${r}轮批准"
    [ "$RC" -eq 0 ] || fail "round $r: the hub approves $candidate: exit $RC, $ERR"
    DECIDED[$candidate]=$o
  fi
  issued=$(now_ms)
  run hub --json directive issue --to longyou,kaihua --kind notice --title "第${r}轮 外事工作通知" --body "请按要求报送。"
  [ "$RC" -eq 0 ] || e2e_abort "round $r: the hub issues a directive: exit $RC, $ERR"
  id=$(json_str "$OUT" id)
  for o in "${OFFICES[@]}"; do
    if wait_for $((LIMIT_MS / 1000 + 1)) has_directive "$o" "$id"; then
      took=$(($(now_ms) - issued))
      [ "$took" -le "$slowest" ] || slowest=$took
      if [ "$took" -gt "$LIMIT_MS" ]; then fail "round $r: $o has the directive within $LIMIT_MS ms: took $took ms"; fi
    else
      fail "round $r: $o has the directive within $LIMIT_MS ms: not after $((LIMIT_MS + 1000)) ms"
    fi
  done
done
ok "$ROUNDS directives issued amid live syncs; the slowest reached its office after $slowest ms (limit $LIMIT_MS)"

touch "$LIAISON_WORK/$LAPTOP.stop"
wait "$LAPTOP_PID" || true
syncs=$(wc -l <"$LIAISON_WORK/$LAPTOP.syncs")
check_eq "the laptop's $syncs one-shot syncs amid the admin commands all completed" "" \
  "$(cat "$LIAISON_WORK/$LAPTOP.failures" 2>/dev/null)"
run client "$LAPTOP" --json directive list
check_eq "the laptop, in a county the directives were not sent to, has none of them" 0 "$(json_count "$OUT" kind)"
for o in "${OFFICES[@]}"; do
  log=$LIAISON_WORK/$o.watch.log
  check_true "$o: the watcher never reconnected or restarted its pull" "its log: $(cat "$log")" \
    bash -c "! grep -q -e reconnecting -e 'beyond the hub' -e 'start over' '$log'"
done

# Every case at the hub and at every office of its county, each decision too.
sync_settled() {  # every office's pending count is zero and it has every case of its county
  local o c
  for o in "${OFFICES[@]}"; do
    [ "$(json_num "$(client "$o" --json status)" pending_changes)" = 0 ] || return 1
    for c in "${OFFICES[@]}"; do
      [ "${COUNTY[$c]}" = "${COUNTY[$o]}" ] || continue
      [ "$(status_of "$o" "$(tail -n1 "$LIAISON_WORK/$c.cases")")" != "" ] || return 1
    done
  done
}
wait_for 20 sync_settled || fail "every office pushed everything and has its county's latest cases within 20 s"
missing=0
for c in "${OFFICES[@]}"; do
  while read -r id; do
    [ -n "$(status_of hub "$id")" ] || { missing=$((missing + 1)); echo "# hub lacks $c's case $id"; }
    for o in "${OFFICES[@]}"; do
      [ "${COUNTY[$c]}" = "${COUNTY[$o]}" ] || continue
      [ -n "$(status_of "$o" "$id")" ] || { missing=$((missing + 1)); echo "# $o lacks $c's case $id"; }
    done
  done <"$LIAISON_WORK/$c.cases"
done
check_eq "every case written ($((ROUNDS * CASES_PER_ROUND * ${#OFFICES[@]}))) is at the hub and at every office of its county" 0 "$missing"
wrong=0
for id in "${!DECIDED[@]}"; do
  for o in "${OFFICES[@]}"; do
    [ "${COUNTY[$o]}" = "${COUNTY[${DECIDED[$id]}]}" ] || continue
    s=$(status_of "$o" "$id")
    [ "$s" = approved ] || { wrong=$((wrong + 1)); echo "# $o sees case $id as '$s', approved at the hub"; }
  done
done
check_eq "each of the ${#DECIDED[@]} cases the hub approved shows approved at its county's offices" 0 "$wrong"
for o in "${OFFICES[@]}"; do
  run client "$o" --json rejections
  check_eq "$o: the hub refused none of its writes" 0 "$(json_count "$OUT" code)"
done

e2e_finish
