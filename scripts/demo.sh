#!/usr/bin/env bash
# The main job: a day of the office, with a city hub, a city desk and three
# county clients (Longyou office and field laptop, Kaihua office) syncing
# real cases over mutual TLS on this machine. A Longyou trip abroad with its
# members' passports lent from the register, approved with an official
# number, briefed, travelled, passports back, report filed, each change by
# a person signed in at a device, named in the case's history; a Kaihua
# incident reported at once and alerted at the city; a city reception of a
# delegation visiting Longyou and Kaihua; a task with a reminder to the
# county that did not answer; cases found by a traveller's name; the
# month's report, also as a workbook (/tmp/liaison-demo-report.xlsx); the
# trip's one-page sheet for the paper file (/tmp/liaison-demo-case-sheet.xlsx).
# Everything people read is in Chinese (--lang
# en for English). Installs and builds what it needs, makes a throwaway CA;
# stops everything it started; safe to run again.
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

step "证书：项目CA，市级枢纽、市外办工作站、龙游县两台设备、开化县办公室"
pki_init city:hub city:desk-1 longyou:office-1 longyou:field-2 kaihua:office-1
"$CA_SH" list "$LIAISON_WORK/ca"

step "市级枢纽启动"
hub_start
echo "市级枢纽在 127.0.0.1:$HUB_PORT 监听"
client_init longyou-office longyou:office-1
client_init longyou-field longyou:field-2
client_init kaihua-office kaihua:office-1
client_init city-desk city:desk-1

step "人员账号：市外办为各单位添加账号，设备同步后由本人登录（此后每次修改都记在本人名下）"
printf 'Liaison-2026\n' >"$LIAISON_WORK/password"
chmod 600 "$LIAISON_WORK/password"
hub staff add --name 张晓燕 --county longyou --role officer --full-name 张晓燕 --password-file "$LIAISON_WORK/password"
hub staff add --name 陈刚 --county longyou --role officer --password-file "$LIAISON_WORK/password"
hub staff add --name 吴海 --county kaihua --role officer --password-file "$LIAISON_WORK/password"
hub staff add --name 周敏 --county city --role director --password-file "$LIAISON_WORK/password"
hub staff list
for node in longyou-office longyou-field kaihua-office city-desk; do client "$node" sync; done
client longyou-office staff signin 张晓燕 --password-file "$LIAISON_WORK/password"
client longyou-field staff signin 陈刚 --password-file "$LIAISON_WORK/password"
client kaihua-office staff signin 吴海 --password-file "$LIAISON_WORK/password"
client city-desk staff signin 周敏 --password-file "$LIAISON_WORK/password"

# The trip leaves in five days and is away five, its publicity done: seven
# days just past always hold five working days.
# Days as the programs count them: in China (UTC+8).
day() { TZ=UTC-8 date -d "$1" +%F; }
DEPART=$(day "+5 days") RETURN=$(day "+9 days")

step "各县离线办公"
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
echo "龙游县因公护照登记：团组成员的护照，在库保管"
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

step "首次同步：两县上传；龙游县外勤笔记本只收到本县案件"
client longyou-office sync
client kaihua-office sync
client longyou-field sync
client longyou-field case list

step "龙游县两台设备离线修改同一案件"
client longyou-office case set "$trip" "purpose=考察汉堡港物流合作"
sleep 1
client longyou-field case set "$trip" "purpose=考察汉堡港与易北河航运合作" "applicant=王立新、李敏"
client longyou-office sync
client longyou-field sync
client longyou-office sync
echo "两台设备现在一致："
client longyou-office case show "$trip" | grep -E "^(事由|申请人) "
client longyou-field case show "$trip" | grep -E "^(事由|申请人) "

step "龙游县报送出访申请；市外办审批两件报送的案件"
client longyou-office case submit "$trip"
client longyou-office sync
echo "审核人看到的出访申请，按市外办的限额检查（hub settings）："
hub case show "$trip" | grep -E "^(审核提示|出访国家|出发日期|回国日期|公示)" || true
hub case decide "$trip" approve --reason "同意，请做好出访前教育" --by 周敏
hub case decide "$donation" approve --reason "同意接收，按规定公示" --by 周敏

step "批准后的出访在龙游县继续：借出护照、行前教育、出访、回国、交还护照、报送出访报告"
client longyou-office sync
for number in SE0000001 EC0000002 EC0000003; do client longyou-office passport lend "$number" --trip "$trip"; done
client longyou-office case set "$trip" status=briefed briefing_done=是
client longyou-office case set "$trip" status=travelling
echo "出访途中，外勤笔记本登记礼品："
client longyou-field sync
client longyou-field gift add "$trip" --item 龙游黑陶花瓶 --set direction=赠出 --set counterpart=汉堡港务局
client longyou-field gift add "$trip" --item 汉堡港纪念铜盘 --set direction=收受 --set counterpart=汉堡港务局 \
  --set handed_over=是
client longyou-field sync
client longyou-office case set "$trip" status=home back_on="$RETURN"
for number in SE0000001 EC0000002 EC0000003; do client longyou-office passport return "$number" --on "$(day "+11 days")"; done
client longyou-office case set "$trip" status=reported report_filed_on="$(day "+16 days")"
client longyou-office sync

step "开化县发生涉外突发事件：立即首报，市外办收到提醒"
incident=$(client kaihua-office --json case new --kind foreign_incident --title "韩国游客在开化根宫佛国景区受伤" \
  --set occurred_on="$(day today)" --set location=开化根宫佛国文化旅游区 --set nationality=韩国 --set severity=较大 |
  id_of)
client kaihua-office incident report "$incident" "韩国游客一人摔伤，已送县人民医院救治，无生命危险，已联系其领队"
client kaihua-office sync
hub alerts
hub case decide "$incident" acknowledge --reason "已知悉，请做好家属联络和后续报告" --by 周敏
client kaihua-office sync
client kaihua-office incident report "$incident" "伤者已出院，随团离开，费用由旅行社保险承担" --final
client kaihua-office sync
hub case decide "$incident" resolve --reason "妥善处置，同意结案" --by 周敏
client kaihua-office sync
client kaihua-office case show "$incident" | grep -E "首报|终报|^状态"

step "市外办接待访问龙游、开化两县的外宾团组：两县都看到并安排各自行程"
reception=$(client city-desk --json case new --kind delegation_visit --county city --also longyou,kaihua \
  --title "日本佐野市友好代表团访问衢州" --set organisation=佐野市役所 --set visit_from="$(day "+20 days")" \
  --set visit_to="$(day "+23 days")" --set participants=8 | id_of)
client city-desk itinerary add "$reception" --at "$(day "+20 days") 15:00" --set place=衢州市外办 \
  --set "description=市领导会见"
client city-desk sync
client longyou-office sync
client kaihua-office sync
client longyou-office itinerary add "$reception" --at "$(day "+21 days") 09:30" --set place=龙游石窟 --set "description=参观"
client kaihua-office itinerary add "$reception" --at "$(day "+22 days") 10:00" --set place=钱江源国家公园 \
  --set "description=考察生态保护"
client kaihua-office sync
client longyou-office sync
client city-desk sync
client city-desk case set "$reception" status=approved decision_reason=同意接待
client city-desk sync
client longyou-office sync
client kaihua-office sync
echo "开化县看到的完整行程："
client kaihua-office itinerary list "$reception"

step "市外办下达任务；龙游县回复，未回复的开化县收到催办"
directive=$(hub --json directive issue --to longyou,kaihua --kind task --title "报送本季度涉外活动情况" \
  --body "请于两周内报送" --due "$(day "+14 days")" | id_of)
client longyou-office sync
client kaihua-office sync
client longyou-office directive ack "$directive" --reply "已收到，将按时报送"
client longyou-office sync
client longyou-field sync
hub directive remind "$directive"
client kaihua-office sync
client kaihua-office directive list
reminder=$(client kaihua-office --json directive list | grep -o '"id":"[0-9a-f-]*","kind":"task","title":"催办[^"]*"' |
  sed 's/"id":"\([0-9a-f-]*\)".*/\1/' | head -n1)
client kaihua-office directive ack "$reminder" --reply "已报送，请查收"
client kaihua-office sync

step "市级汇总：每件案件的编号，报送后的正式文号"
hub case list
step "已报告的出访：文号、成员、护照、行程和礼品"
hub case show "$trip"
step "出访的修改历史：每次修改的时间、经办人、设备、字段、原值和新值"
hub case history "$trip"
hub case sheet "$trip" --out /tmp/liaison-demo-case-sheet.xlsx
client longyou-field case history "$trip"
hub audit verify
step "查找案件：按人名（中文或护照拼写）、标题中的词、编号"
hub case search 李敏
client longyou-office case search "chen zhiqiang"
step "本月统计报表（各县立案、出访人次、来访外宾、涉外事件、捐赠、文件办理），另存为 Excel 工作簿"
hub report --from "$(day "-30 days")" --to "$(day "+30 days")"
hub report --from "$(day "-30 days")" --to "$(day "+30 days")" --format xlsx --out /tmp/liaison-demo-report.xlsx
step "市外办的审批设置（限额和期限，及其依据）"
hub settings
step "文件签收情况"
hub directive list
hub directive show "$directive"
step "设备"
hub nodes
step "枢纽的冲突记录（每次并发修改中被覆盖的值，可恢复）"
hub conflicts
step "龙游县办公电脑上的冲突记录（本机被覆盖的值）"
client longyou-office conflicts
step "完成"
hub_stop
echo "枢纽日志："
sed 's/^/  /' "$HUB_LOG"
