#!/usr/bin/env bash
# Scope and authority at the hub, with real processes:
#   - a Longyou client never receives Kaihua's cases (after kaihua:office-1
#     syncs them), neither by `sync` nor live while connected with
#     `sync --watch`, while city:desk-1 sees every county's;
#   - a crafted push from Longyou touching a Kaihua case (written straight
#     into the Longyou replica with liaison-craft-write, skipping the
#     client's own pre-check) gets a typed rejection (out_of_scope), leaves
#     the hub's copy unchanged, is undone on the Longyou client, and never
#     brings the case's real values to Longyou (not even in the correction or
#     the conflict log); a crafted note on that case likewise;
#   - the same for a new case in Kaihua's name;
#   - a crafted directive from Longyou is refused (not_permitted) and never
#     appears at the hub or anywhere else;
#   - the hub keeps its own record of every refusal (`liaison-hub
#     rejections`): the node, its certificate's serial, what it tried, why;
#     and the city's admin commands are recorded in admin.log with who ran
#     them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
CRAFT=$LIAISON_BIN/tests/liaison-craft-write
e2e_require_programs "$CRAFT"

new_uuid() { cat /proc/sys/kernel/random/uuid; }

pki_init city:hub longyou:office-1 longyou:field-2 kaihua:office-1 city:desk-1
hub_start
client_init longyou longyou:office-1
client_init field longyou:field-2
client_init kaihua kaihua:office-1
client_init desk city:desk-1
LONGYOU_DB=$LIAISON_WORK/longyou/replica.db

# ---- Longyou's own case, then Kaihua's cases ----
run client longyou --json case new --kind delegation_visit --title "日本佐野市友好代表团来访" --set organisation=佐野市役所
ly_case=$(json_str "$OUT" id)
run client longyou --json sync
[ "$RC" -eq 0 ] || e2e_abort "longyou syncs its case: exit $RC, $ERR"

# A second Longyou device stays connected and gets changes live.
client_watch field
field_log=$LIAISON_WORK/field.watch.log
wait_for 10 grep -q "in step with the hub" "$field_log" || e2e_abort "field's sync --watch connects: $(cat "$field_log")"

K_TITLE="旅法华侨捐赠开化县助学款"
K_DONOR="陈志远（巴黎）"
run client kaihua --json case new --kind donation --title "$K_TITLE" --set "donor=$K_DONOR" --set country=France --set "amount=50000 EUR"
k_case=$(json_str "$OUT" id)
run client kaihua --json case new --kind foreign_incident --title "开化根宫佛国外籍游客走失" --set location=根宫佛国
k_case2=$(json_str "$OUT" id)
run client kaihua note add "$k_case" "捐赠人要求匿名公示"
run client kaihua --json sync
if [ "$RC" -ne 0 ] || [ -z "$k_case" ] || [ -z "$k_case2" ]; then
  e2e_abort "kaihua opens and syncs two cases: exit $RC, $ERR"
fi

run client longyou --json sync
check_eq "longyou syncs after kaihua (exit status)" 0 "$RC"
check_eq "longyou's sync pulled nothing (only Kaihua's cases were new at the hub)" 0 "$(json_num "$OUT" pulled)"
run client desk --json sync
check_eq "city desk syncs (exit status)" 0 "$RC"

run client longyou --json case list
ly_list=$OUT
check_eq "longyou lists only its own case" "$ly_case" "$(json_ids "$ly_list")"
check_lacks "longyou's list has no Kaihua case" "$ly_list" '"county":"kaihua"'
run client desk --json case list
desk_ids=$(json_ids "$OUT")
check_eq "city desk sees every county's cases" "$(printf '%s\n' "$ly_case" "$k_case" "$k_case2" | sort)" "$desk_ids"
# The watching field device: a Longyou case written after Kaihua's reaches
# it live; by then it must still have no Kaihua case.
run client longyou --json case new --kind delegation_visit --title "日本佐野市代表团来访" --set participants=12
ly_case2=$(json_str "$OUT" id)
run client longyou --json sync
field_has() {
  local list
  list=$(client field --json case list 2>/dev/null) || return 1
  [[ "$list" == *"\"id\":\"$1\""* ]]
}
if wait_for 10 field_has "$ly_case2"; then
  ok "the watching Longyou device received Longyou's new case live"
else
  fail "the watching Longyou device receives Longyou's new case within 10 s: $(cat "$field_log")"
fi
run client field --json case list
check_eq "the watching Longyou device has exactly Longyou's two cases" \
  "$(printf '%s\n' "$ly_case" "$ly_case2" | sort)" "$(json_ids "$OUT")"
check_lacks "the watching Longyou device has no Kaihua case" "$OUT" '"county":"kaihua"'
ly_ids=$(printf '%s\n' "$ly_case" "$ly_case2" | sort)

run client longyou --json case show "$k_case"
if [ "$RC" -ne 0 ] && [[ "$ERR" == *"no case"* ]]; then
  ok "longyou cannot show the Kaihua case: $ERR"
else
  fail "longyou's case show of the Kaihua case fails with 'no case': exit $RC, out '$OUT', err '$ERR'"
fi

# ---- a crafted push touching the Kaihua case ----
run hub --json case show "$k_case"
hub_before=$OUT
run "$CRAFT" "$LONGYOU_DB" longyou:office-1 cases "$k_case" county=kaihua kind=donation "title=篡改的标题"
[ "$RC" -eq 0 ] || e2e_abort "liaison-craft-write writes into the Longyou replica: exit $RC, $ERR"
forged_note=$(new_uuid)
run "$CRAFT" "$LONGYOU_DB" longyou:office-1 case_notes "$forged_note" "case_id=$k_case" author=longyou:office-1 \
  "body=越权添加的备注" "written_at=$(now_ms)"
[ "$RC" -eq 0 ] || e2e_abort "liaison-craft-write writes a note on the Kaihua case: exit $RC, $ERR"
run client longyou --json case list
check_contains "the crafted row is in the Longyou replica before the sync" "$OUT" "\"id\":\"$k_case\""

run client longyou --json sync
check_eq "the sync carrying the crafted cells completes (exit status)" 0 "$RC"
rejected=$(json_num "$OUT" rejections)
if [ -n "$rejected" ] && [ "$rejected" -ge 1 ]; then ok "the hub answered with $rejected rejection(s)"; else
  fail "the hub answers with rejections: saw '$OUT'"; fi
run client longyou --json rejections
rejections=$OUT
scoped=$(json_objects_with "$rejections" "\"row\":\"$k_case\"" '"code":"out_of_scope"')
check_true "rejections lists out_of_scope for the Kaihua case" "saw $rejections" test -n "$scoped"
check_contains "the title cell is among the refused ones" "$scoped" '"field":"title"'
check_lacks "no rejection of the Kaihua case has another code" \
  "$(json_objects_with "$rejections" "\"row\":\"$k_case\"" | grep -v '"code":"out_of_scope"' || true)" '"code"'
check_true "the crafted note on the Kaihua case is refused out_of_scope" "saw $rejections" \
  test -n "$(json_objects_with "$rejections" "\"row\":\"$forged_note\"" '"code":"out_of_scope"')"
run hub --json case show "$k_case"
check_eq "the hub's copy of the Kaihua case is unchanged (fields and notes)" "$hub_before" "$OUT"

run client longyou --json case list
check_lacks "longyou converged back: the crafted row is gone from its list" "$OUT" "$k_case"
check_eq "longyou lists only its own cases again" "$ly_ids" "$(json_ids "$OUT")"
run client longyou --json case show "$k_case"
if [ "$RC" -ne 0 ]; then
  ok "longyou's case show of the Kaihua case fails again: $ERR"
else
  check_lacks "longyou's case show has no Kaihua title" "$OUT" "$K_TITLE"
  check_lacks "longyou's case show has no Kaihua donor" "$OUT" "$K_DONOR"
fi
run client longyou --json conflicts --all
check_lacks "longyou's conflict log does not carry the Kaihua title" "$OUT" "$K_TITLE"
check_lacks "longyou's rejections do not carry the Kaihua title" "$rejections" "$K_TITLE"
run client longyou --json sync
check_eq "longyou syncs again" 0 "$RC"
check_eq "nothing is left to push or refuse" "0/0" "$(json_num "$OUT" pushed)/$(json_num "$OUT" rejections)"
run client longyou --json case list
check_lacks "still no Kaihua case on longyou after another sync" "$OUT" "$k_case"

# ---- a crafted new case in Kaihua's name ----
forged_case=$(new_uuid)
run "$CRAFT" "$LONGYOU_DB" longyou:office-1 cases "$forged_case" county=kaihua kind=donation "title=冒名开化案件" \
  status=draft created_by=longyou:office-1
[ "$RC" -eq 0 ] || fail "liaison-craft-write writes a new Kaihua case: exit $RC, $ERR"
run client longyou --json sync
run client longyou --json rejections
check_true "a new case in Kaihua's name is refused out_of_scope" "saw $OUT" \
  test -n "$(json_objects_with "$OUT" "\"row\":\"$forged_case\"" '"code":"out_of_scope"')"
run hub --json case show "$forged_case"
check_true "the hub does not have the forged case" "exit $RC, $OUT" test "$RC" -ne 0
run hub --json case list
check_lacks "the hub's case list lacks the forged case" "$OUT" "$forged_case"
run client longyou --json case list
check_lacks "longyou converged back: the forged case is gone" "$OUT" "$forged_case"

# ---- a crafted directive from Longyou ----
forged_directive=$(new_uuid)
run "$CRAFT" "$LONGYOU_DB" longyou:office-1 directives "$forged_directive" kind=notice "title=伪造的市外办通知" \
  targets=longyou,kaihua issued_by=longyou:office-1 "issued_at=$(now_ms)"
[ "$RC" -eq 0 ] || e2e_abort "liaison-craft-write writes a directive: exit $RC, $ERR"
run client longyou --json sync
check_eq "the sync carrying the crafted directive completes (exit status)" 0 "$RC"
run client longyou --json rejections
check_true "the crafted directive is refused not_permitted" "saw $OUT" \
  test -n "$(json_objects_with "$OUT" "\"row\":\"$forged_directive\"" '"code":"not_permitted"')"
run hub --json directive list
check_lacks "the hub's directive list lacks the crafted directive (id)" "$OUT" "$forged_directive"
check_lacks "the hub's directive list lacks the crafted directive (title)" "$OUT" "伪造的市外办通知"
run client longyou --json directive list
check_lacks "longyou converged back: the crafted directive is gone" "$OUT" "$forged_directive"
for c in kaihua desk; do
  run client "$c" --json sync
  run client "$c" --json directive list
  check_lacks "$c never receives the crafted directive" "$OUT" "$forged_directive"
done

run client field --json case list
check_eq "the watching Longyou device still has exactly Longyou's cases" "$ly_ids" "$(json_ids "$OUT")"
run client field --json directive list
check_lacks "the watching Longyou device never got the crafted directive" "$OUT" "$forged_directive"

# ---- the hub's own record of what it refused ----
run hub --json rejections --node longyou:office-1
hub_refused=$OUT
serial=$(openssl x509 -in "$(pki_cert longyou:office-1)" -noout -serial | cut -d= -f2)
check_true "the hub recorded the out-of-scope write on the Kaihua case" "saw $hub_refused" \
  test -n "$(json_objects_with "$hub_refused" "\"row\":\"$k_case\"" '"code":"out_of_scope"' '"node":"longyou:office-1"')"
check_true "with the serial of the certificate it came with ($serial)" "saw $hub_refused" \
  test -n "$(json_objects_with "$hub_refused" "\"row\":\"$k_case\"" "\"certificate\":\"$serial\"")"
check_true "the hub recorded the crafted directive, with what it tried" "saw $hub_refused" \
  test -n "$(json_objects_with "$hub_refused" "\"row\":\"$forged_directive\"" '"code":"not_permitted"' '伪造的市外办通知')"
run hub --json rejections --node kaihua:office-1
check_eq "an honest office has no refusals" "[]" "$OUT"
run hub rejections --since 2000-02-30
check_eq "a date that does not exist is refused" 1 "$RC"
check_contains "saying so" "$ERR" "is not a day of the calendar"
run hub rejections
check_contains "the table names the node and why" "$OUT" "out_of_scope"
check_true "admin commands are recorded with who ran them" "$(cat "$HUB_DATA/admin.log" 2>&1)" \
  grep -q "$(id -un) pid [0-9]*: rejections --node longyou:office-1 -> ok" "$HUB_DATA/admin.log"

# ---- the rightful copies are untouched ----
run client kaihua --json case show "$k_case"
check_eq "kaihua's copy of its case equals the hub's original" "$hub_before" "$OUT"
run client desk --json case show "$k_case"
check_eq "city desk's copy of the Kaihua case equals the hub's original" "$hub_before" "$OUT"

e2e_finish
