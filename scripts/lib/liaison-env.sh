# Shell helpers for running a real Liaison hub and clients on this machine:
# a throwaway CA and node certificates, a hub on a free loopback port,
# clients pointed at it, and clean-up of everything started. Sourced by
# scripts/demo.sh and the integration tests; expects LIAISON_BIN (the build
# folder) and LIAISON_WORK (a scratch folder it owns).

LIAISON_ROOT=${LIAISON_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LIAISON_BIN=${LIAISON_BIN:-$LIAISON_ROOT/build}
HUB_BIN=$LIAISON_BIN/hub/liaison-hub
CLIENT_BIN=$LIAISON_BIN/client/liaison-client
CA_SH=$LIAISON_ROOT/certs/liaison-ca.sh
LIAISON_PIDS=()

# pki_init: a CA in $LIAISON_WORK/ca and certificates for the given node ids.
pki_init() {
  "$CA_SH" init "$LIAISON_WORK/ca" >/dev/null
  local node
  for node in "$@"; do pki_issue "$node"; done
}

pki_issue() {  # NODE_ID [extra liaison-ca.sh issue options]
  local node=$1
  shift
  "$CA_SH" issue "$LIAISON_WORK/ca" "$node" --out "$LIAISON_WORK/ca/nodes" "$@" >/dev/null
}

pki_cert() { echo "$LIAISON_WORK/ca/nodes/${1/:/-}.pem"; }
pki_key() { echo "$LIAISON_WORK/ca/nodes/${1/:/-}.key"; }

# A loopback port nobody listens on (nothing answers a connect), below the
# kernel's range of ephemeral ports: a port in that range can be taken at
# any moment by some program's outgoing connection, and then the hub can't
# listen on it (at its start or, worse, at a restart on the same port).
pick_port() {
  local port low=32768
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  [ "$low" -gt 11024 ] || low=32768  # an odd range: stay with Linux's default
  while :; do
    port=$((10000 + RANDOM % (low - 10000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# hub_start [NODE_ID]: init (once, on a free port) and serve a hub; sets
# HUB_PORT, HUB_DATA, HUB_LOG, HUB_PID. A restart keeps the port.
hub_start() {
  local node=${1:-city:hub}
  HUB_DATA=$LIAISON_WORK/hub
  HUB_LOG=$LIAISON_WORK/hub.log
  if [ ! -f "$HUB_DATA/hub.json" ]; then
    HUB_PORT=$(pick_port)
    "$HUB_BIN" init --data "$HUB_DATA" --ca "$LIAISON_WORK/ca/ca.pem" --cert "$(pki_cert "$node")" \
      --key "$(pki_key "$node")" --crl "$LIAISON_WORK/ca/crl.pem" --listen "127.0.0.1:$HUB_PORT" >/dev/null
  fi
  : >"$HUB_LOG"
  "$HUB_BIN" serve --data "$HUB_DATA" 2>>"$HUB_LOG" &
  HUB_PID=$!
  LIAISON_PIDS+=("$HUB_PID")
  local i
  for i in $(seq 1 100); do
    grep -q "listening on" "$HUB_LOG" && return 0
    kill -0 "$HUB_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "hub did not start; its log:" >&2
  cat "$HUB_LOG" >&2
  return 1
}

hub_stop() {  # [SIGNAL]
  [ -n "${HUB_PID:-}" ] || return 0
  kill "-${1:-TERM}" "$HUB_PID" 2>/dev/null || true
  wait "$HUB_PID" 2>/dev/null || true
  liaison_forget "$HUB_PID"
  HUB_PID=
}

# Drops a pid that has ended from the list liaison_cleanup signals (its
# number could be reused by an unrelated process).
liaison_forget() {
  local pid kept=()
  for pid in "${LIAISON_PIDS[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
  LIAISON_PIDS=("${kept[@]}")
}

hub() { "$HUB_BIN" --data "$HUB_DATA" "$@"; }

# client_init NAME NODE_ID: a client data folder $LIAISON_WORK/NAME.
client_init() {
  local name=$1 node=$2
  "$CLIENT_BIN" init --data "$LIAISON_WORK/$name" --hub "127.0.0.1:$HUB_PORT" --ca "$LIAISON_WORK/ca/ca.pem" \
    --cert "$(pki_cert "$node")" --key "$(pki_key "$node")" >/dev/null
}

client() {  # NAME COMMAND...
  local name=$1
  shift
  "$CLIENT_BIN" --data "$LIAISON_WORK/$name" "$@"
}

# Starts a background `sync --watch` for NAME and sets WATCH_PID; its log is
# $LIAISON_WORK/NAME.watch.log. Call it directly, not in $(...): the watcher
# would hold the substitution's pipe open.
client_watch() {
  local name=$1
  "$CLIENT_BIN" --data "$LIAISON_WORK/$name" sync --watch >/dev/null 2>"$LIAISON_WORK/$name.watch.log" &
  WATCH_PID=$!
  LIAISON_PIDS+=("$WATCH_PID")
}

# Stops everything started through these helpers.
liaison_cleanup() {
  local pid
  for pid in "${LIAISON_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${LIAISON_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  LIAISON_PIDS=()
}
