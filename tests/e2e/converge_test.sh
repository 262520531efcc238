#!/usr/bin/env bash
# Concurrent offline edits on three clients converge. longyou:office-1,
# longyou:field-2 and city:desk-1 edit the same Longyou case offline (the
# hub is down): different fields, and one field all three change; each also
# opens a case with a Chinese title and adds a note. Then they sync in one
# order, and again in another. Afterwards every client shows exactly the
# hub's values for every case (`case show --json`), the last writer of the
# contested field wins, and the devices whose value lost find it in their
# conflict log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
e2e_require_programs

pki_init city:hub longyou:office-1 longyou:field-2 city:desk-1
hub_start
client_init office longyou:office-1
client_init field longyou:field-2
client_init desk city:desk-1

# ---- a Longyou case everybody has ----
run client office --json case new --kind outbound_trip --title "龙游县赴德国汉堡经贸考察" \
  --set destination=Hamburg --set depart_on=2026-12-08 --set purpose=考察汉堡港物流合作 --set applicant=王立新
[ "$RC" -eq 0 ] || e2e_abort "office opens the shared case: exit $RC, $ERR"
shared=$(json_str "$OUT" id)
for c in office field desk; do
  run client "$c" --json sync
  [ "$RC" -eq 0 ] || e2e_abort "$c syncs before going offline: exit $RC, $ERR"
done
run client field --json case show "$shared"
check_contains "field laptop received the shared case before going offline" "$OUT" '"title":"龙游县赴德国汉堡经贸考察"'

# ---- offline: the hub is down; every device works on its own replica ----
hub_stop
# Different fields, and `purpose` written by all three. The writes are made
# in this order in real time (each command takes milliseconds), so under
# last-writer-wins the desk's purpose must win.
run client office case set "$shared" "purpose=考察港口物流（龙游办公室）" "destination=Hamburg, Bremen"
[ "$RC" -eq 0 ] || fail "office edits offline: exit $RC, $ERR"
run client field case set "$shared" "purpose=考察易北河航运（现场笔记本）" "applicant=王立新、李敏"
[ "$RC" -eq 0 ] || fail "field edits offline: exit $RC, $ERR"
run client desk case set "$shared" "purpose=考察汉堡港与易北河航运合作（市办审定）" "summary=市外办已审阅"
[ "$RC" -eq 0 ] || fail "desk edits offline: exit $RC, $ERR"
run client office note add "$shared" "代表团共8人，需安排翻译两名"
[ "$RC" -eq 0 ] || fail "office adds a note offline: exit $RC, $ERR"
run client field note add "$shared" "已与汉堡港务局确认会见时间"
[ "$RC" -eq 0 ] || fail "field adds a note offline: exit $RC, $ERR"

# New cases with Chinese titles, one per device.
run client office --json case new --kind delegation_visit --title "日本佐野市友好代表团来访" --set organisation=佐野市役所
new_office=$(json_str "$OUT" id)
run client field --json case new --kind overseas_chinese --title "旅意华侨回乡投资咨询" --set person=陈志远 --set country=Italy
new_field=$(json_str "$OUT" id)
run client desk --json case new --county longyou --kind donation --title "旅法华侨捐赠助学款" --set donor=林美华 --set "amount=50000 EUR"
new_desk=$(json_str "$OUT" id)
if [ -n "$new_office" ] && [ -n "$new_field" ] && [ -n "$new_desk" ]; then
  ok "each device opened a case with a Chinese title offline"
else
  fail "each device opens a case offline: ids '$new_office' '$new_field' '$new_desk'"
fi

# ---- back online: sync in one order, then again in another ----
hub_start
for c in field desk office; do
  run client "$c" --json sync
  check_eq "$c: first sync after the outage completes (exit status)" 0 "$RC"
done
for c in office field desk; do
  run client "$c" --json sync
  check_eq "$c: second sync completes (exit status)" 0 "$RC"
done

# ---- everybody shows the hub's values ----
run hub --json case list
hub_ids=$(json_ids "$OUT")
check_eq "the hub has the four Longyou cases" 4 "$(printf '%s\n' "$hub_ids" | grep -c .)"
for id in "$shared" "$new_office" "$new_field" "$new_desk"; do
  if ! printf '%s\n' "$hub_ids" | grep -qx "$id"; then fail "the hub lists case $id"; fi
done
for c in office field desk; do
  run client "$c" --json case list
  check_eq "$c lists exactly the hub's cases" "$hub_ids" "$(json_ids "$OUT")"
done
for id in $hub_ids; do
  run hub --json case show "$id"
  hub_view=$OUT
  for c in office field desk; do
    run client "$c" --json case show "$id"
    check_eq "$c shows case $id exactly as the hub does" "$hub_view" "$OUT"
  done
done

run hub --json case show "$shared"
hub_shared=$OUT
check_eq "the contested field has the last writer's value (city:desk-1)" \
  "考察汉堡港与易北河航运合作（市办审定）" "$(json_str "$hub_shared" purpose)"
check_eq "office's edit of another field survives" "Hamburg, Bremen" "$(json_str "$hub_shared" destination)"
check_eq "field's edit of another field survives" "王立新、李敏" "$(json_str "$hub_shared" applicant)"
check_eq "desk's edit of another field survives" "市外办已审阅" "$(json_str "$hub_shared" summary)"
check_contains "office's offline note reached the hub" "$hub_shared" "代表团共8人，需安排翻译两名"
check_contains "field's offline note reached the hub" "$hub_shared" "已与汉堡港务局确认会见时间"
for pair in "$new_office:日本佐野市友好代表团来访" "$new_field:旅意华侨回乡投资咨询" "$new_desk:旅法华侨捐赠助学款"; do
  run hub --json case show "${pair%%:*}"
  check_eq "Chinese title of ${pair%%:*} intact at the hub" "${pair#*:}" "$(json_str "$OUT" title)"
done

# ---- the losers are in the conflict logs of the devices that wrote them ----
# conflicts_with NAME VALUE: NAME's conflict log has VALUE losing on `purpose`
# of the shared case.
conflicts_with() {
  run client "$1" --json conflicts
  [ -n "$(json_objects_with "$OUT" "\"row\":\"$shared\"" '"field":"purpose"' "\"loser_value\":\"$2\"")" ]
}
run client office --json conflicts
office_log=$OUT
check_true "office's conflict log has its losing purpose" "saw $office_log" \
  conflicts_with office "考察港口物流（龙游办公室）"
run client field --json conflicts
field_log=$OUT
check_true "field's conflict log has its losing purpose" "saw $field_log" \
  conflicts_with field "考察易北河航运（现场笔记本）"
check_contains "the logged loss names the winning value" "$office_log" \
  '"winner_value":"考察汉堡港与易北河航运合作（市办审定）"'
run client desk --json conflicts
check_lacks "the winner (desk) lost nothing on purpose" "$OUT" '"field":"purpose"'
for c in office field desk; do
  run client "$c" --json conflicts
  check_lacks "$c: no conflicts on fields only one device changed" "$OUT" '"field":"destination"'
done

e2e_finish
