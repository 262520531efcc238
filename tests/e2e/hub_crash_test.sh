#!/usr/bin/env bash
# The hub is killed with SIGKILL in the middle of a large push and
# restarted on the same port and data, three times. Each round a Longyou
# client creates CASES new cases (with liaison-e2e-bulk-cases: through the
# replica API, like `case new`, but in one process) and starts `sync`; once
# the client has persisted some acknowledged batches (its WAL grew), the
# hub is killed. The interrupted sync fails; after the restart the next
# sync resumes from the last acknowledged batch (it pushes exactly what was
# still pending, fewer cells than the total). Afterwards the hub has exactly
# the client's cases (every id, once), its values equal the client's for a
# sample, nothing was logged as a conflict or refused, and a city desk
# pulling everything from the restarted hub gets the same cases.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
BULK=$LIAISON_BIN/tests/liaison-e2e-bulk-cases
e2e_require_programs "$BULK"

CASES=${E2E_CRASH_CASES:-20000}  # per round; ~8 cells each, 1000 cells per push batch
ROUNDS=3
KILL_AFTER_WAL_BYTES=100000      # ~8 acknowledged batches persisted by the client
W=$LIAISON_WORK
WAL=$W/office/replica.db-wal

pki_init city:hub longyou:office-1 city:desk-1
hub_start
client_init office longyou:office-1
client_init desk city:desk-1
: >"$W/ids"

file_size() { stat -c %s "$1" 2>/dev/null || echo 0; }

for round in $(seq 1 "$ROUNDS"); do
  run "$BULK" "$W/office/replica.db" longyou:office-1 "$CASES" "第${round}轮龙游批量案件"
  [ "$RC" -eq 0 ] || e2e_abort "round $round: liaison-e2e-bulk-cases creates $CASES cases: exit $RC, $ERR"
  printf '%s\n' "$OUT" >>"$W/ids"
  run client office --json status
  total=$(json_num "$OUT" pending_changes)
  if [ -z "$total" ] || [ "$total" -le 0 ]; then e2e_abort "round $round: status shows pending cells: $OUT $ERR"; fi

  # The push, killed once the client has stored some acknowledgements.
  wal_before=$(file_size "$WAL")
  client office --json sync >"$W/sync.out" 2>"$W/sync.err" &
  sync_pid=$!
  deadline=$(($(now_ms) + 30000))
  while kill -0 "$sync_pid" 2>/dev/null && [ "$(file_size "$WAL")" -lt $((wal_before + KILL_AFTER_WAL_BYTES)) ] &&
    [ "$(now_ms)" -lt "$deadline" ]; do
    sleep 0.01
  done
  hub_stop KILL
  sync_rc=0
  wait "$sync_pid" || sync_rc=$?
  if [ "$sync_rc" -ne 0 ]; then
    ok "round $round: the sync was cut off by the hub's SIGKILL (exit $sync_rc: $(head -c 200 "$W/sync.err"))"
  else
    fail "round $round: the hub is killed mid-push: the sync had already completed ($(cat "$W/sync.out")) — raise CASES"
  fi
  run client office --json status
  pending=$(json_num "$OUT" pending_changes)
  if [ -n "$pending" ] && [ "$pending" -gt 0 ] && [ "$pending" -lt "$total" ]; then
    ok "round $round: killed mid-push after acknowledged batches ($pending of $total cells still pending)"
  else
    fail "round $round: killed after some but not all batches were acknowledged: expected 0 < pending < $total, saw '$pending'"
  fi

  hub_start  # same port, same data
  run client office --json sync
  check_eq "round $round: the sync after the restart completes (exit status)" 0 "$RC"
  pushed=$(json_num "$OUT" pushed)
  check_eq "round $round: it resumes from the last acknowledged batch (pushes exactly the pending cells)" "$pending" "$pushed"
  check_eq "round $round: no rejections" 0 "$(json_num "$OUT" rejections)"
  run hub --json case list
  check_eq "round $round: the hub has exactly the client's cases so far" "$((round * CASES))" "$(json_count "$OUT" id)"
done

# ---- the end state ----
sort "$W/ids" >"$W/ids.client"
run hub --json case list
check_eq "hub case list succeeds after three crashes (exit status)" 0 "$RC"
json_ids "$OUT" >"$W/ids.hub"
check_eq "the hub lists $((ROUNDS * CASES)) cases" "$((ROUNDS * CASES))" "$(wc -l <"$W/ids.hub" | tr -d ' ')"
check_eq "no case id appears twice at the hub" "0" "$(uniq -d "$W/ids.hub" | wc -l | tr -d ' ')"
if cmp -s "$W/ids.client" "$W/ids.hub"; then
  ok "every id the client created is at the hub, and no other"
else
  fail "the hub's ids equal the client's: $(comm -3 "$W/ids.client" "$W/ids.hub" | head -5 | tr '\n' ' ')..."
fi
run client office --json case list
json_ids "$OUT" >"$W/ids.office"
check_true "the client lists the same cases" "$(comm -3 "$W/ids.client" "$W/ids.office" | wc -l) differ" \
  cmp -s "$W/ids.client" "$W/ids.office"

run hub --json nodes
check_eq "hub nodes succeeds (exit status)" 0 "$RC"
check_contains "hub nodes knows the client" "$OUT" '"node":"longyou:office-1"'
office_node=$(json_objects_with "$OUT" '"node":"longyou:office-1"')
check_eq "the client is not behind the hub" 0 "$(json_num "$office_node" behind)"

run client office --json status
check_eq "the client has nothing left to push" 0 "$(json_num "$OUT" pending_changes)"
check_eq "the client logged no conflicts" 0 "$(json_num "$OUT" conflicts)"
check_eq "the client recorded no rejections" 0 "$(json_num "$OUT" rejections)"
run client office --json conflicts --all
check_eq "the client's conflict log is empty" "[]" "$OUT"

# A sample across the rounds: first, last and every 1999th id.
sample=$( (head -n1 "$W/ids.client"; tail -n1 "$W/ids.client"; awk 'NR % 1999 == 0' "$W/ids.client") | sort -u)
same=0
differ=""
for id in $sample; do
  hub_view=$(hub --json case show "$id" 2>&1 || true)
  client_view=$(client office --json case show "$id" 2>&1 || true)
  if [ "$hub_view" == "$client_view" ] && [[ "$hub_view" == *"\"id\":\"$id\""* ]]; then
    same=$((same + 1))
  else
    differ="$id: hub '$hub_view' vs client '$client_view'"
  fi
done
n_sample=$(printf '%s\n' "$sample" | grep -c .)
if [ -z "$differ" ]; then
  ok "the hub shows each of $n_sample sampled cases exactly as the client does"
else
  fail "sampled cases equal at hub and client ($same of $n_sample): $differ"
fi

# Everything the hub stored is in its feed: a city desk gets all of it.
run client desk --json sync
check_eq "a city desk syncs everything from the restarted hub (exit status)" 0 "$RC"
run client desk --json case list
json_ids "$OUT" >"$W/ids.desk"
if cmp -s "$W/ids.client" "$W/ids.desk"; then
  ok "the city desk received exactly the client's $((ROUNDS * CASES)) cases"
else
  fail "the city desk has the client's cases: $(comm -3 "$W/ids.client" "$W/ids.desk" | wc -l | tr -d ' ') ids differ"
fi
for id in $(printf '%s\n' "$sample" | head -n 5); do
  check_eq "city desk shows sampled case $id as the hub does" "$(hub --json case show "$id")" \
    "$(client desk --json case show "$id")"
done

e2e_finish
