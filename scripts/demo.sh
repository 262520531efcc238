#!/usr/bin/env bash
# The main job: a city hub and three county clients (Longyou office and
# field laptop, Kaihua office) syncing real cases over mutual TLS on this
# machine. Installs and builds what it needs, makes a throwaway CA, works
# offline on each client, syncs, decides, issues a directive, and shows the
# hub's consolidated view, the receipt matrix and the conflict log. Stops
# everything it started; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
export LIAISON_WORK
LIAISON_WORK=$(mktemp -d /tmp/liaison-demo.XXXXXX)
# shellcheck source=scripts/lib/liaison-env.sh
source scripts/lib/liaison-env.sh
trap 'liaison_cleanup; rm -rf "$LIAISON_WORK"' EXIT

step() { printf '\n== %s\n' "$*"; }
id_of() { sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p'; }

step "Certificates: a project CA, the hub, two Longyou devices, Kaihua's office"
pki_init city:hub longyou:office-1 longyou:field-2 kaihua:office-1
"$CA_SH" list "$LIAISON_WORK/ca"

step "The city hub starts"
hub_start
echo "hub listening on 127.0.0.1:$HUB_PORT"
client_init longyou-office longyou:office-1
client_init longyou-field longyou:field-2
client_init kaihua-office kaihua:office-1

# The trip leaves in five days and is away five, its publicity done: seven
# days just past always hold five working days.
day() { date -d "$1" +%F; }
DEPART=$(day "+5 days") RETURN=$(day "+9 days")

step "Offline work in the counties"
trip=$(client longyou-office --json case new --kind outbound_trip --title "龙游县赴德国汉堡经贸考察" \
  --set destination=德国 --set depart_on="$DEPART" --set return_on="$RETURN" --set applicant=王立新 \
  --set publicity_from="$(day "-9 days")" --set publicity_to="$(day "-3 days")" | id_of)
visit=$(client longyou-office --json case new --kind delegation_visit --title "日本友好城市代表团来访" \
  --set organisation=佐野市役所 --set visit_from=2026-12-02 | id_of)
client longyou-office note add "$visit" "代表团共8人，需安排翻译两名"
client longyou-office person add "$trip" --name 王立新 --set role=团长 --set name_latin="WANG LIXIN" --set gender=男 \
  --set unit=龙游县商务局 --set post=局长 --set passport_type=公务 --set passport_no=SE0000001
client longyou-office person add "$trip" --name 李敏 --set role=翻译 --set name_latin="LI MIN" --set gender=女 \
  --set unit=龙游县外事办 --set passport_type=公务普通
client longyou-office person add "$trip" --name 陈志强 --set role=成员 --set name_latin="CHEN ZHIQIANG" --set gender=男 \
  --set unit=龙游县经济开发区 --set passport_type=公务普通
client longyou-office itinerary add "$trip" --at "$DEPART 14:00" --set place=汉堡港务局 --set "description=会见港务局局长"
client longyou-office itinerary add "$trip" --at "$(day "+6 days") 09:30" --set place=易北河航运公司 \
  --set "description=参观集装箱码头"
client longyou-office person list "$trip"
echo "Longyou's passport register: the members' official passports, in custody"
for holder in "王立新 service SE0000001" "李敏 official EC0000002" "陈志强 official EC0000003"; do
  read -r name type number <<<"$holder"
  client longyou-office case new --kind passport --title "$name 因公护照" --set holder="$name" \
    --set passport_type="$type" --set passport_no="$number" --set expires_on="$(day "+4 years")" >/dev/null
done
client longyou-office passport list
donation=$(client kaihua-office --json case new --kind donation --title "旅法华侨捐赠助学款" \
  --set donor=陈志远 --set country=France --set "amount=50000 EUR" | id_of)
client kaihua-office case submit "$donation"
client longyou-office case list

step "First sync: both offices push; the Longyou field laptop receives its county's cases only"
client longyou-office sync
client kaihua-office sync
client longyou-field sync
client longyou-field case list

step "Both Longyou devices edit the same case while offline"
client longyou-office case set "$trip" "purpose=考察汉堡港物流合作"
sleep 1
client longyou-field case set "$trip" "purpose=考察汉堡港与易北河航运合作" "applicant=王立新、李敏"
client longyou-office sync
client longyou-field sync
client longyou-office sync
echo "both devices now show:"
client longyou-office case show "$trip" | grep -E "purpose|applicant"
client longyou-field case show "$trip" | grep -E "purpose|applicant"

step "Longyou submits the trip; the city decides both submitted cases"
client longyou-office case submit "$trip"
client longyou-office sync
echo "the reviewer's view of the trip, checked against the city's limits ('hub settings'):"
hub case show "$trip" | grep -E "review flag|destination|depart_on|return_on|publicity" || true
hub case decide "$trip" approve --reason "同意，请做好出访前教育"
hub case decide "$donation" approve --reason "同意接收，按规定公示"

step "The approved trip goes on at Longyou: passports lent, briefed, travelling, home, passports back, report filed"
client longyou-office sync
for number in SE0000001 EC0000002 EC0000003; do client longyou-office passport lend "$number" --trip "$trip"; done
client longyou-office case set "$trip" status=briefed briefing_done=是
client longyou-office case set "$trip" status=travelling
echo "on the road, the field laptop records the gifts:"
client longyou-field sync
client longyou-field gift add "$trip" --item 龙游黑陶花瓶 --set direction=赠出 --set counterpart=汉堡港务局
client longyou-field gift add "$trip" --item 汉堡港纪念铜盘 --set direction=收受 --set counterpart=汉堡港务局 \
  --set handed_over=是
client longyou-field sync
client longyou-office case set "$trip" status=home back_on="$RETURN"
for number in SE0000001 EC0000002 EC0000003; do client longyou-office passport return "$number" --on "$(day "+11 days")"; done
client longyou-office case set "$trip" status=reported report_filed_on="$(day "+16 days")"
client longyou-office sync

step "The city issues a task to Longyou and Kaihua; Longyou acknowledges it"
directive=$(hub --json directive issue --to longyou,kaihua --kind task --title "报送本季度涉外活动情况" \
  --body "请于两周内报送" --due "$(day "+14 days")" | id_of)
client longyou-office sync
client kaihua-office sync
client longyou-office directive ack "$directive" --reply "已收到，将按时报送"
client longyou-office sync
client longyou-field sync

step "The hub's consolidated view: every case by its ref, and its official number once out of draft"
hub case list
step "The trip, reported: its number, members, passports, programme and gifts"
hub case show "$trip"
step "The city's workflow settings (limits and deadlines, with their basis)"
hub settings
step "Receipt matrix"
hub directive list
step "Nodes"
hub nodes
step "Conflict log at the hub (every concurrent edit whose value lost; restorable)"
hub conflicts
step "Conflict log on the Longyou office PC (its own value that lost)"
client longyou-office conflicts
step "Done"
hub_stop
echo "hub log:"
sed 's/^/  /' "$HUB_LOG"
