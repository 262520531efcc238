#!/usr/bin/env bash
# Staff accounts with real processes: two people share one Longyou PC, each
# signs in and makes a change, and the hub's case history names each of
# them with the device; a clerk may not submit; nobody signed in writes
# nothing once the county has accounts, while a county without accounts
# goes on as before; an account the hub disables is signed out at the
# device's next sync, and what another device wrote under it offline after
# the disabling is refused by the hub. Each device's own case history names
# the people too, and the refusals.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
e2e_require_programs

pki_init city:hub longyou:office-1 longyou:field-2 kaihua:office-1
hub_start
client_init pc longyou:office-1
client_init laptop longyou:field-2
client_init kaihua kaihua:office-1
W=$LIAISON_WORK
printf 'wang-secret-1\n' >"$W/wang.pw"
printf 'li-secret-22\n' >"$W/li.pw"
chmod 600 "$W/wang.pw" "$W/li.pw"
printf 'wrong-guess\n' >"$W/wrong.pw"
# has_entry JSON NEEDLE...: some object of JSON holds every NEEDLE.
has_entry() {
  local json=$1
  shift
  [ -n "$(json_objects_with "$json" "$@")" ]
}

# ---- before any account: the device writes, as before ----
run client pc --json case new --kind outbound_trip --title "赴日本佐野市友好交流"
[ "$RC" -eq 0 ] || e2e_abort "Longyou writes before it has accounts: exit $RC, $ERR"

# ---- the city adds two Longyou accounts; the PC gets them at its sync ----
run hub staff add --name 王伟 --county longyou --role officer --password-file "$W/wang.pw"
[ "$RC" -eq 0 ] || e2e_abort "the hub adds 王伟: exit $RC, $ERR"
run hub staff add --name 李娜 --county longyou --role clerk --password-file "$W/li.pw"
[ "$RC" -eq 0 ] || e2e_abort "the hub adds 李娜: exit $RC, $ERR"
run hub staff add --name 李娜 --county longyou --role clerk --password-file "$W/li.pw"
check_eq "adding the same account twice is refused" "$RC" 1
check_contains "...saying how to change it instead" "$ERR" "staff reset"
run hub staff add --name 赵六 --county longyou --role chief --password-file "$W/li.pw"
check_eq "an unknown role is a usage error" "$RC" 2
check_contains "...naming the roles" "$ERR" "officer"
run hub --json staff list --county longyou
check_eq "the hub lists the two accounts" "$(json_count "$OUT" name)" 2
check_lacks "...and never a password's hash" "$OUT" "argon2"

# ---- a password typed at a terminal: not shown; Ctrl-C cancels and gives the echo back ----
at_terminal() { python3 "$here/at_terminal.py" "$@"; }
OUT=$(at_terminal 'abc\x03' -- "$HUB_BIN" --data "$HUB_DATA" staff add --name 张三 --county city --role clerk)
check_contains "Ctrl-C at the password prompt cancels" "$OUT" "cancelled — nothing was changed"
check_contains "...with the exit status of a usage error" "$OUT" "exit 2"
check_contains "...and the terminal echoes again" "$OUT" "echo on"
OUT=$(at_terminal 'secret9\n' 'secret9\n' -- "$HUB_BIN" --data "$HUB_DATA" staff add --name 张三 --county city \
  --role clerk)
check_contains "a password typed twice adds the account" "$OUT" "exit 0"
check_lacks "...without showing it" "$OUT" "secret9"
check_contains "...and the terminal echoes again" "$OUT" "echo on"
OUT=$(at_terminal 'secret9\n' 'secret8\n' -- "$HUB_BIN" --data "$HUB_DATA" staff reset 张三 --county city)
check_contains "two different passwords change nothing" "$OUT" "the two passwords differ"
for node in pc laptop kaihua; do
  run client "$node" sync
  [ "$RC" -eq 0 ] || e2e_abort "$node syncs: exit $RC, $ERR"
done
run client pc staff list
check_contains "the PC holds its county's accounts" "$OUT" "王伟"
run client kaihua --json staff list
check_lacks "Kaihua holds none of Longyou's" "$OUT" "王伟"

# ---- nobody signed in: syncing works, writing does not ----
run client pc staff whoami
check_contains "whoami says nobody is signed in" "$OUT" "nobody is signed in"
run client pc case new --kind outbound_trip --title "未登录的申请"
check_eq "a write with nobody signed in is refused" "$RC" 1
check_contains "...saying to sign in" "$ERR" "staff signin"
run client pc --json case list
check_lacks "...and nothing was written" "$OUT" "未登录的申请"
run client kaihua case new --kind outbound_trip --title "开化县赴韩国考察"
check_eq "Kaihua, without accounts, writes as before" "$RC" 0

# ---- two people on one PC ----
run client pc staff signin 王伟 --password-file "$W/wrong.pw"
check_eq "a wrong password signs nobody in" "$RC" 1
check_contains "...and says so" "$ERR" "wrong password"
run client pc staff signin 王伟 --password-file "$W/wang.pw"
check_eq "王伟 signs in" "$RC" 0
run client pc --json staff whoami
check_eq "whoami names him" "$(json_str "$OUT" staff)" "longyou/王伟"
run client pc --json case new --kind outbound_trip --title "赴德国汉堡市经贸考察" --set destination=德国
[ "$RC" -eq 0 ] || e2e_abort "王伟 opens a trip: exit $RC, $ERR"
trip=$(json_str "$OUT" ref)
run client pc person add "$trip" --name 陈志强 --set name_latin="CHEN ZHIQIANG"
[ "$RC" -eq 0 ] || fail "王伟 adds a member: exit $RC, $ERR"
run client pc staff signin 李娜 --password-file "$W/li.pw"
check_eq "李娜 signs in on the same PC" "$RC" 0
run client pc case set "$trip" purpose="考察汉堡港物流园区"
check_eq "李娜, a clerk, edits the trip" "$RC" 0
run client pc case submit "$trip"
check_eq "李娜, a clerk, may not submit it" "$RC" 1
check_contains "...the role says why" "$ERR" "clerk"
run client pc staff signin 王伟 --password-file "$W/wang.pw"
run client pc case submit "$trip"
check_eq "王伟, an officer, submits it" "$RC" 0
run client pc staff signout
check_contains "signing out names who" "$OUT" "王伟"
run client pc sync
[ "$RC" -eq 0 ] || fail "the PC syncs: exit $RC, $ERR"
check_contains "...and nothing was refused" "$OUT" "rejections 0"

# ---- the hub's history names each person and the device ----
run hub --json case history "$trip"
[ "$RC" -eq 0 ] || fail "case history: exit $RC, $ERR"
check_true "the trip's creation names 王伟 on longyou:office-1" "$OUT" \
  has_entry "$OUT" '"staff":"longyou/王伟"' '"node":"longyou:office-1"' '"created_row":true'
check_true "李娜's change of the purpose names her" "$OUT" \
  has_entry "$OUT" '"staff":"longyou/李娜"' '"field":"purpose"'
check_true "the submission names 王伟" "$OUT" \
  has_entry "$OUT" '"staff":"longyou/王伟"' '"field":"status"' '"after":"submitted"'
run hub case history "$trip"
check_contains "the table shows who, in Chinese labels too" "$OUT" "李娜"
run hub audit verify
check_eq "the history with staff in it verifies" "$RC" 0
run client pc --json case history "$trip"
check_true "the PC's own history of the trip names 李娜's change" "$OUT" \
  has_entry "$OUT" '"staff":"longyou/李娜"' '"field":"purpose"'

# ---- disabling: signed out at the next sync; offline writes after it refused ----
run client laptop sync
run client laptop --json case history "$trip"
check_true "the field laptop's history: 王伟 made the trip on the PC" "$OUT" \
  has_entry "$OUT" '"staff":"longyou/王伟"' '"node":"longyou:office-1"' '"created_row":true'
check_true "...and 李娜 set its purpose" "$OUT" has_entry "$OUT" '"staff":"longyou/李娜"' '"field":"purpose"'
run client laptop staff signin 李娜 --password-file "$W/li.pw"
check_eq "李娜 signs in on the field laptop too" "$RC" 0
run client pc staff signin 李娜 --password-file "$W/li.pw"
run hub staff disable 李娜
check_eq "the hub disables 李娜" "$RC" 0
run hub --json staff list --county longyou
check_true "the list shows her disabled" "$OUT" has_entry "$OUT" '"name":"李娜"' '"disabled":true'
# The laptop, not yet synced, still lets her write: offline, it cannot know.
run client laptop note add "$trip" 李娜停用后在外业笔记本上补充的说明
check_eq "offline, the laptop does not know yet" "$RC" 0
run client laptop sync
check_true "the laptop's sync reports the refusal of her note" "$OUT" grep -q 'rejections [1-9]' <<<"$OUT"
check_contains "...and signs her out" "$OUT" "disabled"
run client laptop rejections
check_contains "the refusal says why" "$OUT" "disabled"
run client laptop case history "$trip"
check_contains "the laptop's case history lists the refusal with its reason" "$OUT" "was disabled before this change"
run hub --json case history "$trip"
check_true "the hub's case history lists the refused note, naming her and the laptop" "$OUT" \
  has_entry "$OUT" '"refused":true' '"staff":"longyou/李娜"' '"node":"longyou:field-2"' '"field":"body"'
run hub --json rejections --node longyou:field-2
check_true "...as does the hub's list of refusals" "$OUT" has_entry "$OUT" '"staff":"longyou/李娜"' '"field":"body"'
run hub --json case show "$trip"
check_lacks "the hub kept nothing she wrote after the disabling" "$OUT" "李娜停用后"
run client pc sync
check_contains "the PC, at its sync, signs her out" "$OUT" "disabled"
run client pc staff whoami
check_contains "whoami: nobody" "$OUT" "nobody is signed in"
run client pc note add "$trip" 停用账号的说明
check_eq "nothing more is written under her name" "$RC" 1
check_contains "...the PC asks for someone to sign in" "$ERR" "staff signin"
run client pc staff signin 李娜 --password-file "$W/li.pw"
check_eq "nor can she sign in again" "$RC" 1
check_contains "...being told it is disabled" "$ERR" "disabled"
run hub staff enable 李娜
run client pc sync
run client pc staff signin 李娜 --password-file "$W/li.pw"
check_eq "enabled again, she signs in after a sync" "$RC" 0

e2e_finish
