#!/usr/bin/env bash
# An official trip abroad from request to report, as a Longyou office and
# the city do it: members and their passports in the register, publicity,
# the city's review against its limits (flagged, changed by a setting),
# approval with an official number, passports lent against the approval,
# the trip moved on offline in several steps at once (briefed, travelling,
# home, reported), passports back, a gift received recorded; a delegation
# visit's programme kept up to date after its approval. A second trip, back three weeks ago,
# shows its lent passport as overdue on both programs. Bad lends are
# refused with what to do, and write nothing. A foreign incident reported
# at Longyou alerts the city desk and the hub until the city acknowledges it.
# A task issued from a city desk is read by a person, answered twice (both
# replies kept), extended; a notice is reminded of and withdrawn.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
e2e_require_programs

pki_init city:hub longyou:office-1 city:desk-1
hub_start
client_init office longyou:office-1
client_init desk city:desk-1


# ---- drafted at Longyou: seven members, their passports, a short publicity ----
run client office --json case new --kind outbound_trip --title "龙游县赴德国汉堡经贸考察" \
  --set destination=德国 --set depart_on="$(day '+10 days')" --set return_on="$(day '+14 days')" \
  --set publicity_from="$(day '-3 days')" --set publicity_to="$(day '-1 days')"
[ "$RC" -eq 0 ] || e2e_abort "Longyou drafts the trip: exit $RC, $ERR"
trip=$(json_str "$OUT" ref)
for i in 1 2 3 4 5 6 7; do
  run client office person add "$trip" --name "成员$i" --set role=成员
  [ "$RC" -eq 0 ] || e2e_abort "member $i is added: exit $RC, $ERR"
  run client office case new --kind passport --title "成员$i 因公护照" --set holder="成员$i" \
    --set passport_no="EC000000$i" --set passport_type=公务普通 --set expires_on="$(day '+3 years')"
  [ "$RC" -eq 0 ] || e2e_abort "passport $i is registered: exit $RC, $ERR"
done
run client office --json passport list --status in_custody
check_eq "the register holds the seven passports in custody" "$(json_count "$OUT" passport_no)" 7
run client office passport lend EC0000001 --trip "$trip"
check_contains "a passport is not lent to a trip not yet approved" "$ERR" "is draft: a passport is lent only against an approved trip"
run client office case submit "$trip"
[ "$RC" -eq 0 ] || e2e_abort "Longyou submits: exit $RC, $ERR"
run client office sync
[ "$RC" -eq 0 ] || e2e_abort "Longyou syncs: exit $RC, $ERR"

# ---- the city's review ----
run hub --json case show "$trip"
check_contains "the reviewer sees the group over six" "$OUT" "出访7人，超过6人的限额（含翻译）"
run hub case decide "$trip" approve
check_eq "approving a flagged trip without weighing the flags exits 1" "$RC" 1
check_contains "and names what to add" "$ERR" "add --despite-flags"
run hub settings set trip_max_people 7
[ "$RC" -eq 0 ] || fail "the city allows groups of seven: exit $RC, $ERR"
run hub --json case show "$trip"
check_contains "one flag is left: the publicity was short" "$OUT" '"review_flags":[{"rule":"trip_publicity_working_days"'
run hub case decide "$trip" approve --despite-flags --reason "公示期不足，经研究同意"
[ "$RC" -eq 0 ] || e2e_abort "the city approves despite the flag: exit $RC, $ERR"
check_contains "the approval names the official number" "$OUT" "龙外审〔"

# ---- after approval, at Longyou ----
run client office sync
run client office --json settings
check_contains "the county has the city's setting after its sync" "$OUT" '{"name":"trip_max_people","value":7,"default":6'
run client office passport lend EC0000001 --trip "$trip" --on "$(day '+8 days')"
[ "$RC" -eq 0 ] || fail "the leader's passport is lent: exit $RC, $ERR"
check_contains "it is due back 7 days after the approved return" "$OUT" "due back $(day '+21 days')"
run client office passport lend EC0000001 --trip "$trip"
check_contains "a passport already lent is not lent twice" "$ERR" "is lent, not in custody"
run client office case new --kind passport --title "外人护照" --set holder=王五 --set passport_no=EC0000099
run client office passport lend EC0000099 --trip "$trip"
check_contains "a passport whose holder is not a member is not lent" "$ERR" "王五, is not a member of trip $trip"
run client office case new --kind passport --title "即将过期" --set holder=成员2 --set passport_no=EC0000098 \
  --set expires_on="$(day '+2 months')"
run client office passport lend EC0000098 --trip "$trip"
check_contains "a passport with under six months left is replaced first" "$ERR" "less than six months after the trip's return"
run client office --json case show "$trip"
check_contains "the trip lists the passport lent to it" "$OUT" '"passports":[{"id":"'

# The members and the routes are fixed by the approval.
run client office person add "$trip" --name 成员8
check_contains "no member is added after the approval" "$ERR" "changes its people only while it is being drafted or returned"
run client office itinerary add "$trip" --at "$(day '+11 days') 09:30" --set place=汉堡港务局 --set "description=会谈"
check_contains "nor a trip's programme" "$ERR" "changes its itinerary_items only while it is being drafted or returned"

# Offline, the whole journey is recorded before the next sync.
run client office case set "$trip" status=briefed briefing_done=是
[ "$RC" -eq 0 ] || fail "briefed: exit $RC, $ERR"
run client office case set "$trip" status=home
check_contains "home is not reached from briefed" "$ERR" "moves open to you from briefed: travelling, cancelled"
run client office case set "$trip" status=travelling
run client office case set "$trip" status=home
check_contains "coming home needs the day back" "$ERR" "only with 'back_on' recorded"
run client office case set "$trip" status=home back_on="$(day '+14 days')"
[ "$RC" -eq 0 ] || fail "home: exit $RC, $ERR"
run client office gift add "$trip" --item 汉堡港纪念铜盘 --set direction=收受 --set counterpart=汉堡港务局 --set handed_over=是
[ "$RC" -eq 0 ] || fail "a gift received is recorded on return: exit $RC, $ERR"
run client office passport return EC0000001 --on "$(day '+15 days')"
check_contains "the passport comes back" "$OUT" "passport EC0000001 back in custody on $(day '+15 days')"
run client office case set "$trip" status=reported report_filed_on="$(day '+20 days')"
[ "$RC" -eq 0 ] || fail "reported: exit $RC, $ERR"
run client office --json sync
[ "$RC" -eq 0 ] || fail "Longyou syncs the journey: exit $RC, $ERR"
check_eq "the hub takes every step of it" "$(json_num "$OUT" rejections)" 0
run hub --json case show "$trip"
check_contains "the hub has the trip reported" "$OUT" '"status":"reported"'
check_contains "with its passport back in custody" "$OUT" '"status":"in_custody"'
check_contains "and the gift handed over" "$OUT" '"direction":"received","item":"汉堡港纪念铜盘","counterpart":"汉堡港务局","handed_over":1'
run client office case set "$trip" status=closed
run client office gift add "$trip" --item 迟到的礼品
check_contains "a closed trip's gifts no longer change" "$ERR" "the case is closed; its gifts no longer change"

# A delegation's programme is kept up to date during the visit, after its approval.
run client office --json case new --kind delegation_visit --title "德国汉堡市代表团来访" --set organisation=汉堡市政府
visit=$(json_str "$OUT" ref)
run client office case submit "$visit"
run client office sync
run hub case decide "$visit" approve
run client office sync
run client office itinerary add "$visit" --at "$(day '+3 days') 09:30" --set place=龙游石窟 --set "description=参观"
[ "$RC" -eq 0 ] || fail "a visit's programme gains an item after the approval: exit $RC, $ERR"
run client office sync
run hub --json case show "$visit"
check_contains "the hub has the visit's programme" "$OUT" '"place":"龙游石窟","description":"参观"'

# ---- a trip back three weeks ago whose passport never came back ----
run client desk --json case new --county longyou --kind outbound_trip --title "龙游县赴日本佐野市友好交流" \
  --set destination=日本 --set depart_on="$(day '-25 days')" --set return_on="$(day '-21 days')" \
  --set publicity_from="$(day '-40 days')" --set publicity_to="$(day '-30 days')"
earlier=$(json_str "$OUT" ref)
run client desk person add "$earlier" --name 成员2
run client desk sync
run client office sync
run client office case submit "$earlier"
run client office sync
run hub case decide "$earlier" approve
[ "$RC" -eq 0 ] || fail "the earlier trip is approved: exit $RC, $ERR"
run client office sync
run client office passport lend EC0000002 --trip "$earlier" --on "$(day '-27 days')"
[ "$RC" -eq 0 ] || fail "its passport was lent: exit $RC, $ERR"
run client office --json overdue
check_contains "Longyou sees the passport overdue, 14 days" "$OUT" '"what":"passport_not_returned"'
check_contains "with its days late" "$OUT" '"days_late":14'
run client office sync
run hub --json overdue --county longyou
check_contains "so does the hub" "$OUT" '"what":"passport_not_returned"'
run client office passport list
check_contains "the register marks it overdue" "$OUT" "lent (overdue)"

# ---- a foreign incident: the first report at once; the city alerted ----
run client office --json case new --kind foreign_incident --title "外籍游客在龙游石窟景区受伤" \
  --set occurred_on="$(day '-0 days')" --set severity=重大 --set nationality=德国
incident=$(json_str "$OUT" ref)
run client office incident report "$incident" "游客一人腿部骨折，已送县人民医院"
check_contains "the first report is recorded" "$OUT" "首报 of incident $incident recorded"
run client office sync
run client desk sync
run client desk --json alerts
check_contains "the city desk is alerted" "$OUT" "\"ref\":\"$incident\",\"county\":\"longyou\""
check_contains "with its severity" "$OUT" '"severity":"major"'
run hub alerts
check_contains "so is the hub" "$OUT" "$incident"
run client office incident report "$incident" "伤者情况稳定，已通知德国驻上海总领馆"
check_contains "a follow-up report" "$OUT" "续报一 of incident $incident recorded"
run hub case decide "$incident" acknowledge
[ "$RC" -eq 0 ] || fail "the hub acknowledges the incident: exit $RC, $ERR"
run hub alerts
check_contains "acknowledged, it leaves the alerts" "$OUT" "no incident awaits the city's acknowledgement"
run client office --json sync
check_eq "the follow-up after the acknowledgement is kept" "$(json_num "$OUT" rejections)" 0
run hub --json case show "$incident"
check_contains "the hub has both reports" "$OUT" '"label":"续报一"'
check_contains "and the case acknowledged" "$OUT" '"status":"acknowledged"'

# ---- a task from a city desk: read, answered twice, reminded, extended, withdrawn ----
run client office directive issue --to longyou --kind task --title "自行发布" --due "$(day '+7 days')"
check_contains "a county does not issue directives" "$ERR" "only the city office issues directives"
run client desk --json directive issue --to longyou --kind task --title "报送本季度涉外活动情况" \
  --due "$(day '+7 days')"
[ "$RC" -eq 0 ] || e2e_abort "the city desk issues a task: exit $RC, $ERR"
task=$(json_str "$OUT" id)
run client desk --json directive issue --to longyou,kaihua --kind notice --title "春节值班安排"
notice=$(json_str "$OUT" id)
run client desk sync
run client office sync
run hub --json directive list
check_contains "received by the device, not yet read" "$OUT" '"longyou":{"received_at":1'
check_contains "and not read" "$OUT" '"read_at":null'
run client office directive show "$task"
[ "$RC" -eq 0 ] || fail "a person at Longyou opens the task: exit $RC, $ERR"
run client office directive ack "$task" --reply "已收到，正在汇总"
run client office directive ack "$task" --reply "已报送，请查收"
run client office sync
run hub directive list
check_contains "the matrix says Longyou replied" "$OUT" "replied"
run hub --json directive show "$task"
check_contains "the first reply is kept" "$OUT" '"body":"已收到，正在汇总"'
check_contains "beside the second" "$OUT" '"body":"已报送，请查收"'
run hub --json directive list
check_contains "read by a person is recorded" "$OUT" '"read_at":1'
run hub directive remind "$task"
check_contains "no reminder when every county answered" "$ERR" "has answered; no reminder sent"
run hub --json directive remind "$notice"
check_contains "a reminder goes to the counties that did not answer" "$OUT" '"to":"longyou,kaihua"'
run hub directive extend "$task" --due "$(day '+3 days')"
check_contains "an extension moves the day later" "$ERR" "does not extend the deadline"
run hub directive extend "$task" --due "$(day '+14 days')"
check_contains "the task is extended" "$OUT" "now due $(day '+14 days')"
run hub directive withdraw "$notice"
[ "$RC" -eq 0 ] || fail "the notice is withdrawn: exit $RC, $ERR"
run client office sync
run client office directive list
check_contains "Longyou sees the notice withdrawn" "$OUT" "[withdrawn] 春节值班安排"
check_contains "and the reminder" "$OUT" "催办：春节值班安排"

e2e_finish
