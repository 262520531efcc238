#!/usr/bin/env bash
# The hub refuses every peer that is not a current node of the project CA,
# says why on both sides, and keeps serving:
#   - a certificate from another CA (the client trusts both CAs, so it is the
#     hub that refuses); and a client that trusts only the other CA (it
#     refuses the hub);
#   - a revoked certificate (liaison-ca.sh revoke; the hub loads crl.pem at
#     start, so it is restarted after revoking);
#   - an expired certificate (liaison-client init refuses it, and so does
#     its sync when one is swapped in after init; presented with openssl
#     s_client, the hub refuses it);
#   - no client certificate (openssl s_client -tls1_3 without -cert);
#   - TLS 1.2 (openssl s_client -tls1_2), and plaintext;
#   - and the other way round: a hub whose own certificate expired.
# Each refused `liaison-client sync` exits non-zero with the reason on
# stderr, the hub logs one line per refused connection with the reason, and
# an honest client still syncs afterwards. (openssl s_client stands in for
# peers liaison-client will not be: one without a certificate, one speaking
# TLS 1.2, one presenting an expired certificate.)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"  # a scratch LIAISON_WORK, the harness, clean-up on exit
e2e_require_programs
command -v openssl >/dev/null || e2e_abort "openssl is installed (apt-get install openssl)"

W=$LIAISON_WORK
pki_init city:hub longyou:office-1 longyou:field-2 kaihua:office-1
# Another CA, with a node id the project also uses.
"$CA_SH" init "$W/other" >/dev/null
"$CA_SH" issue "$W/other" longyou:office-1 >/dev/null
# An expired certificate from the project CA.
"$CA_SH" issue "$W/ca" kaihua:office-1 --out "$W/expired" --start 20200101000000Z --end 20210101000000Z >/dev/null 2>&1

hub_start
client_init honest longyou:office-1
client_init revoked longyou:field-2
run client honest --json sync
[ "$RC" -eq 0 ] || e2e_abort "honest client syncs: exit $RC, $ERR"
run client revoked --json sync
check_eq "longyou:field-2 syncs while its certificate is valid" 0 "$RC"

# ---- revoke longyou:field-2; the hub loads the new CRL when it restarts ----
"$CA_SH" revoke "$W/ca" longyou:field-2 --reason keyCompromise >/dev/null
hub_stop
hub_start  # the same port and data; the log starts empty

refused_lines() { grep -c "refused" "$HUB_LOG" || true; }
refusals_at_least() { [ "$(refused_lines)" -ge "$1" ]; }
# hub_refusal N PATTERN WHAT: the hub logged its N-th refusal (waiting for
# it: the hub may log after the peer has already gone), and that line
# matches PATTERN (grep -E).
hub_refusal() {
  local n=$1 pattern=$2 what=$3 line
  if ! wait_for 5 refusals_at_least "$n"; then
    fail "$what: the hub logs refusal #$n: log has $(refused_lines) refusal line(s): $(cat "$HUB_LOG")"
    return
  fi
  line=$(grep "refused" "$HUB_LOG" | sed -n "${n}p")
  if printf '%s' "$line" | grep -qE "$pattern"; then
    ok "$what: the hub logs why: ${line#* * }"
  else
    fail "$what: the hub's log line matches /$pattern/: saw '$line'"
  fi
}
# sync_refused NAME PATTERN WHAT: `sync` fails, its stderr matches PATTERN.
sync_refused() {
  local name=$1 pattern=$2 what=$3
  run client "$name" --json sync
  if [ "$RC" -eq 0 ]; then
    fail "$what: sync is refused: it exited 0 ($OUT)"
  elif printf '%s' "$ERR" | grep -qE "$pattern"; then
    ok "$what: sync exits $RC and says why: $ERR"
  else
    fail "$what: sync's stderr matches /$pattern/: exit $RC, saw '$ERR'"
  fi
}
n=0

# ---- revoked ----
sync_refused revoked "revoked" "revoked certificate"
n=$((n + 1))
hub_refusal $n "revoked" "revoked certificate"

# ---- another CA; the client trusts both CAs, the hub only its own ----
cat "$W/other/ca.pem" "$W/ca/ca.pem" >"$W/both-cas.pem"
run "$CLIENT_BIN" init --data "$W/foreign" --hub "127.0.0.1:$HUB_PORT" --ca "$W/both-cas.pem" \
  --cert "$W/other/nodes/longyou-office-1.pem" --key "$W/other/nodes/longyou-office-1.key"
check_eq "init accepts the other CA's certificate (it verifies against the CA given)" 0 "$RC"
sync_refused foreign "not issued by the project CA|unknown ca" "certificate from another CA"
n=$((n + 1))
hub_refusal $n "client certificate refused: .*(self-signed certificate in certificate chain|unable to get local issuer certificate|not issued by the project CA|unknown ca)" \
  "certificate from another CA"

# ---- another CA only: this client does not trust the hub ----
run "$CLIENT_BIN" init --data "$W/foreign-only" --hub "127.0.0.1:$HUB_PORT" --ca "$W/other/ca.pem" \
  --cert "$W/other/nodes/longyou-office-1.pem" --key "$W/other/nodes/longyou-office-1.key"
check_eq "init accepts the other CA's certificate with only that CA" 0 "$RC"
sync_refused foreign-only "hub's certificate is not trusted" "client of another CA (refuses the hub)"
n=$((n + 1))
if wait_for 5 refusals_at_least "$n"; then
  line=$(grep "refused" "$HUB_LOG" | sed -n "${n}p")
  # Here the client refused the hub's certificate (it sent an unknown_ca
  # alert); the hub must say so, not claim it refused anything.
  check_contains "client that distrusts the hub: the hub logs that the client refused its certificate" \
    "$line" "the client refused this hub's certificate"
else
  fail "client that distrusts the hub: the hub logs the failed handshake: $(cat "$HUB_LOG")"
fi

# ---- expired ----
run "$CLIENT_BIN" init --data "$W/expired-init" --hub "127.0.0.1:$HUB_PORT" --ca "$W/ca/ca.pem" \
  --cert "$W/expired/kaihua-office-1.pem" --key "$W/expired/kaihua-office-1.key"
if [ "$RC" -ne 0 ] && printf '%s' "$ERR" | grep -q "expired"; then
  ok "init refuses an expired certificate and says why: $ERR"
else
  fail "init refuses an expired certificate saying 'expired': exit $RC, saw '$ERR'"
fi
if [ ! -e "$W/expired-init/client.json" ]; then ok "refused init wrote no client.json"; else
  fail "refused init wrote no client.json: it exists"; fi
# A node whose certificate expires after init: swap the expired pair in.
client_init expired kaihua:office-1
cp "$W/expired/kaihua-office-1.pem" "$(pki_cert kaihua:office-1)"
cp "$W/expired/kaihua-office-1.key" "$(pki_key kaihua:office-1)"
# liaison-client checks its own files before connecting: it refuses too.
before=$(refused_lines)
sync_refused expired "expired" "expired certificate swapped in after init"
# The hub's own check: present the expired certificate with openssl.
run timeout 10 openssl s_client -ign_eof -connect "127.0.0.1:$HUB_PORT" -tls1_3 -CAfile "$W/ca/ca.pem" \
  -cert "$W/expired/kaihua-office-1.pem" -key "$W/expired/kaihua-office-1.key" </dev/null
s_out="$OUT $ERR"
if [ "$RC" -ne 0 ] && [ "$RC" -ne 124 ]; then
  ok "expired certificate presented with openssl s_client is refused (exit $RC)"
else
  fail "expired certificate presented with openssl s_client is refused: exit $RC (124 = hung until timeout)"
fi
check_contains "expired certificate: the hub's alert says so" "$s_out" "alert certificate expired"
n=$((before + 1))
hub_refusal $n "expired" "expired certificate"

# ---- no client certificate ----
# (-ign_eof: s_client would otherwise close on the end of its empty stdin
# before reading the hub's verdict, which TLS 1.3 sends after the handshake.)
run timeout 10 openssl s_client -ign_eof -connect "127.0.0.1:$HUB_PORT" -tls1_3 -CAfile "$W/ca/ca.pem" </dev/null
s_out="$OUT $ERR"
if [ "$RC" -ne 0 ] && [ "$RC" -ne 124 ]; then
  ok "no client certificate: openssl s_client is refused (exit $RC)"
else
  fail "no client certificate: openssl s_client is refused: exit $RC (124 = hung until timeout)"
fi
check_contains "no client certificate: the hub's alert says a certificate is required" "$s_out" "certificate required"
n=$((n + 1))
hub_refusal $n "did not return a certificate|certificate required|no certificate" "no client certificate"

# ---- TLS 1.2, with an honest certificate ----
run timeout 10 openssl s_client -ign_eof -connect "127.0.0.1:$HUB_PORT" -tls1_2 -CAfile "$W/ca/ca.pem" \
  -cert "$(pki_cert longyou:office-1)" -key "$(pki_key longyou:office-1)" </dev/null
s_out="$OUT $ERR"
if [ "$RC" -ne 0 ] && [ "$RC" -ne 124 ]; then
  ok "TLS 1.2: openssl s_client is refused (exit $RC)"
else
  fail "TLS 1.2: openssl s_client is refused: exit $RC (124 = hung until timeout)"
fi
check_contains "TLS 1.2: the hub answers with a protocol_version alert" "$s_out" "alert protocol version"
n=$((n + 1))
hub_refusal $n "TLS 1.3 only|protocol version|unsupported protocol" "TLS 1.2"

# ---- plaintext ----
plain_start=$(now_ms)
exec 3<>"/dev/tcp/127.0.0.1/$HUB_PORT"
echo hello >&3
plain_reply=$(timeout 10 cat <&3 | od -An -c | tr -d ' \n' || true)
exec 3<&- 3>&-
plain_ms=$(($(now_ms) - plain_start))
if [ "$plain_ms" -lt 9000 ]; then
  ok "plaintext: the hub closes the connection (after ${plain_ms} ms; it answered '${plain_reply}')"
else
  fail "plaintext: the hub closes the connection promptly: took ${plain_ms} ms"
fi
n=$((n + 1))
hub_refusal $n "does not speak TLS|wrong version number|http request" "plaintext"

# ---- nothing else was logged as refused, and the hub still serves ----
check_eq "the hub logged exactly one refusal line per refused connection" "$n" "$(refused_lines)"
# (The other CA's certificate has CN longyou:office-1: no session at all yet.)
check_lacks "no refused peer ever got a session" "$(cat "$HUB_LOG")" "connected "
if kill -0 "$HUB_PID" 2>/dev/null; then ok "the hub is still running"; else fail "the hub is still running: it exited"; fi
run client honest --json case new --kind delegation_visit --title "日本佐野市代表团来访" --set participants=12
run client honest --json sync
check_eq "an honest client still syncs afterwards (exit status)" 0 "$RC"
check_eq "its sync reports a full pass" "true" "$(json_num "$OUT" synced)"
check_contains "the hub logged the honest client's session" "$(cat "$HUB_LOG")" "connected longyou:office-1 from 127.0.0.1"

# ---- the other way round: the hub's own certificate has expired ----
hub_stop
"$CA_SH" issue "$W/ca" city:hub --out "$W/expired-hub" --start 20200101000000Z --end 20210101000000Z >/dev/null 2>&1
cp "$(pki_cert city:hub)" "$W/hub-valid.pem"
cp "$(pki_key city:hub)" "$W/hub-valid.key"
cp "$W/expired-hub/city-hub.pem" "$(pki_cert city:hub)"
cp "$W/expired-hub/city-hub.key" "$(pki_key city:hub)"
# The hub refuses to serve with it, rather than have every client refuse it.
run "$HUB_BIN" serve --data "$HUB_DATA"
check_eq "a hub with an expired certificate does not start (exit status)" 1 "$RC"
check_contains "and says its certificate has expired" "$ERR" "has expired"
hub_stop
cp "$W/hub-valid.pem" "$(pki_cert city:hub)"
cp "$W/hub-valid.key" "$(pki_key city:hub)"
hub_start
run client honest --json sync
check_eq "with its valid certificate back, the hub serves the honest client again (exit status)" 0 "$RC"

# ---- session resumption is off, deliberately ----
# A resumed session would skip the certificate check (a certificate revoked
# since would get in): the hub issues no tickets, so there is nothing to
# resume, and it completes every full handshake without an internal error.
s_client() {
  timeout 10 openssl s_client -connect "127.0.0.1:$HUB_PORT" -CAfile "$W/ca/ca.pem" \
    -cert "$(pki_cert longyou:office-1)" -key "$(pki_key longyou:office-1)" "$@" </dev/null 2>&1 || true
}
first=$(s_client -sess_out "$W/session.pem")
check_contains "the handshake is a full TLS 1.3 one" "$first" "New, TLSv1.3"
check_lacks "the hub hands out no session ticket" "$first" "TLS session ticket:"
check_true "so the client has no session to resume" "$(ls -l "$W/session.pem" 2>&1)" test ! -s "$W/session.pem"
check_lacks "and no internal error alert" "$first" "internal error"

e2e_finish
