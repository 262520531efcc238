#!/usr/bin/env bash
# Tests certs/liaison-ca.sh against the real `openssl` command, in a scratch
# directory. Prints one line per check and `N passed, M failed` last; exits
# non-zero if any check failed.
#
#   bash tests/certs/certs_test.sh         (from any directory)
#   LIAISON_CA_SH=/path/to/liaison-ca.sh bash tests/certs/certs_test.sh
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CA_SH=${LIAISON_CA_SH:-$HERE/../../certs/liaison-ca.sh}
if [[ ! -f "$CA_SH" ]] || ! command -v openssl >/dev/null 2>&1; then
  echo "cannot run: need $CA_SH and the openssl command" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/liaison-certs-test.XXXXXX")
trap 'rm -rf -- "$WORK"' EXIT
mkdir -p "$WORK/cwd" "$WORK/home"
CA=$WORK/ca
NODES=$CA/nodes
ALL_OUTPUT=$WORK/all-output.log # every line the script printed, checked for key material

passed=0 failed=0
pass() { passed=$((passed + 1)); printf 'ok   %s\n' "$1"; }
fail() {
  failed=$((failed + 1))
  printf 'FAIL %s\n' "$1"
  if [[ -n "${2:-}" ]]; then printf '%s\n' "$2" | head -n 25 | sed 's/^/       | /'; fi
}
# check NAME COMMAND...: passes when COMMAND succeeds.
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$out"; fi
}
# check_not NAME COMMAND...: passes when COMMAND fails.
check_not() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then fail "$name (unexpectedly succeeded)" "$out"; else pass "$name"; fi
}

# lca ARGS...: runs the script from an empty working directory with an empty
# HOME (both must stay empty); sets OUT (stdout+stderr) and RC.
lca() {
  OUT=$(cd "$WORK/cwd" && HOME="$WORK/home" bash "$CA_SH" "$@" 2>&1)
  RC=$?
  printf '%s\n' "$OUT" >>"$ALL_OUTPUT"
}
# expect_ok NAME: the last lca succeeded.  expect_err NAME PATTERN: it failed and said PATTERN.
expect_ok() { if ((RC == 0)); then pass "$1"; else fail "$1 (exit $RC)" "$OUT"; fi; }
expect_err() {
  if ((RC == 0)); then
    fail "$1 (unexpectedly succeeded)" "$OUT"
  elif ! grep -qiE -- "$2" <<<"$OUT"; then
    fail "$1 (exit $RC, but the message does not match /$2/)" "$OUT"
  else
    pass "$1"
  fi
}

mode_of() { stat -c %a "$1" 2>/dev/null; }
check_mode() { # check_mode NAME FILE MODE
  local m
  m=$(mode_of "$2")
  if [[ "$m" == "$3" ]]; then pass "$1"; else fail "$1 (mode is '${m:-missing}', want $3)"; fi
}
subject_of() { openssl x509 -in "$1" -noout -subject -nameopt RFC2253 2>&1; }
serial_of() { openssl x509 -in "$1" -noout -serial 2>&1 | sed 's/^serial=//'; }
check_eq() { # check_eq NAME GOT WANT
  if [[ "$2" == "$3" ]]; then pass "$1"; else fail "$1" "got:  $2"$'\n'"want: $3"; fi
}
check_match() { # check_match NAME TEXT REGEX
  if grep -qiE -- "$3" <<<"$2"; then pass "$1"; else fail "$1 (no match for /$3/)" "$2"; fi
}
verify() { openssl verify -CAfile "$CA/ca.pem" "$@"; }
verify_crl() { openssl verify -crl_check -CRLfile "$CA/crl.pem" -CAfile "$CA/ca.pem" "$@"; }
# verify_fails_with NAME PATTERN VERIFY-COMMAND...: verification fails and says PATTERN.
verify_fails_with() {
  local name=$1 pattern=$2 out
  shift 2
  if out=$("$@" 2>&1); then
    fail "$name (verification succeeded)" "$out"
  elif grep -qiE -- "$pattern" <<<"$out"; then
    pass "$name"
  else
    fail "$name (failed, but without /$pattern/)" "$out"
  fi
}

echo "# help"
for c in "" init issue revoke crl list; do
  lca $c --help
  if ((RC == 0)) && grep -q '^Usage:' <<<"$OUT"; then pass "${c:-main} --help"; else fail "${c:-main} --help" "$OUT"; fi
done
lca frobnicate "$CA"
expect_err "unknown command is refused" "unknown command"
lca issue "$WORK/no-such-ca" city:hub
expect_err "issue without a CA says to run init" "init"

echo "# init"
lca init "$CA"
expect_ok "init creates a CA"
for f in ca.pem crl.pem private/ca.key openssl.cnf index.txt serial crlnumber; do
  if [[ -s "$CA/$f" || ("$f" == index.txt && -f "$CA/$f") ]]; then pass "init wrote $f"; else fail "init wrote $f"; fi
done
check_mode "private/ is mode 0700" "$CA/private" 700
check_mode "private/ca.key is mode 0600" "$CA/private/ca.key" 600
check_mode "ca.pem is public (0644)" "$CA/ca.pem" 644
check "CA config sets unique_subject = no" grep -Eq '^[[:space:]]*unique_subject[[:space:]]*=[[:space:]]*no' "$CA/openssl.cnf"
check_eq "CA subject is CN=Liaison Quzhou CA" "$(subject_of "$CA/ca.pem")" "subject=CN=Liaison Quzhou CA"
ca_text=$(openssl x509 -in "$CA/ca.pem" -noout -text 2>&1)
check_match "CA key is ECDSA P-256" "$ca_text" "NIST CURVE: P-256"
check_match "CA is CA:TRUE" "$ca_text" "CA:TRUE"
check "CA is valid for more than 9 years" openssl x509 -in "$CA/ca.pem" -noout -checkend $((9 * 366 * 86400))
check_not "CA is valid for less than 11 years" openssl x509 -in "$CA/ca.pem" -noout -checkend $((11 * 366 * 86400))
crl_out=$(openssl crl -in "$CA/crl.pem" -CAfile "$CA/ca.pem" -noout -text 2>&1)
check_match "initial CRL is signed by the CA" "$crl_out" "verify OK"
check_match "initial CRL is empty" "$crl_out" "No Revoked Certificates"
ca_sum=$(sha256sum <"$CA/ca.pem")
key_sum=$(sha256sum <"$CA/private/ca.key")
lca init "$CA"
expect_err "init refuses an existing CA" "already holds a CA"
check_eq "refused init left ca.pem alone" "$(sha256sum <"$CA/ca.pem")" "$ca_sum"
check_eq "refused init left ca.key alone" "$(sha256sum <"$CA/private/ca.key")" "$key_sum"
mkdir "$WORK/not-empty" && touch "$WORK/not-empty/notes.txt"
lca init "$WORK/not-empty"
expect_err "init refuses a non-empty directory" "not empty"
lca init "$WORK/ca-bad-days" --days ten
expect_err "init refuses --days ten" "days"
if [[ ! -e "$WORK/ca-bad-days" ]]; then pass "refused init created nothing"; else fail "refused init created nothing"; fi

echo "# issue"
for id in city:hub longyou:office-1 longyou:field-2 city:desk-1; do
  base=${id/:/-}
  lca issue "$CA" "$id"
  expect_ok "issue $id"
  check_mode "$base.key is mode 0600" "$NODES/$base.key" 600
  check "$base.pem verifies against ca.pem" verify "$NODES/$base.pem"
  check_eq "$base.pem has subject CN=$id only" "$(subject_of "$NODES/$base.pem")" "subject=CN=$id"
  text=$(openssl x509 -in "$NODES/$base.pem" -noout -text 2>&1)
  check_match "$base.pem is CA:FALSE" "$text" "CA:FALSE"
  check_match "$base.pem has serverAuth+clientAuth" "$text" "TLS Web Server Authentication, TLS Web Client Authentication"
  check_match "$base.pem is ECDSA P-256" "$text" "NIST CURVE: P-256"
  check "$base.pem passes the TLS server purpose" verify -purpose sslserver "$NODES/$base.pem"
  check "$base.pem passes the TLS client purpose" verify -purpose sslclient "$NODES/$base.pem"
  if [[ "$(openssl pkey -in "$NODES/$base.key" -pubout 2>&1)" == "$(openssl x509 -in "$NODES/$base.pem" -noout -pubkey 2>&1)" ]]; then
    pass "$base.key belongs to $base.pem"
  else
    fail "$base.key belongs to $base.pem"
  fi
  if ! grep -q 'PRIVATE KEY' "$NODES/$base.pem"; then pass "$base.pem holds no private key"; else fail "$base.pem holds no private key"; fi
done
check_mode "nodes/ is mode 0700" "$NODES" 700
check "office-1 passes verify with the CRL" verify_crl "$NODES/longyou-office-1.pem"

lca issue "$CA" longyou:office-1
expect_err "re-issue over a still-valid certificate needs --force" "force"
old_serial=$(serial_of "$NODES/longyou-office-1.pem")
check_eq "refused re-issue left office-1's certificate alone" "$(serial_of "$NODES/longyou-office-1.pem")" "$old_serial"
lca issue "$CA" kaihua:laptop-7 --out "$WORK/handover/laptop-7"
expect_ok "issue --out into a new directory"
check "--out got the certificate" verify "$WORK/handover/laptop-7/kaihua-laptop-7.pem"
check_mode "--out got the key, mode 0600" "$WORK/handover/laptop-7/kaihua-laptop-7.key" 600
if [[ ! -e "$NODES/kaihua-laptop-7.pem" ]]; then pass "--out wrote nothing to nodes/"; else fail "--out wrote nothing to nodes/"; fi
lca issue "$CA" kaihua:laptop-8 --days 10
expect_ok "issue --days 10"
check "--days 10 lasts more than 9 days" openssl x509 -in "$NODES/kaihua-laptop-8.pem" -noout -checkend $((9 * 86400))
check_not "--days 10 lasts less than 11 days" openssl x509 -in "$NODES/kaihua-laptop-8.pem" -noout -checkend $((11 * 86400))

echo "# bad node ids"
before=$(find "$NODES" -mindepth 1 | sort)
for id in longyou/office-1 mars:x longyou: LONGYOU:a longyou:Office-1 "longyou:a b" longyou:a:b \
  "longyou:$(printf 'x%.0s' {1..33})" city "" ":hub"; do
  lca issue "$CA" "$id"
  expect_err "node id '$id' is refused with a message" "node id"
done
check_eq "refused node ids left no files" "$(find "$NODES" -mindepth 1 | sort)" "$before"
lca issue "$CA" "longyou:$(printf 'x%.0s' {1..32})"
expect_ok "a 32-character device name is accepted"

echo "# revoke"
field2_serial=$(serial_of "$NODES/longyou-field-2.pem")
lca revoke "$CA" longyou:field-2 --reason keyCompromise
expect_ok "revoke longyou:field-2"
verify_fails_with "revoked field-2 fails verify -crl_check with 'revoked'" "revoked" verify_crl "$NODES/longyou-field-2.pem"
check "office-1 still passes verify -crl_check" verify_crl "$NODES/longyou-office-1.pem"
check "city:hub still passes verify -crl_check" verify_crl "$NODES/city-hub.pem"
crl_text=$(openssl crl -in "$CA/crl.pem" -CAfile "$CA/ca.pem" -noout -text 2>&1)
check_match "CRL is still signed by the CA" "$crl_text" "verify OK"
check_match "CRL lists field-2's serial" "$crl_text" "Serial Number: 0*$field2_serial"
lca revoke "$CA" longyou:field-2
expect_ok "revoking it again is harmless"
check_match "... and says it was already revoked" "$OUT" "already revoked"
lca revoke "$CA" longyou:office-9
expect_err "revoking a node that never had a certificate is refused" "never issued"
lca revoke "$CA" mars:x
expect_err "revoke validates the node id" "unknown office"
lca revoke "$CA" longyou:office-1 --reason lost
expect_err "revoke refuses an unknown reason" "reason"
check "refused revoke left office-1 valid" verify_crl "$NODES/longyou-office-1.pem"

echo "# re-issue after revocation"
lca issue "$CA" longyou:field-2
expect_ok "re-issue the revoked longyou:field-2"
new_serial=$(serial_of "$NODES/longyou-field-2.pem")
if [[ -n "$new_serial" && "$new_serial" != "$field2_serial" ]]; then pass "re-issued cert has a new serial"; else fail "re-issued cert has a new serial" "$field2_serial -> $new_serial"; fi
check "re-issued field-2 passes verify -crl_check" verify_crl "$NODES/longyou-field-2.pem"
check_eq "re-issued field-2 has CN=longyou:field-2" "$(subject_of "$NODES/longyou-field-2.pem")" "subject=CN=longyou:field-2"
lca issue "$CA" longyou:office-1 --force
expect_ok "renew a still-valid office-1 with --force (unique_subject = no)"
check "renewed office-1 passes verify -crl_check" verify_crl "$NODES/longyou-office-1.pem"
cp "$NODES/city-desk-1.pem" "$WORK/desk-1-copy.pem"
lca revoke "$CA" "$WORK/desk-1-copy.pem"
expect_ok "revoke by certificate file"
verify_fails_with "desk-1 revoked by file fails verify -crl_check" "revoked" verify_crl "$NODES/city-desk-1.pem"

echo "# expired"
lca issue "$CA" longyou:field-3 --start 20200101000000Z --end 20200201000000Z
expect_ok "issue an already-expired certificate with --start/--end"
verify_fails_with "expired certificate fails verify with 'expired'" "expired" verify "$NODES/longyou-field-3.pem"
check_eq "expired certificate ends at --end" "$(openssl x509 -in "$NODES/longyou-field-3.pem" -noout -enddate 2>&1)" \
  "notAfter=Feb  1 00:00:00 2020 GMT"
lca issue "$CA" longyou:field-3
expect_ok "re-issue over an expired certificate's files works without --force"
lca issue "$CA" longyou:field-4 --start 20200101000000Z
expect_err "--start without --end is refused" "together"
lca issue "$CA" longyou:field-4 --start 20200201000000Z --end 20200101000000Z
expect_err "--end before --start is refused" "not after"
lca issue "$CA" longyou:field-4 --start 2020-01-01 --end 2020-02-01
expect_err "a date not in YYYYMMDDHHMMSSZ form is refused" "YYYYMMDDHHMMSSZ"
lca issue "$CA" longyou:field-4 --days 5 --start 20200101000000Z --end 20200201000000Z
expect_err "--days with --start/--end is refused" "days"

echo "# list"
lca list "$CA"
expect_ok "list"
list_out=$OUT
check_match "list shows revoked field-2 with its serial" "$list_out" "^revoked +longyou:field-2 +$field2_serial "
check_match "list shows the valid re-issued field-2" "$list_out" "^valid +longyou:field-2 +$new_serial "
check_match "list shows expired field-3" "$list_out" "^expired +longyou:field-3 "
check_match "list shows valid city:hub with an expiry date" "$list_out" "^valid +city:hub +[0-9A-F]+ +20[0-9]{2}-[0-9]{2}-[0-9]{2} "

echo "# crl"
lca crl "$CA" --days 7
expect_ok "crl --days 7"
next=$(openssl crl -in "$CA/crl.pem" -noout -nextupdate 2>&1 | sed 's/^nextUpdate=//')
days_left=$((($(date -u -d "$next" +%s) - $(date -u +%s)) / 86400))
if ((days_left >= 6 && days_left <= 7)); then pass "CRL is valid for 7 days"; else fail "CRL is valid for 7 days" "next update: $next"; fi
verify_fails_with "field-2's old certificate is still revoked in the new CRL" "revoked" verify_crl "$WORK/ca/newcerts/$field2_serial.pem"
lca crl "$CA"
expect_ok "crl with the default validity"
next=$(openssl crl -in "$CA/crl.pem" -noout -nextupdate 2>&1 | sed 's/^nextUpdate=//')
days_left=$((($(date -u -d "$next" +%s) - $(date -u +%s)) / 86400))
if ((days_left >= 29 && days_left <= 30)); then pass "default CRL is valid for 30 days"; else fail "default CRL is valid for 30 days" "next update: $next"; fi

echo "# other CA"
lca init "$WORK/other-ca"
expect_ok "init a second, independent CA"
lca issue "$WORK/other-ca" city:hub
expect_ok "the other CA issues its own city:hub"
check "other CA's cert verifies against its own CA" openssl verify -CAfile "$WORK/other-ca/ca.pem" "$WORK/other-ca/nodes/city-hub.pem"
check_not "other CA's cert does not verify against our CA" verify "$WORK/other-ca/nodes/city-hub.pem"
check_not "our cert does not verify against the other CA" openssl verify -CAfile "$WORK/other-ca/ca.pem" "$NODES/city-hub.pem"
lca revoke "$CA" "$WORK/other-ca/nodes/city-hub.pem"
expect_err "our CA refuses to revoke the other CA's certificate" "not signed by"
check "... and our city:hub stays valid" verify_crl "$NODES/city-hub.pem"

echo "# certificate made with plain openssl (no script)"
raw=$WORK/raw
mkdir -p "$raw"
(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$raw/qujiang-office-2.key") >/dev/null 2>&1
openssl req -new -key "$raw/qujiang-office-2.key" -subj "/CN=qujiang:office-2" -out "$raw/qujiang-office-2.csr" >/dev/null 2>&1
printf 'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth, clientAuth\n' >"$raw/node.ext"
check "plain openssl x509 -req signs a node certificate" openssl x509 -req -in "$raw/qujiang-office-2.csr" \
  -CA "$CA/ca.pem" -CAkey "$CA/private/ca.key" -set_serial "0x$(openssl rand -hex 8)" -days 30 -sha256 \
  -extfile "$raw/node.ext" -out "$raw/qujiang-office-2.pem"
check "plain-openssl certificate passes verify -crl_check" verify_crl -purpose sslclient "$raw/qujiang-office-2.pem"
check_eq "plain-openssl certificate has CN=qujiang:office-2" "$(subject_of "$raw/qujiang-office-2.pem")" "subject=CN=qujiang:office-2"
lca revoke "$CA" "$raw/qujiang-office-2.pem"
expect_ok "the script revokes a plain-openssl certificate by file"
verify_fails_with "plain-openssl certificate is then revoked" "revoked" verify_crl "$raw/qujiang-office-2.pem"
check "office-1 is unaffected" verify_crl "$NODES/longyou-office-1.pem"
lca list "$CA"
check_match "list shows the plain-openssl certificate as revoked" "$OUT" "^revoked +qujiang:office-2 "

echo "# hygiene"
if grep -q 'PRIVATE KEY' "$ALL_OUTPUT"; then fail "the script never printed key material"; else pass "the script never printed key material"; fi
check_eq "nothing written to the working directory" "$(ls -A "$WORK/cwd")" ""
check_eq "nothing written to HOME" "$(ls -A "$WORK/home")" ""
leftovers=$(find "$WORK" -name '.liaison-ca.*' 2>/dev/null)
check_eq "no temporary directories left behind" "$leftovers" ""
world=$(find "$CA" "$WORK/handover" -name '*.key' -perm /077 2>/dev/null)
check_eq "no key file is group- or world-accessible" "$world" ""

echo "$passed passed, $failed failed"
((failed == 0))
