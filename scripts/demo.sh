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

step "Offline work in the counties"
trip=$(client longyou-office --json case new --kind outbound_trip --title "龙游县赴德国汉堡经贸考察" \
  --set destination=Hamburg --set depart_on=2026-12-08 --set return_on=2026-12-15 --set applicant=王立新 | id_of)
visit=$(client longyou-office --json case new --kind delegation_visit --title "日本友好城市代表团来访" \
  --set organisation=佐野市役所 --set visit_from=2026-12-02 | id_of)
client longyou-office note add "$visit" "代表团共8人，需安排翻译两名"
client longyou-office person add "$trip" --name 王立新 --set role=团长 --set name_latin="WANG LIXIN" --set gender=男 \
  --set unit=龙游县商务局 --set post=局长 --set passport_type=公务 --set passport_no=SE0000001
client longyou-office person add "$trip" --name 李敏 --set role=翻译 --set name_latin="LI MIN" --set gender=女 \
  --set unit=龙游县外事办 --set passport_type=公务普通
client longyou-office person add "$trip" --name 陈志强 --set role=成员 --set name_latin="CHEN ZHIQIANG" --set gender=男 \
  --set unit=龙游县经济开发区 --set passport_type=公务普通
client longyou-office person list "$trip"
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
hub case decide "$trip" approve --reason "同意，请做好出访前教育"
hub case decide "$donation" approve --reason "同意接收，按规定公示"

step "The city issues a task to Longyou and Kaihua; Longyou acknowledges it"
directive=$(hub --json directive issue --to longyou,kaihua --kind task --title "报送本季度涉外活动情况" \
  --body "请于12月20日前报送" --due 2026-12-20 | id_of)
client longyou-office sync
client kaihua-office sync
client longyou-office directive ack "$directive" --reply "已收到，将按时报送"
client longyou-office sync
client longyou-field sync

step "The hub's consolidated view: every case by its ref, and its official number once out of draft"
hub case list
step "The approved trip, with its number and its members"
hub case show "$trip"
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
