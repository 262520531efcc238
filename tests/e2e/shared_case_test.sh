#!/usr/bin/env bash
# Cases shared by several counties, with real processes: a city reception of
# a delegation visiting Longyou and Kaihua is seen by both counties and not
# by Jiangshan; each county adds its leg of the programme and the other sees
# it after a sync; neither changes the case's fields (refused with what to
# do, at the client and, for a crafted push, at the hub), and Kaihua keeps
# the programme up to date after the city approves the visit. A county's
# own case shared with a neighbour is the same. A bad list of counties is
# refused and writes nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
e2e_require_programs

pki_init city:hub longyou:office-1 kaihua:office-1 jiangshan:office-1 city:desk-1
hub_start
client_init longyou longyou:office-1
client_init kaihua kaihua:office-1
client_init jiangshan jiangshan:office-1
client_init desk city:desk-1

sync_all() {
  for node in desk longyou kaihua jiangshan; do
    run client "$node" sync
    [ "$RC" -eq 0 ] || e2e_abort "$node syncs: exit $RC, $ERR"
  done
}

# ---- the city opens the reception, shared with the two counties it visits ----
run client desk --json case new --kind delegation_visit --county city --also longyou,kaihua \
  --title "日本佐野市友好代表团访问龙游、开化" --set organisation=佐野市役所 \
  --set visit_from="$(day '+5 days')" --set visit_to="$(day '+8 days')"
[ "$RC" -eq 0 ] || e2e_abort "the city desk opens the shared visit: exit $RC, $ERR"
visit=$(json_str "$OUT" ref)
run client desk itinerary add "$visit" --at "$(day '+5 days') 09:00" --set place=衢州市外办 --set description=欢迎会见
[ "$RC" -eq 0 ] || e2e_abort "the city adds the welcome: exit $RC, $ERR"
sync_all

run client longyou --json case list
check_contains "Longyou sees the visit it is part of" "$OUT" "日本佐野市友好代表团访问龙游、开化"
run client kaihua case list
check_contains "Kaihua sees it too, and where it is" "$OUT" "city+longyou+kaihua"
run client jiangshan --json case list
check_lacks "Jiangshan, not visited, does not" "$OUT" "佐野市"
run client jiangshan case show "$visit"
check_eq "nor can it open it by its ref" "$RC" 1

# ---- each county adds its leg of the programme ----
run client longyou itinerary add "$visit" --at "$(day '+6 days') 09:30" --set place=龙游石窟 --set description=参观
[ "$RC" -eq 0 ] || fail "Longyou adds its leg: exit $RC, $ERR"
run client kaihua itinerary add "$visit" --at "$(day '+7 days') 10:00" --set place=开化根宫佛国 --set description=参观
[ "$RC" -eq 0 ] || fail "Kaihua adds its leg: exit $RC, $ERR"
run client kaihua note add "$visit" 开化县已落实接待车辆
[ "$RC" -eq 0 ] || fail "Kaihua notes its arrangements: exit $RC, $ERR"
sync_all
sync_all
run client longyou --json itinerary list "$visit"
check_eq "Longyou holds the whole programme: the city's, its own and Kaihua's items" "$(json_count "$OUT" at)" 3
check_contains "Kaihua's leg among them" "$OUT" "开化根宫佛国"
run hub --json case show "$visit"
check_contains "the hub holds Kaihua's note" "$OUT" "开化县已落实接待车辆"

# ---- the case's fields are the city's ----
run client kaihua case set "$visit" title=改标题
check_eq "Kaihua changing the visit's title exits 1" "$RC" 1
check_contains "and says whose the case is" "$ERR" "the case is city's"
run client kaihua --json case show "$visit"
check_contains "nothing changed at Kaihua" "$OUT" '"title":"日本佐野市友好代表团访问龙游、开化"'

# ---- approved by the city; the programme is kept up to date afterwards ----
run client desk case set "$visit" status=approved
[ "$RC" -eq 0 ] || fail "the city desk approves the visit: exit $RC, $ERR"
sync_all
run client kaihua --json itinerary list "$visit"
n=$(printf '%s' "$OUT" | grep -o '"place":"开化根宫佛国"' | wc -l)
check_eq "Kaihua's item is there to change" "$n" 1
run client kaihua itinerary set "$visit" 3 place=开化钱江源国家公园
[ "$RC" -eq 0 ] || fail "Kaihua moves its visit after the approval: exit $RC, $ERR"
sync_all
sync_all
run client longyou --json itinerary list "$visit"
check_contains "Longyou sees Kaihua's change" "$OUT" "开化钱江源国家公园"

# ---- a county's own case shared with its neighbour ----
run client longyou --json case new --kind friendship_exchange --title "龙游、开化联合赴日友好交流" --also kaihua
[ "$RC" -eq 0 ] || fail "Longyou opens a case shared with Kaihua: exit $RC, $ERR"
joint=$(json_str "$OUT" ref)
sync_all
sync_all
run client kaihua --json case show "$joint"
check_contains "Kaihua sees Longyou's joint case" "$OUT" '"also_counties":"kaihua"'
run client jiangshan case show "$joint"
check_eq "Jiangshan does not" "$RC" 1

# ---- bad lists ----
for bad in longyou quzhou "kaihua,kaihua"; do
  before=$(client longyou --json case list | grep -o '"id":' | wc -l)
  run client longyou case new --kind friendship_exchange --title 错误 --also "$bad"
  check_eq "--also $bad exits 1" "$RC" 1
  check_contains "and names the field" "$ERR" "also_counties"
  after=$(client longyou --json case list | grep -o '"id":' | wc -l)
  check_eq "and writes nothing" "$after" "$before"
done

e2e_finish
