#!/usr/bin/env bash
# End-to-end test of liaison-client's offline commands, with a throw-away CA
# made by plain openssl commands (ECDSA P-256): init, cases, notes, typed
# fields and their refusals, local authority pre-checks, JSON output,
# status, and the error messages and exit statuses of bad input.
# (Sync against a real hub is tested elsewhere.)
#
# usage: tests/client/client_cli_test.sh [path/to/liaison-client]
#        (default: build/client/liaison-client, or $LIAISON_CLIENT)
# Exits non-zero on any failure; the last line is "N passed, M failed".
set -u

here=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-${LIAISON_CLIENT:-$here/../../build/client/liaison-client}}
if [ ! -x "$BIN" ]; then
  echo "liaison-client not found at $BIN — build it: cmake --build build --target liaison-client" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
unset LIAISON_DATA

passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# run ARGS...: runs the client; sets OUT, ERR, RC.
run() {
  OUT=$("$BIN" "$@" 2>"$WORK/stderr")
  RC=$?
  ERR=$(cat "$WORK/stderr")
}
# expect NAME RC [stdout-substring] [stderr-substring]
expect() {
  local name=$1 rc=$2 out=${3:-} err=${4:-}
  if [ "$RC" != "$rc" ]; then bad "$name: exit $RC, wanted $rc (stdout: $OUT) (stderr: $ERR)"; return; fi
  if [ -n "$out" ] && [[ "$OUT" != *"$out"* ]]; then bad "$name: stdout lacks '$out': $OUT"; return; fi
  if [ -n "$err" ] && [[ "$ERR" != *"$err"* ]]; then bad "$name: stderr lacks '$err': $ERR"; return; fi
  ok
}
# check NAME COMMAND...: passes when the command succeeds.
check() {
  local name=$1
  shift
  if "$@"; then ok; else bad "$name"; fi
}
json_number() { printf '%s' "$1" | grep -o "\"$2\":[-0-9.]*" | head -n1 | cut -d: -f2; }
count_ids() { printf '%s' "$1" | grep -o '{"id":' | wc -l | tr -d ' '; }

# ---- a CA and node certificates, plain openssl ----
PKI=$WORK/pki
mkdir -p "$PKI"
(
  cd "$PKI" || exit 1
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
  openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/CN=Liaison Test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth,serverAuth\n' >node.ext
  for pair in longyou:longyou:office-1 city:city:desk-1; do
    file=${pair%%:*}
    cn=${pair#*:}
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$file.key"
    chmod 600 "$file.key"
    openssl req -new -key "$file.key" -subj "/CN=$cn" -out "$file.csr"
    openssl x509 -req -in "$file.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -sha256 \
      -extfile node.ext -out "$file.pem"
  done
) >"$WORK/openssl.log" 2>&1 || { cat "$WORK/openssl.log" >&2; echo "0 passed, 1 failed"; exit 1; }

D=$WORK/longyou  # a county office's data folder
C=$WORK/city     # a city desk's
HUB=hub.quzhou.test:7443

# ---- usage ----
run --help
expect "--help prints usage" 0 "usage: liaison-client"
run
expect "no arguments prints usage, exit 2" 2 "" "usage: liaison-client"
run --data "$D" frobnicate
expect "unknown command" 2 "" "liaison-client: no command 'frobnicate'"
run case list
expect "no --data and no LIAISON_DATA" 2 "" "liaison-client: no data folder — give --data DIR"

# ---- init ----
run init --data "$D" --hub "$HUB" --ca "$PKI/ca.pem" --cert "$PKI/longyou.pem" --key "$PKI/city.key"
expect "init refuses a key that does not match the certificate" 1 "" "key $PKI/city.key does not belong to certificate"
check "refused init wrote nothing" test ! -e "$D/client.json"
run init --data "$D" --hub "no-port:" --ca "$PKI/ca.pem" --cert "$PKI/longyou.pem" --key "$PKI/longyou.key"
expect "init refuses a bad hub address" 2 "" "hub address"
run init --data "$D" --hub "$HUB" --ca "$PKI/ca.pem" --cert "$PKI/nope.pem" --key "$PKI/longyou.key"
expect "init refuses a missing certificate" 1 "" "nope.pem"
(cd "$PKI" && "$BIN" init --data "$D" --hub "$HUB" --ca ca.pem --cert longyou.pem --key longyou.key >"$WORK/init.out" 2>&1)
RC=$? OUT=$(cat "$WORK/init.out") ERR=""
expect "init with relative paths" 0 "longyou:office-1"
check "init creates client.json" test -f "$D/client.json"
check "init creates replica.db" test -f "$D/replica.db"
check "data folder is mode 0700" test "$(stat -c %a "$D")" = 700
check "config stores absolute paths" grep -q "\"cert\": \"$PKI/longyou.pem\"" "$D/client.json"
check "config names the node from the CN" grep -q '"node": "longyou:office-1"' "$D/client.json"
run init --data "$D" --hub "$HUB" --ca "$PKI/ca.pem" --cert "$PKI/longyou.pem" --key "$PKI/longyou.key"
expect "init refuses to overwrite without --force" 1 "" "already exists"
run init --data "$D" --hub "other.test:8443" --ca "$PKI/ca.pem" --cert "$PKI/longyou.pem" --key "$PKI/longyou.key" --force --json
expect "init --force replaces the config" 0 '"hub":"other.test:8443"'
run init --data "$D" --hub "$HUB" --ca "$PKI/ca.pem" --cert "$PKI/city.pem" --key "$PKI/city.key" --force
expect "init --force refuses another node's replica" 1 "" "belongs to longyou:office-1"
run init --data "$D" --hub "$HUB" --ca "$PKI/ca.pem" --cert "$PKI/longyou.pem" --key "$PKI/longyou.key" --force
expect "init --force back to the hub" 0
run init --data "$C" --hub "$HUB" --ca "$PKI/ca.pem" --cert "$PKI/city.pem" --key "$PKI/city.key"
expect "init a city desk" 0 "city:desk-1"

# ---- bad data folders ----
run --data "$WORK/nowhere" case list
expect "missing data folder" 1 "" "data folder $WORK/nowhere does not exist"
mkdir -p "$WORK/empty"
run --data "$WORK/empty" status
expect "data folder without config" 1 "" "run 'liaison-client init"
mkdir -p "$WORK/broken" && echo '{"version": 1, "node": ' >"$WORK/broken/client.json"
run --data "$WORK/broken" status
expect "damaged config" 1 "" "is damaged"

# ---- case new / show ----
TITLE='龙游县赴日本友好城市交流团（第一批）'
run --data "$D" case new --kind friendship_exchange --title "$TITLE" --set partner_city=Kiryu --set country=日本
expect "case new with a Chinese title" 0
check "case new prints the case's ref and id" \
  grep -Eqx '[2-9A-HJKMNP-TV-Z]{3}-[2-9A-HJKMNP-TV-Z]{3}  [0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}' <<<"$OUT"
CASE1_REF=${OUT%% *}
CASE1=${OUT##* }
run --data "$D" case show "$(tr 'A-Z' 'a-z' <<<"${CASE1_REF/-/}")" --json
expect "case show finds a case by its ref, typed in lower case without the dash" 0 "\"id\":\"$CASE1\""
expect "case show --json has the ref" 0 "\"ref\":\"$CASE1_REF\""
run --data "$D" case show "$CASE1" --json
expect "case show --json returns the title exactly" 0 "\"title\":\"$TITLE\""
expect "case show --json has the county" 0 '"county":"longyou"'
expect "case show --json has the initial status" 0 '"status":"draft"'
expect "case show --json has created_by" 0 '"created_by":"longyou:office-1"'
expect "case show --json has --set fields" 0 '"country":"日本"'
check "case show --json leaves out null fields" bash -c "! grep -q '\"destination\"' <<<'$OUT'"
check "case show --json is one object" grep -qx '{"id":"'"$CASE1"'".*}' <<<"$OUT"
LIAISON_DATA=$D run case show "$CASE1"
expect "LIAISON_DATA and a human case show" 0 "$TITLE"

run --data "$D" case new --kind donation --title "Donation from Kiryu" --set amount=abc
expect "case new refuses a wrong type" 1 "" "'amount' needs a number"
run --data "$D" case new --kind donation --title "x" --set destination=Tokyo
expect "case new refuses a field of another kind" 1 "" "valid fields for a donation case"
run --data "$D" case new --kind donation --title "x" --set status=approved
expect "case new refuses a status" 1 "" "starts as draft"
run --data "$D" case new --kind nonsense --title "x"
expect "case new refuses an unknown kind" 2 "" "no case kind 'nonsense'"
run --data "$D" case new --kind donation --title "x" --county kaihua
expect "a county can't open another county's case" 1 "" "only for longyou, not kaihua"
run --data "$D" case new --kind donation
expect "case new needs a title" 2 "" "--title is required"
run --data "$D" case list --json
check "refused case new wrote nothing" test "$(count_ids "$OUT")" = 1

run --data "$D" case new --kind donation --title "来自桐生市的捐赠" --set donor=Kiryu --set "amount=2500.5 JPY"
expect "case new donation" 0
CASE2=${OUT##* }
run --data "$D" case new --kind delegation_visit --title "德国汉堡市代表团来访" --json
expect "case new --json" 0 '{"id":"'
CASE3=$(printf '%s' "$OUT" | grep -o '[0-9a-f-]\{36\}')

# ---- case list filters ----
run --data "$D" case list --json
check "case list --json lists all three" test "$(count_ids "$OUT")" = 3
expect "case list --json objects carry updated_at" 0 '"updated_at":'
run --data "$D" case list --kind donation --json
check "case list --kind filters" test "$(count_ids "$OUT")" = 1
expect "case list --kind returns that case" 0 "\"id\":\"$CASE2\""
run --data "$D" case list --county kaihua --json
expect "case list --county with no match is []" 0 "[]"
run --data "$D" case list --status submitted --json
expect "case list --status with no match is []" 0 "[]"
run --data "$D" case list --status nonsense
expect "case list refuses an unknown status" 2 "" "no case status 'nonsense'"
run --data "$D" case list
expect "case list table" 0 "来自桐生市的捐赠"

# ---- case set: typed fields and refusals ----
run --data "$D" case set "$CASE3" participants=12 organisation=汉堡市政府 visit_from=2026-12-01
expect "case set typed fields" 0 "updated case"
run --data "$D" case show "$CASE3" --json
expect "integer field stored as a number" 0 '"participants":12'
expect "text field stored as text" 0 '"organisation":"汉堡市政府"'
run --data "$D" case set "$CASE2" amount=3000.25
run --data "$D" case show "$CASE2" --json
expect "real field stored as a number" 0 '"amount":3000.25'
run --data "$D" case set "$CASE3" participants=twelve
expect "case set refuses a wrong type" 1 "" "'participants' needs a whole number"
run --data "$D" case set "$CASE3" participants=1.5
expect "case set refuses a fraction for a whole number" 1 "" "needs a whole number"
run --data "$D" case set "$CASE3" colour=blue
expect "case set refuses an unknown field, listing valid ones" 1 "" "valid fields for a delegation_visit case: title"
run --data "$D" case set "$CASE3" destination=Tokyo
expect "case set refuses a field of another kind" 1 "" "'destination' is a field of outbound_trip cases"
run --data "$D" case set "$CASE3" county=kaihua
expect "case set refuses a program-kept field" 1 "" "can't be set"
run --data "$D" case set "$CASE3" summary=partial participants=lots
expect "case set with one bad field" 1
run --data "$D" case show "$CASE3" --json
check "a refused case set writes nothing" bash -c "! grep -q '\"summary\"' <<<'$OUT'"
expect "refused case set left the old value" 0 '"participants":12'
run --data "$D" case set "$CASE3" participants
expect "case set needs FIELD=VALUE" 2 "" "is not FIELD=VALUE"
run --data "$D" case set "$CASE3" summary=暂定 summary=
run --data "$D" case show "$CASE3" --json
check "FIELD= clears a field" bash -c "! grep -q '\"summary\"' <<<'$OUT'"

# ---- typed fields: dates, spans, money, flags, counts, periods, choices ----
run --data "$D" --json case new --kind outbound_trip --title "赴德国汉堡" --set depart_on=2027-03-01 --set return_on=2027-03-06
expect "a trip with its dates" 0 '"ref":"'
TRIP=$(printf '%s' "$OUT" | grep -o '[0-9a-f-]\{36\}')
run --data "$D" case set "$TRIP" return_on=2027-02-30
expect "a day not in the calendar is refused, naming the field" 1 "" "'return_on' '2027-02-30' is not a date like 2026-12-31"
run --data "$D" case set "$TRIP" return_on=2027-02-28
expect "a return before the departure is refused" 1 "" "'return_on' 2027-02-28 is before 'depart_on' 2027-03-01"
run --data "$D" case new --kind outbound_trip --title "倒序" --set depart_on=2027-03-10 --set return_on=2027-03-01
expect "a new trip that returns before it leaves is refused" 1 "" "is before 'depart_on' 2027-03-10"
run --data "$D" case set "$TRIP" briefing_done=7
expect "a flag takes 1 or 0" 1 "" "'briefing_done' '7' must be 1 (yes) or 0 (no)"
run --data "$D" case set "$TRIP" briefing_done=是
run --data "$D" case show "$TRIP" --json
expect "a flag typed as 是 is stored as 1" 0 '"briefing_done":1'
expect "the refused dates left the trip's dates" 0 '"return_on":"2027-03-06"'
run --data "$D" case new --kind donation --title "侨胞捐款" --set amount=50000
expect "an amount without its currency is refused, saying what to type" 1 "" "needs its currency — write amount=\"50000 EUR\""
run --data "$D" --json case new --kind donation --title "侨胞捐款" --set "amount=50000 eur"
expect "an amount typed with its currency" 0
GIFT=$(printf '%s' "$OUT" | grep -o '[0-9a-f-]\{36\}')
run --data "$D" case show "$GIFT" --json
expect "the amount is a number" 0 '"amount":50000'
expect "the currency is its ISO code" 0 '"currency":"EUR"'
run --data "$D" case set "$GIFT" currency=euro
expect "a currency that is no ISO code is refused" 1 "" "is not a currency code like CNY, EUR or USD"
run --data "$D" case set "$CASE3" participants=-3
expect "a count is not negative" 1 "" "must be a whole number, 0 or more"
run --data "$D" --json case new --kind situation_report --title "一季度涉外情况" --set period=2027年第一季度
expect "a period typed in Chinese" 0
REPORT=$(printf '%s' "$OUT" | grep -o '[0-9a-f-]\{36\}')
run --data "$D" case show "$REPORT" --json
expect "is stored as the quarter" 0 '"period":"2027-Q1"'
run --data "$D" case set "$REPORT" period=2027Q5
expect "a fifth quarter is refused" 1 "" "is not a period like 2027-Q1 (a quarter) or 2027-03 (a month)"
run --data "$D" --json case new --kind foreign_incident --title "外籍游客受伤" --set severity=重大 --set occurred_on=2026-12-01
expect "an incident with its severity typed as its label" 0
INCIDENT=$(printf '%s' "$OUT" | grep -o '[0-9a-f-]\{36\}')
run --data "$D" case show "$INCIDENT" --json
expect "is stored as the choice's value" 0 '"severity":"major"'
run --data "$D" case set "$INCIDENT" severity=terrible
expect "a severity not on the list is refused, listing them" 1 "" "is not one of minor (一般), serious (较大), major (重大), critical (特别重大)"

# ---- people of a case ----
run --data "$D" person add "$TRIP" --name 王立新 --set role=团长 --set name_latin="WANG LIXIN" --set gender=男 \
  --set born_on=1975-04-12 --set passport_type=公务 --set passport_no=SE1234567 --set unit=龙游县商务局 --set post=局长
expect "person add with typed fields" 0 "added 王立新 as person 1 of case"
run --data "$D" person add "$TRIP" --name 李敏 --set role=翻译 --set gender=female
expect "a second person" 0 "as person 2 of case"
run --data "$D" person add "$TRIP" --set role=成员
expect "a person without a name is refused" 2 "" "a person needs a name"
run --data "$D" person add "$TRIP" --name 张三 --set born_on=1980-02-30
expect "a person's date of birth must be a day" 1 "" "'born_on' '1980-02-30' is not a date"
run --data "$D" person add "$TRIP" --name 张三 --set gender=unknown
expect "a gender not on the list is refused" 1 "" "is not one of male (男), female (女)"
run --data "$D" person add "$TRIP" --name 张三 --set shoe_size=42
expect "an unknown person field is refused, listing the fields" 1 "" "no person field 'shoe_size' — a person's fields: role, name"
run --data "$D" person list "$TRIP" --json
check "the refused additions wrote nothing: two people" test "$(count_ids "$OUT")" = 2
expect "the passport type is stored as its value" 0 '"passport_type":"service"'
expect "the gender typed as 男 is stored as male" 0 '"gender":"male"'
run --data "$D" person list "$TRIP"
expect "person list shows them numbered" 0 "WANG LIXIN"
run --data "$D" person set "$TRIP" 2 name_latin="LI MIN" post=科员
expect "person set by number" 0 "updated 李敏: name_latin, post"
run --data "$D" person set "$TRIP" 3 post=科员
expect "person set names a number not in the list" 1 "" "has 2 people; there is no number 3"
run --data "$D" person remove "$TRIP" 1
expect "person remove" 0 "removed 王立新 from case"
run --data "$D" case show "$TRIP" --json
expect "case show lists the case's people" 0 '"people":[{"id":"'
check "a removed person is not listed" bash -c "! grep -q '王立新' <<<'$OUT'"

# ---- a programme and gifts ----
run --data "$D" itinerary add "$TRIP" --set place=汉堡港
expect "an itinerary item needs its time" 2 "" "every itinerary item needs --at WHEN — usage: liaison-client itinerary add CASE --at WHEN"
run --data "$D" itinerary add "$TRIP" --at "12月9日上午" --set place=汉堡港务局 --set "description=会见港务局局长"
expect "itinerary add" 0 "added 12月9日上午 as itinerary item 1 of case"
run --data "$D" itinerary add "$TRIP" --at "12月9日下午" --set place=易北河航运公司
run --data "$D" itinerary set "$TRIP" 2 "description=参观码头"
expect "itinerary set" 0 "updated 12月9日下午: description"
run --data "$D" --json itinerary list "$TRIP"
expect "itinerary list --json" 0 '"place":"易北河航运公司","description":"参观码头"'
run --data "$D" itinerary remove "$TRIP" 3
expect "itinerary remove names a number not in the list" 1 "" "has 2 itinerary items; there is no number 3"
run --data "$D" gift add "$TRIP" --item 龙游黑陶花瓶 --set direction=送出
expect "a gift's direction is one of its choices" 1 "" "'direction' '送出' is not one of"
run --data "$D" gift add "$TRIP" --item 龙游黑陶花瓶 --set direction=赠出 --set counterpart=汉堡港务局 \
  --set value=800 --set currency=cny
expect "gift add" 0 "added 龙游黑陶花瓶 as gift 1 of case"
run --data "$D" --json gift list "$TRIP"
expect "gift list --json keeps the typed values" 0 '"direction":"given","item":"龙游黑陶花瓶","counterpart":"汉堡港务局","value":800.0,"currency":"CNY"'
run --data "$D" gift set "$TRIP" 1 handed_over=7
expect "a gift's flag is yes or no" 1 "" "handed_over"
run --data "$D" --json case show "$TRIP"
expect "case show lists the programme" 0 '"itinerary":[{"id":"'
expect "case show lists the gifts" 0 '"gifts":[{"id":"'

run --data "$D" case submit "$TRIP"
run --data "$D" person add "$TRIP" --name 赵六
expect "a county can't change the people of a submitted case" 1 "" "changes its people only while it is being drafted or returned"
run --data "$D" itinerary add "$TRIP" --at "12月10日" --set place=不来梅
expect "a trip's programme is fixed once submitted" 1 "" "changes its itinerary_items only while it is being drafted or returned"
run --data "$D" gift add "$TRIP" --item 丝绸围巾 --set direction=赠出
expect "its gifts are recorded until it is finished" 0 "as gift 2"

# ---- authority pre-checks ----
run --data "$D" case set "$CASE1" status=approved
expect "a county can't approve" 1 "" "a county office may not move a case from draft to approved — moves open to you from draft: submitted"
run --data "$D" case set "$CASE1" decision_reason=ok
expect "a county can't write a city field" 1 "" "only the city office may set 'decision_reason'"
run --data "$D" case show "$CASE1" --json
expect "the refused approval wrote nothing" 0 '"status":"draft"'

# ---- case submit ----
run --data "$D" case submit "$CASE1"
expect "case submit" 0 "submitted case"
run --data "$D" case show "$CASE1" --json
expect "case is submitted" 0 '"status":"submitted"'
run --data "$D" case submit "$CASE1"
expect "second submit is refused" 1 "" "is already submitted"
run --data "$D" case set "$CASE1" title=改
expect "a county can't edit a submitted case" 1 "" "only while it is being drafted or returned"
run --data "$D" case set "$CASE1" status=draft
expect "a county may withdraw a submitted case" 0
run --data "$D" case submit "$CASE1" --json
expect "case submit --json prints the case" 0 '"status":"submitted"'

# ---- notes ----
run --data "$D" note add "${CASE1:0:13}" 代表团已抵达龙游，入住龙游宾馆。
expect "note add by id prefix" 0 "added note"
run --data "$D" case show "$CASE1" --json
expect "case show --json lists notes" 0 '"notes":[{"id":"'
expect "the note keeps its text" 0 '"body":"代表团已抵达龙游，入住龙游宾馆。"'
expect "the note names its author" 0 '"author":"longyou:office-1"'
run --data "$D" note add "$CASE1" "   "
expect "an empty note is refused" 2 "" "the note is empty"

# ---- ids: bad, unknown, ambiguous ----
run --data "$D" case show xyz
expect "a malformed id is a usage error" 2 "" "'xyz' names no case"
run --data "$D" case show 1234
expect "a too-short prefix is a usage error" 2 "" "at least the id's first 8 hex digits"
run --data "$D" case show ffffffff
expect "an unknown prefix" 1 "" "no case with an id starting ffffffff"
run --data "$D" case show 00000000-0000-7000-8000-000000000000
expect "an unknown full id" 1 "" "no case 00000000-0000-7000-8000-000000000000"
# UUIDv7 ids made within ~65 s share their first 8 hex digits.
prefix=${CASE1:0:8}
found=""
for _ in 1 2 3; do
  run --data "$D" case list --json
  if [ "$(printf '%s' "$OUT" | grep -o "\"id\":\"$prefix" | wc -l)" -ge 2 ]; then found=1; break; fi
  run --data "$D" case new --kind delegation_visit --title "filler"
  prefix=${OUT:0:8}
done
if [ -n "$found" ]; then
  run --data "$D" case show "$prefix"
  expect "an ambiguous prefix" 1 "" "matches"
else
  bad "could not make two cases sharing an 8-digit prefix"
fi

# ---- logs and status ----
run --data "$D" conflicts --json
expect "conflicts --json is [] before any sync" 0 "[]"
check "conflicts --json prints exactly []" test "$OUT" = "[]"
run --data "$D" rejections --json
check "rejections --json prints exactly []" test "$OUT" = "[]"
run --data "$D" conflicts
expect "conflicts human" 0 "no conflicts"
run --data "$D" conflicts restore 3
expect "restoring an unknown conflict" 1 "" "no conflict 3"
run --data "$D" conflicts restore x
expect "conflicts restore needs a number" 2 "" "is not a conflict number"
run --data "$D" status --json
expect "status --json" 0 '"node":"longyou:office-1"'
expect "status --json never synced" 0 '"last_sync_ms":null'
pending=$(json_number "$OUT" pending_changes)
check "status --json counts pending changes before any sync (got '$pending')" test "${pending:-0}" -gt 0
run --data "$D" status
expect "status human" 0 "pending changes"

# ---- directives ----
run --data "$D" directive list --json
check "directive list --json prints exactly [] before any sync" test "$OUT" = "[]"
run --data "$D" directive ack 0123456789abcdef
expect "acknowledging an unknown directive" 1 "" "no directive"

# ---- overdue ----
run --data "$D" overdue
expect "overdue with nothing late says so" 0 "nothing is overdue on 20"
run --data "$D" --json overdue
expect "overdue --json is an array" 0 "[]"

# ---- a city desk ----
run --data "$C" case new --kind outbound_trip --title "市外办赴德国考察"
expect "a city node must give --county" 2 "" "add --county"
run --data "$C" case new --kind outbound_trip --title "市外办赴德国考察" --county kaihua --set briefing_done=1
expect "a city node opens a case for a county" 0
run --data "$C" case list --county kaihua --json
expect "the city's case is listed under its county" 0 '"county":"kaihua"'
run --data "$C" case new --kind delegation_visit --title "美国塔尔萨市代表团来访" --county city
expect "a city node opens a case of the city office's own" 0
run --data "$C" case list --county city --json
expect "the city's own case is listed under city" 0 '"county":"city"'
run --data "$D" case new --kind delegation_visit --title "冒充市外办" --county city
expect "a county node can't open the city's own case" 1 "" "can open cases only for longyou, not city"
run --data "$C" directive ack 0123456789abcdef
expect "a city node does not acknowledge directives" 1 "" "only county offices acknowledge"

# ---- a trip's workflow: review flags, settings, moves that need fields ----
run --data "$D" --json case new --kind outbound_trip --title "赴欧洲四国考察" \
  --set "destination=德国、法国、意大利、西班牙" --set depart_on=2027-03-20 --set return_on=2027-03-31
expect "a trip to four countries is drafted" 0 '"ref":"'
BIG=$(printf '%s' "$OUT" | grep -o '"ref":"[^"]*"' | cut -d'"' -f4)
run --data "$D" --json case show "$BIG"
expect "case show flags four countries against the limit of three" 0 '"rule":"trip_max_countries","message":"出访4个国家（地区），超过3个的限额"'
expect "case show flags twelve days abroad" 0 '在外12天（含出入境当日），出访4国（地区）限10天'
expect "case show flags the missing publicity" 0 '未记录出访公示'
run --data "$D" case show "$BIG"
expect "the flags are shown to people too" 0 "review flag: 出访4个国家（地区）"
run --data "$D" case set "$BIG" publicity_from=2027-03-08 publicity_to=2027-03-01
expect "a publicity that ends before it starts is refused" 1 "" "'publicity_to' 2027-03-01 is before 'publicity_from' 2027-03-08"
run --data "$D" case set "$BIG" status=briefed
expect "a draft trip is not briefed" 1 "" "moves open to you from draft: submitted"
run --data "$D" --json settings
expect "settings lists the limits with their defaults" 0 '{"name":"trip_max_people","value":6,"default":6,"unit":"人"'
run --data "$D" settings
expect "settings as a table names the rule's basis" 0 "中办发〔2013〕16号"

# ---- a foreign incident: reported at once, followed up; the city alerted ----
run --data "$D" --json case new --kind foreign_incident --title "外籍游客在龙游石窟景区受伤" \
  --set occurred_on=2026-12-01 --set severity=较大 --set nationality=德国
INCIDENT=$(printf '%s' "$OUT" | grep -o '"ref":"[^"]*"' | cut -d'"' -f4)
run --data "$D" alerts
expect "nothing to alert before the first report" 0 "no incident awaits the city's acknowledgement"
run --data "$D" incident report "$INCIDENT" "游客一人腿部骨折，已送县人民医院"
expect "the first report" 0 "首报 of incident $INCIDENT recorded; the case is reported"
run --data "$D" incident report "$INCIDENT" "伤者情况稳定，已联系德国驻上海总领馆"
expect "a follow-up report" 0 "续报一 of incident $INCIDENT recorded"
run --data "$D" incident report "$INCIDENT" "伤者已出院回国" --final
expect "the final report" 0 "终报 of incident $INCIDENT recorded"
run --data "$D" --json alerts
expect "the incident awaits the city's acknowledgement" 0 '"severity":"serious","first_report_at":'
expect "with its three reports" 0 '"reports":3'
run --data "$D" --json case new --kind foreign_incident --title "外籍船员轻微擦伤" --set severity=一般
MINOR=$(printf '%s' "$OUT" | grep -o '"ref":"[^"]*"' | cut -d'"' -f4)
run --data "$D" incident report "$MINOR" "已处置完毕，无需续报" --final
expect "a first report that is also the last" 0 "首报暨终报 of incident $MINOR recorded"
run --data "$D" incident report "$TRIP" "误报"
expect "a trip is not an incident" 1 "" "not a foreign incident"
run --data "$D" case new --kind training --title "出国前外事教育培训"
expect "a county does not open a training course" 1 "" "only the city office opens training cases"

# ---- text from the command line: UTF-8, one line, a length limit ----
ESC=$'\e'
run --data "$D" case new --kind outbound_trip --title "${ESC}[31m红色标题"
expect "an escape sequence in a title is refused" 1 "" "'title' contains the control character U+001B"
run --data "$D" case new --kind outbound_trip --title $'第一行\n第二行'
expect "a line break in a title is refused" 1 "" "'title' must be one line"
run --data "$D" case new --kind outbound_trip --title $'\xff\xfe'
expect "invalid UTF-8 on the command line is refused" 2 "" "is not valid UTF-8"
run --data "$D" case new --kind outbound_trip --title "$(printf '长%.0s' $(seq 201))"
expect "a 201-character title is refused, naming the limit" 1 "" "is 201 characters long; at most 200"
run --data "$D" case new --kind outbound_trip --title "$(printf '长%.0s' $(seq 200))"
expect "a 200-character title is accepted" 0
run --data "$D" case new --kind overseas_chinese --title "侨胞来访" --set $'summary=第一行\n第二行'
expect "a summary may hold several lines" 0
MULTI=${OUT%% *}
run --data "$D" case show "$MULTI"
expect "a line break is shown escaped in a table" 0 '第一行\n第二行'
run --data "$D" case new --kind outbound_trip --title a --title b
expect "an option given twice is refused, not half-kept" 2 "" "--title is given 2 times ('a', 'b')"
run --data "$D" case list --json
check "case list --json is valid JSON" python3 -c 'import json,sys; json.loads(sys.argv[1])' "$OUT"
run --data "$D" case list
check "case list prints no escape character" python3 -c 'import sys; sys.exit(chr(27) in sys.argv[1])' "$OUT"

# ---- a hub that can't be reached ----
# Nothing listens on port 1 of loopback: the connection is refused at once.
run init --data "$WORK/unreachable" --hub "127.0.0.1:1" --ca "$PKI/ca.pem" --cert "$PKI/longyou.pem" --key "$PKI/longyou.key"
run --data "$WORK/unreachable" case new --kind outbound_trip --title "离线起草的出访申请"
run --data "$WORK/unreachable" sync
expect "sync with a hub that is down exits 75 (try again later)" 75 "" "can't reach the hub at 127.0.0.1:1"
expect "and says the changes are kept" 75 "" "your changes are kept on this replica"
run --data "$WORK/unreachable" status --json
check "the case is still pending" python3 -c 'import json,sys; sys.exit(json.loads(sys.argv[1])["pending_changes"] == 0)' "$OUT"

# ---- errors for scripts ----
run --data "$D" --json case show 01a23722-31ef-75af-bf69-7b4d0ddf6ded
expect "--json: an unknown case is an error" 1 '{"error":"not_found","message":"no case 01a23722-31ef-75af-bf69-7b4d0ddf6ded on this replica' "no case 01a23722"
check "--json: the error is one JSON object" python3 -c 'import json,sys; o=json.loads(sys.argv[1]); sys.exit(set(o) != {"error","message"})' "$OUT"
run --data "$D" case lst --json
expect "--json: a usage error is a JSON object too" 2 '{"error":"usage","message":"no command '"'"'case lst'"'"''
run --data "$WORK/unreachable" --json sync
expect "--json: a failed sync is one object with its code" 75 '"synced":false,"error":"disconnected","message":"sync with 127.0.0.1:1 failed'
check "--json: and only one" python3 -c 'import json,sys; json.loads(sys.argv[1])' "$OUT"

# ---- options ----
run --version
expect "--version prints the version and the protocol" 0 "liaison-client 0.1.0 (sync protocol 6, schema 5)"
run --data "$D" case list --colour blue
expect "an unknown option is a usage error" 2 "" "unknown option --colour"
run --data "$D" case
expect "a group without subcommand" 2 "" "'case' needs a subcommand"

# ---- the manual pages and completion, generated at build time beside the programs ----
pages_dir=$(dirname "$BIN")
for page in "$pages_dir/liaison-client.1" "$pages_dir/../hub/liaison-hub.1"; do
  name=$(basename "$page" .1)
  if [ ! -f "$page" ]; then
    bad "the manual page $page was generated"
    continue
  fi
  text=$(MANWIDTH=100 man -l "$page" 2>&1)
  RC=$? OUT=$text ERR=""
  expect "man -l shows $name's manual" 0 "EXIT STATUS"
  case $name in
    liaison-client) expect "which documents case new and its options" 0 "--set FIELD=VALUE" ;;
    liaison-hub) expect "which documents revert and its options" 0 "--dry-run" ;;
  esac
done
# The language comes from the locale when --lang is not given: Chinese
# unless it is English (this machine's C.UTF-8 included).
OUT=$(env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG=C.UTF-8 "$BIN" --data "$D" case list 2>&1)
RC=$? ERR=""
expect "with LANG=C.UTF-8 lists are in Chinese" 0 "龙游县"
OUT=$(env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG=en_GB.UTF-8 "$BIN" --data "$D" case list 2>&1)
RC=$? ERR=""
expect "with LANG=en_GB.UTF-8 in English" 0 "longyou"

completion=$pages_dir/liaison-client.bash
if [ -f "$completion" ]; then
  # shellcheck disable=SC1090
  OUT=$(bash -c 'source "$1"; COMP_WORDS=(liaison-client case ""); COMP_CWORD=2; _liaison_client; echo "${COMPREPLY[*]}"' _ "$completion")
  RC=$? ERR=""
  expect "bash completion offers the case commands" 0 "new list search show history set submit"
  OUT=$(bash -c 'source "$1"; COMP_WORDS=(liaison-client case new --ti); COMP_CWORD=3; _liaison_client; echo "${COMPREPLY[*]}"' _ "$completion")
  RC=$? ERR=""
  expect "and the options of the command typed" 0 "--title"
else
  bad "the bash completion $completion was generated"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
