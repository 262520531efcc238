#!/usr/bin/env bash
# liaison-ca.sh — the Liaison project CA and node certificates, over plain
# `openssl` (written for OpenSSL 3.0 on Debian 12).
#
#   liaison-ca.sh init   CA_DIR [--days N]
#   liaison-ca.sh issue  CA_DIR NODE_ID [--out DIR] [--days N | --start T --end T] [--force]
#   liaison-ca.sh revoke CA_DIR NODE_ID|CERT_FILE [--reason R]
#   liaison-ca.sh crl    CA_DIR [--days N]
#   liaison-ca.sh list   CA_DIR
#
# The certificates are deliberately plain (ECDSA P-256, subject CN=<node id>
# only, CA:FALSE, serverAuth+clientAuth): the hub checks only the chain to
# ca.pem, the CN, the CRL and the dates, so a certificate made by hand with
# `openssl` (see certs/README.md) works exactly the same.
#
# The script never prints or copies private keys and writes nothing outside
# CA_DIR and the --out directory.
set -euo pipefail
umask 077 # keys are never world-readable, not even briefly; public files are chmod'ed 0644

readonly PROG=liaison-ca.sh
readonly CA_CN="Liaison Quzhou CA"
readonly CA_DAYS_DEFAULT=3650
readonly NODE_DAYS_DEFAULT=730
readonly CRL_DAYS_DEFAULT=30
readonly SCOPES="city kecheng qujiang jiangshan longyou changshan kaihua"

die() {
  printf '%s: error: %s\n' "$PROG" "$1" >&2
  shift
  local line
  for line in "$@"; do printf '  %s\n' "$line" >&2; done
  exit 1
}
info() { printf '%s\n' "$*"; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }

# ---------------------------------------------------------------- help texts

usage_main() {
  cat <<'EOF'
Usage: liaison-ca.sh COMMAND CA_DIR [ARGS] [OPTIONS]

Manages the Liaison project CA and the node certificates used for mutual TLS
between the Quzhou city hub and the county offices.

Commands:
  init   CA_DIR [--days N]              create a new CA in CA_DIR
  issue  CA_DIR NODE_ID [options]       make a key + certificate for a node
  revoke CA_DIR NODE_ID|CERT_FILE       revoke a node's certificate, rewrite crl.pem
  crl    CA_DIR [--days N]              rewrite CA_DIR/crl.pem
  list   CA_DIR                         show valid, revoked and expired certificates

A NODE_ID is county:device, e.g. city:hub, longyou:office-1, longyou:field-2.
Run 'liaison-ca.sh COMMAND --help' for the options of one command.
EOF
}

usage_init() {
  cat <<EOF
Usage: $PROG init CA_DIR [--days N]

Creates the project CA (ECDSA P-256, CN=$CA_CN) in CA_DIR, which must not
exist yet or be empty. Refuses to overwrite an existing CA.

Writes:
  CA_DIR/ca.pem            the CA certificate (public; give it to every node)
  CA_DIR/private/ca.key    the CA private key (mode 0600, directory 0700)
  CA_DIR/crl.pem           an empty certificate revocation list (public)
  CA_DIR/openssl.cnf, index.txt, index.txt.attr, serial, crlnumber, newcerts/
                           the bookkeeping 'openssl ca' needs

Options:
  --days N    validity of the CA certificate in days (default $CA_DAYS_DEFAULT)
EOF
}

usage_issue() {
  cat <<EOF
Usage: $PROG issue CA_DIR NODE_ID [--out DIR] [--days N | --start T --end T] [--force]

Makes a new ECDSA P-256 key and a certificate with subject CN=NODE_ID signed
by the CA in CA_DIR (extendedKeyUsage serverAuth+clientAuth, CA:FALSE).

NODE_ID is county:device. county is city or one of: kecheng qujiang
jiangshan longyou changshan kaihua; device is 1 to 32 of a-z, 0-9 and '-'.
Examples: city:hub, city:desk-1, longyou:office-1, longyou:field-2.

Writes DIR/<county>-<device>.key (mode 0600) and DIR/<county>-<device>.pem,
e.g. longyou-field-2.key and longyou-field-2.pem.

Options:
  --out DIR      where to write the key and certificate (default CA_DIR/nodes)
  --days N       validity in days from now (default $NODE_DAYS_DEFAULT)
  --start T      validity start, T = YYYYMMDDHHMMSSZ in UTC (needs --end)
  --end T        validity end,   T = YYYYMMDDHHMMSSZ in UTC (needs --start)
  --force        replace DIR's files even though they hold a certificate that
                 is still valid (renewal); the old certificate stays valid
                 until it expires or you revoke it

Re-issuing a node id is allowed (e.g. a new laptop after the old one's
certificate was revoked); files of a revoked or expired certificate are
replaced without --force.
EOF
}

usage_revoke() {
  cat <<EOF
Usage: $PROG revoke CA_DIR NODE_ID|CERT_FILE [--reason R]

Revokes a certificate and rewrites CA_DIR/crl.pem. Copy the new crl.pem to
the hub afterwards: the hub refuses revoked certificates only once it has it.

  NODE_ID     revokes every not-yet-revoked certificate this CA issued to the
              node (found through CA_DIR/index.txt)
  CERT_FILE   revokes exactly that certificate (a PEM file); it must have
              been signed by this CA, but may have been made without this
              script

Options:
  --reason R  unspecified (default), keyCompromise (lost or stolen device),
              affiliationChanged, superseded, cessationOfOperation
EOF
}

usage_crl() {
  cat <<EOF
Usage: $PROG crl CA_DIR [--days N]

(Re)writes CA_DIR/crl.pem, the PEM certificate revocation list, valid for N
days (default $CRL_DAYS_DEFAULT). The hub refuses every certificate once its CRL has
expired, so regenerate it and copy it to the hub well before then (e.g.
monthly from cron).
EOF
}

usage_list() {
  cat <<EOF
Usage: $PROG list CA_DIR

Lists every certificate the CA issued: status (valid, revoked, expired),
node id, serial (hex), expiry, and the revocation date if revoked.
EOF
}

# ---------------------------------------------------------------- helpers

need_openssl() {
  command -v openssl >/dev/null 2>&1 ||
    die "the 'openssl' command was not found" "install it: sudo apt-get install openssl"
}

# abs_path PATH: absolute form of PATH (which need not exist), without resolving symlinks.
abs_path() {
  case "$1" in
  /*) printf '%s' "$1" ;;
  *) printf '%s/%s' "$PWD" "$1" ;;
  esac
}

check_days() { # check_days OPTION VALUE
  if [[ "$2" =~ ^[0-9]{1,5}$ ]] && ((10#$2 >= 1 && 10#$2 <= 36500)); then return 0; fi
  die "$1 '$2' is not a number of days" "give a whole number from 1 to 36500, e.g. $1 30"
}

# validate_node_id ID — the same rules as liaison::NodeId::parse (shared/node_id.cpp).
validate_node_id() {
  local id=$1 scope device s
  [[ -n "$id" ]] || die "the node id is empty" "write it as county:device, e.g. longyou:office-1"
  [[ "$id" == *:* ]] ||
    die "node id '$id' has no ':'" "write it as county:device, e.g. longyou:office-1 (a colon, not a slash)"
  scope=${id%%:*}
  device=${id#*:}
  for s in $SCOPES; do [[ "$scope" == "$s" ]] && break; done
  [[ "$scope" == "$s" ]] ||
    die "node id '$id' names unknown office '$scope'" \
      "use city, kecheng, qujiang, jiangshan, longyou, changshan or kaihua (lower case), e.g. longyou:office-1"
  [[ "$device" =~ ^[a-z0-9-]{1,32}$ ]] ||
    die "node id '$id' has a bad device name '$device'" \
      "use 1 to 32 of a-z, 0-9 and '-' after the colon, e.g. $scope:office-1"
}

# check_ca CA_DIR [readonly]: CA_DIR holds a CA made by 'init' (and we may change it).
check_ca() {
  local dir=$1 f
  [[ -d "$dir" ]] || die "CA directory '$dir' does not exist" "create a CA first: $PROG init $dir"
  for f in ca.pem private/ca.key openssl.cnf index.txt serial crlnumber; do
    [[ -e "$dir/$f" ]] ||
      die "'$dir' is not a Liaison CA directory: $dir/$f is missing" \
        "give the directory made by '$PROG init', or create one with: $PROG init DIR"
  done
  [[ "${2:-}" != readonly ]] || return 0
  [[ -r "$dir/private/ca.key" ]] ||
    die "cannot read the CA key $dir/private/ca.key" "run as the user who owns the CA directory"
  [[ -w "$dir/index.txt" && -w "$dir" ]] ||
    die "cannot write to the CA directory '$dir'" "run as the user who owns the CA directory"
}

# lock_ca CA_DIR: serialize commands that change the CA's database.
lock_ca() {
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>>"$1/.lock"
  flock -w 30 9 || die "another $PROG command is using '$1' right now" "wait for it to finish and try again"
}

# run_ca CA_DIR ARGS...: 'openssl ca' from inside CA_DIR (the config's paths are
# relative to it); its chatter is shown only if it fails.
run_ca() {
  local dir=$1 out
  shift
  # openssl ca writes only public files (index, serial, newcerts/, certificates, CRL).
  if ! out=$(cd "$dir" && umask 022 && openssl ca -config openssl.cnf -batch "$@" 2>&1); then
    printf '%s\n' "$out" | sed 's/^/  openssl: /' >&2
    return 1
  fi
}

# Temporary working directories, removed on exit (they may hold a new key).
TMP_DIRS=()
cleanup() {
  local d
  for d in "${TMP_DIRS[@]+"${TMP_DIRS[@]}"}"; do [[ -n "$d" && -d "$d" ]] && rm -rf -- "$d"; done
  return 0
}
trap cleanup EXIT
make_tmp() { # make_tmp PARENT -> prints the new directory
  mktemp -d "$1/.liaison-ca.XXXXXX" || die "cannot create a temporary directory in '$1'" "check that it is writable"
}

# to_generalized TIME: UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime -> YYYYMMDDHHMMSSZ
to_generalized() {
  local t=$1
  if ((${#t} == 13)); then
    if ((10#${t:0:2} >= 50)); then t="19$t"; else t="20$t"; fi
  fi
  printf '%s' "$t"
}

now_generalized() { date -u +%Y%m%d%H%M%SZ; }

# check_time OPTION VALUE: YYYYMMDDHHMMSSZ and a real date.
check_time() {
  local t=$2
  if [[ "$t" =~ ^[0-9]{14}Z$ ]] &&
    date -u -d "${t:0:4}-${t:4:2}-${t:6:2} ${t:8:2}:${t:10:2}:${t:12:2}" >/dev/null 2>&1; then return 0; fi
  die "$1 '$t' is not a time in the form YYYYMMDDHHMMSSZ" "e.g. $1 20240101000000Z (UTC, ending in Z)"
}

# cert_field FILE what: one field of a PEM certificate.
cert_serial() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'; }
cert_enddate() { openssl x509 -in "$1" -noout -enddate | sed 's/^notAfter=//'; }
cert_subject() { openssl x509 -in "$1" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'; }

# index_lookup CA_DIR SERIAL: the status letter (V/R/E) of SERIAL in index.txt, or nothing.
index_status() {
  awk -F'\t' -v s="$2" 'toupper($4) == toupper(s) { st = $1 } END { if (st != "") print st }' "$1/index.txt"
}

# ---------------------------------------------------------------- init

cmd_init() {
  local dir="" days=$CA_DAYS_DEFAULT
  while (($#)); do
    case "$1" in
    -h | --help) usage_init; exit 0 ;;
    --days) (($# >= 2)) || die "--days needs a value" "e.g. --days 3650"; days=$2; shift 2 ;;
    --days=*) days=${1#--days=}; shift ;;
    -*) die "unknown option '$1' for init" "see: $PROG init --help" ;;
    *) [[ -z "$dir" ]] || die "init takes one directory, got '$dir' and '$1'" "see: $PROG init --help"
      dir=$1; shift ;;
    esac
  done
  [[ -n "$dir" ]] || die "init needs the CA directory" "e.g. $PROG init /srv/liaison-ca"
  check_days --days "$days"
  need_openssl

  local f
  for f in ca.pem private/ca.key index.txt openssl.cnf; do
    [[ ! -e "$dir/$f" ]] ||
      die "'$dir' already holds a CA ($dir/$f exists); refusing to overwrite it" \
        "an existing CA must never be replaced by accident: every node certificate depends on it" \
        "to make a different CA, choose a new directory; to really start over, move '$dir' away first"
  done
  local created=0
  if [[ -e "$dir" ]]; then
    [[ -d "$dir" ]] || die "'$dir' exists and is not a directory" "choose a new directory for the CA"
    [[ -z "$(ls -A -- "$dir")" ]] ||
      die "'$dir' exists and is not empty; refusing to create a CA in it" "choose a new or empty directory"
    [[ -w "$dir" ]] || die "cannot write to '$dir'" "choose a directory you own"
  else
    mkdir -p -- "$dir" || die "cannot create '$dir'" "check the parent directory exists and is writable"
    chmod 0755 "$dir"
    created=1
  fi
  dir=$(cd "$dir" && pwd)
  # On failure, leave no half-made CA behind (the directory was new or empty).
  # shellcheck disable=SC2034 # both are read by the trap
  INIT_DIR=$dir INIT_CREATED=$created
  trap 'rc=$?; cleanup; if ((rc != 0)); then if ((INIT_CREATED)); then rm -rf -- "$INIT_DIR"; else find "$INIT_DIR" -mindepth 1 -delete; fi; fi' EXIT

  mkdir -m 0700 "$dir/private" "$dir/nodes"
  mkdir -m 0755 "$dir/newcerts"
  write_config "$dir/openssl.cnf"
  : >"$dir/index.txt"
  printf 'unique_subject = no\n' >"$dir/index.txt.attr"
  printf '1000\n' >"$dir/serial"
  printf '1000\n' >"$dir/crlnumber"
  chmod 0644 "$dir/openssl.cnf" "$dir/index.txt" "$dir/index.txt.attr" "$dir/serial" "$dir/crlnumber"

  local out
  out=$(openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/private/ca.key" 2>&1) ||
    die "could not create the CA key: $out"
  chmod 0600 "$dir/private/ca.key"
  out=$(cd "$dir" && openssl req -config openssl.cnf -new -x509 -key private/ca.key -subj "/CN=$CA_CN" \
    -extensions liaison_ca_ext -sha256 -days "$days" -out ca.pem 2>&1) ||
    die "could not create the CA certificate: $out"
  chmod 0644 "$dir/ca.pem"
  write_crl "$dir" "$CRL_DAYS_DEFAULT" || die "could not write the CRL (openssl's message is above)"

  info "Created the Liaison CA in $dir"
  info "  certificate: $dir/ca.pem (valid until $(cert_enddate "$dir/ca.pem"))"
  info "  private key: $dir/private/ca.key (keep it offline and backed up; never copy it to a node)"
  info "  CRL:         $dir/crl.pem (valid $CRL_DAYS_DEFAULT days; renew with: $PROG crl $dir)"
  info "Next: $PROG issue $dir city:hub"
}

write_config() {
  cat >"$1" <<EOF
# Configuration of the Liaison project CA for 'openssl ca' (written by
# liaison-ca.sh init). Paths are relative to this directory, so run openssl
# from inside it, e.g.:
#   cd CA_DIR && openssl ca -config openssl.cnf -in node.csr -out node.pem
#   cd CA_DIR && openssl ca -config openssl.cnf -revoke node.pem
#   cd CA_DIR && openssl ca -config openssl.cnf -gencrl -out crl.pem

[ ca ]
default_ca = liaison_ca

[ liaison_ca ]
dir              = .
database         = \$dir/index.txt
serial           = \$dir/serial
crlnumber        = \$dir/crlnumber
new_certs_dir    = \$dir/newcerts
certificate      = \$dir/ca.pem
private_key      = \$dir/private/ca.key
crl              = \$dir/crl.pem
default_md       = sha256
default_days     = $NODE_DAYS_DEFAULT
default_crl_days = $CRL_DAYS_DEFAULT
policy           = liaison_policy
x509_extensions  = liaison_node_ext
crl_extensions   = liaison_crl_ext
copy_extensions  = none
email_in_dn      = no
# A node id may be issued again (new laptop after a revocation, renewal).
# Note: index.txt.attr, once it exists, overrides this setting.
unique_subject   = no
name_opt         = RFC2253
cert_opt         = ca_default

# The subject is CN=<node id> only; any other field in a request is dropped.
[ liaison_policy ]
commonName = supplied

[ liaison_node_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth, clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer

[ liaison_crl_ext ]
authorityKeyIdentifier = keyid:always

[ req ]
distinguished_name = liaison_req_dn
prompt             = no
default_md         = sha256

[ liaison_req_dn ]
CN = $CA_CN

[ liaison_ca_ext ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
}

# write_crl CA_DIR DAYS: regenerate CA_DIR/crl.pem atomically.
write_crl() {
  # (Called as 'write_crl ... || die', where set -e is off: check every step.)
  local dir=$1 days=$2 tmp
  tmp=$(make_tmp "$dir") || return 1
  TMP_DIRS+=("$tmp")
  run_ca "$dir" -gencrl -crldays "$days" -out "$tmp/crl.pem" || return 1
  chmod 0644 "$tmp/crl.pem" || return 1
  mv -f -- "$tmp/crl.pem" "$dir/crl.pem" || return 1
}

# ---------------------------------------------------------------- issue

cmd_issue() {
  local dir="" id="" out_dir="" days="" start="" end="" force=0 have_id=0
  while (($#)); do
    case "$1" in
    -h | --help) usage_issue; exit 0 ;;
    --out) (($# >= 2)) || die "--out needs a directory" "e.g. --out ./longyou-laptop"; out_dir=$2; shift 2 ;;
    --out=*) out_dir=${1#--out=}; shift ;;
    --days) (($# >= 2)) || die "--days needs a value" "e.g. --days 730"; days=$2; shift 2 ;;
    --days=*) days=${1#--days=}; shift ;;
    --start) (($# >= 2)) || die "--start needs a time" "e.g. --start 20240101000000Z"; start=$2; shift 2 ;;
    --start=*) start=${1#--start=}; shift ;;
    --end) (($# >= 2)) || die "--end needs a time" "e.g. --end 20240201000000Z"; end=$2; shift 2 ;;
    --end=*) end=${1#--end=}; shift ;;
    --force) force=1; shift ;;
    -*) die "unknown option '$1' for issue" "see: $PROG issue --help" ;;
    *)
      if [[ -z "$dir" ]]; then dir=$1
      elif ((!have_id)); then id=$1; have_id=1
      else die "issue takes CA_DIR and one NODE_ID, got an extra '$1'" "see: $PROG issue --help"
      fi
      shift ;;
    esac
  done
  [[ -n "$dir" ]] || die "issue needs the CA directory and a node id" "e.g. $PROG issue /srv/liaison-ca longyou:office-1"
  ((have_id)) || die "issue needs a node id after the CA directory" "e.g. $PROG issue $dir longyou:office-1"
  validate_node_id "$id"
  if [[ -n "$start$end" ]]; then
    [[ -n "$start" && -n "$end" ]] ||
      die "--start and --end go together" "give both, e.g. --start 20240101000000Z --end 20240201000000Z, or use --days"
    [[ -z "$days" ]] || die "--days cannot be combined with --start/--end" "use either --days N or --start T --end T"
    check_time --start "$start"
    check_time --end "$end"
    [[ "$end" > "$start" ]] || die "--end $end is not after --start $start" "give an end time later than the start"
  else
    days=${days:-$NODE_DAYS_DEFAULT}
    check_days --days "$days"
  fi
  need_openssl
  check_ca "$dir"
  dir=$(cd "$dir" && pwd)
  out_dir=${out_dir:-$dir/nodes}
  if [[ ! -d "$out_dir" ]]; then
    [[ ! -e "$out_dir" ]] || die "--out '$out_dir' exists and is not a directory" "give a directory"
    mkdir -p -- "$out_dir" || die "cannot create the output directory '$out_dir'" "check the path and permissions"
  fi
  [[ -w "$out_dir" ]] || die "cannot write to the output directory '$out_dir'" "choose a directory you own with --out"
  out_dir=$(cd "$out_dir" && pwd)
  lock_ca "$dir"

  local base="${id%%:*}-${id#*:}"
  local key="$out_dir/$base.key" crt="$out_dir/$base.pem"

  # Do not silently replace the files of a certificate that is still valid.
  if [[ -e "$key" || -e "$crt" ]] && ((!force)); then
    local old_ok=0 serial status endt
    if [[ -f "$crt" ]] && serial=$(cert_serial "$crt" 2>/dev/null); then
      status=$(index_status "$dir" "$serial")
      endt=$(openssl x509 -in "$crt" -noout -checkend 0 >/dev/null 2>&1 && echo valid || echo expired)
      if [[ "$status" == R || "$endt" == expired ]]; then old_ok=1; fi
    fi
    ((old_ok)) ||
      die "$crt or $base.key already exists and holds a certificate that is not revoked or expired" \
        "if the device was lost, revoke it first: $PROG revoke $dir $id" \
        "to renew it, add --force (the old certificate stays valid until it expires or is revoked)" \
        "or write the new files elsewhere with --out DIR"
  fi

  local tmp
  tmp=$(make_tmp "$out_dir")
  TMP_DIRS+=("$tmp")
  local out
  out=$(openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/node.key" 2>&1) ||
    die "could not create the node key: $out"
  chmod 0600 "$tmp/node.key"
  out=$(openssl req -config "$dir/openssl.cnf" -new -key "$tmp/node.key" -subj "/CN=$id" -out "$tmp/node.csr" 2>&1) ||
    die "could not create the certificate request: $out"
  local validity=(-days "$days")
  [[ -z "$start" ]] || validity=(-startdate "$start" -enddate "$end")
  run_ca "$dir" -notext -in "$tmp/node.csr" -out "$tmp/node.pem" "${validity[@]}" ||
    die "openssl ca refused to sign the certificate for $id (its message is above)" \
      "check that $dir is intact and that its CA key matches ca.pem"
  chmod 0644 "$tmp/node.pem"
  mv -f -- "$tmp/node.key" "$key"
  mv -f -- "$tmp/node.pem" "$crt"

  local serial enddate
  serial=$(cert_serial "$crt")
  enddate=$(cert_enddate "$crt")
  if ! openssl x509 -in "$crt" -noout -checkend 0 >/dev/null 2>&1; then
    warn "the certificate for $id is already expired (it ended $enddate)"
  fi
  local ca_end crt_end
  ca_end=$(date -u -d "$(cert_enddate "$dir/ca.pem")" +%s)
  crt_end=$(date -u -d "$enddate" +%s)
  ((crt_end <= ca_end)) ||
    warn "the certificate for $id outlives the CA certificate; it stops working when ca.pem expires ($(cert_enddate "$dir/ca.pem"))"
  info "Issued a certificate for $id (serial $serial, valid until $enddate)"
  info "  certificate: $crt"
  info "  private key: $key (mode 0600)"
  info "Install on the node: $base.pem, $base.key, and the CA's ca.pem; the hub needs the current crl.pem."
}

# ---------------------------------------------------------------- revoke

cmd_revoke() {
  local dir="" what="" reason="unspecified"
  while (($#)); do
    case "$1" in
    -h | --help) usage_revoke; exit 0 ;;
    --reason) (($# >= 2)) || die "--reason needs a value" "e.g. --reason keyCompromise"; reason=$2; shift 2 ;;
    --reason=*) reason=${1#--reason=}; shift ;;
    -*) die "unknown option '$1' for revoke" "see: $PROG revoke --help" ;;
    *)
      if [[ -z "$dir" ]]; then dir=$1
      elif [[ -z "$what" ]]; then what=$1
      else die "revoke takes CA_DIR and one NODE_ID or CERT_FILE, got an extra '$1'" "see: $PROG revoke --help"
      fi
      shift ;;
    esac
  done
  [[ -n "$dir" ]] || die "revoke needs the CA directory and a node id or certificate file" \
    "e.g. $PROG revoke /srv/liaison-ca longyou:field-2"
  [[ -n "$what" ]] || die "revoke needs a node id or certificate file after the CA directory" \
    "e.g. $PROG revoke $dir longyou:field-2"
  case "$reason" in
  unspecified | keyCompromise | affiliationChanged | superseded | cessationOfOperation) ;;
  *) die "unknown revocation reason '$reason'" \
    "use unspecified, keyCompromise, affiliationChanged, superseded or cessationOfOperation" ;;
  esac
  need_openssl
  check_ca "$dir"
  dir=$(cd "$dir" && pwd)
  lock_ca "$dir"

  local files=() serials=() line
  if [[ -f "$what" ]]; then
    local file serial status subject
    file=$(abs_path "$what")
    serial=$(cert_serial "$file" 2>/dev/null) ||
      die "'$what' is not a PEM certificate" "give a node's .pem certificate file, or its node id"
    # Only certificates this CA signed (expired ones too); openssl ca would
    # otherwise happily add a stranger's serial to the database.
    openssl verify -no_check_time -CAfile "$dir/ca.pem" "$file" >/dev/null 2>&1 ||
      die "'$what' was not signed by the CA in $dir" \
        "revoke it with the CA that issued it (compare: openssl x509 -in '$what' -noout -issuer)"
    subject=$(cert_subject "$file")
    status=$(index_status "$dir" "$serial")
    if [[ "$status" == R ]]; then
      info "The certificate $what (serial $serial, $subject) was already revoked."
    else
      files+=("$file")
      serials+=("$serial $subject")
    fi
  else
    [[ "$what" == */* || "$what" == *.pem ]] &&
      die "certificate file '$what' does not exist" "give an existing .pem file, or the node id (e.g. longyou:field-2)"
    validate_node_id "$what"
    local found=0
    # index.txt: status, expiry, revocation date (often empty), serial, file, subject —
    # tab-separated; awk, since 'read' would merge the empty field away.
    while read -r status serial; do
      found=1
      [[ "$status" == R ]] && continue
      [[ -f "$dir/newcerts/$serial.pem" ]] ||
        die "the copy of certificate $serial for $what is missing from $dir/newcerts" \
          "revoke it by giving its .pem file instead: $PROG revoke $dir FILE.pem"
      files+=("$dir/newcerts/$serial.pem")
      serials+=("$serial CN=$what")
    done < <(awk -F'\t' -v subj="/CN=$what" '$6 == subj { print $1, $4 }' "$dir/index.txt")
    ((found)) || die "the CA in $dir never issued a certificate to '$what'" \
      "check the node id with: $PROG list $dir" \
      "a certificate made without this script can be revoked by its file: $PROG revoke $dir FILE.pem"
    ((${#files[@]})) || info "Every certificate of $what was already revoked."
  fi

  local f i=0
  for f in "${files[@]+"${files[@]}"}"; do
    run_ca "$dir" -revoke "$f" -crl_reason "$reason" ||
      die "openssl ca could not revoke ${serials[$i]} (its message is above)"
    info "Revoked serial ${serials[$i]} (reason: $reason)"
    i=$((i + 1))
  done
  write_crl "$dir" "$CRL_DAYS_DEFAULT" || die "could not write the CRL (openssl's message is above)" \
    "the revocation is recorded in index.txt; retry with: $PROG crl $dir"
  info "Wrote $dir/crl.pem. Copy it to the hub now: it refuses revoked certificates only once it has the new CRL."
}

# ---------------------------------------------------------------- crl

cmd_crl() {
  local dir="" days=$CRL_DAYS_DEFAULT
  while (($#)); do
    case "$1" in
    -h | --help) usage_crl; exit 0 ;;
    --days) (($# >= 2)) || die "--days needs a value" "e.g. --days 30"; days=$2; shift 2 ;;
    --days=*) days=${1#--days=}; shift ;;
    -*) die "unknown option '$1' for crl" "see: $PROG crl --help" ;;
    *) [[ -z "$dir" ]] || die "crl takes one CA directory, got an extra '$1'" "see: $PROG crl --help"
      dir=$1; shift ;;
    esac
  done
  [[ -n "$dir" ]] || die "crl needs the CA directory" "e.g. $PROG crl /srv/liaison-ca"
  check_days --days "$days"
  need_openssl
  check_ca "$dir"
  dir=$(cd "$dir" && pwd)
  lock_ca "$dir"
  write_crl "$dir" "$days" || die "could not write the CRL (openssl's message is above)"
  info "Wrote $dir/crl.pem ($(openssl crl -in "$dir/crl.pem" -noout -nextupdate | sed 's/^nextUpdate=/next update due /'))."
  info "Copy it to the hub before then."
}

# ---------------------------------------------------------------- list

cmd_list() {
  local dir=""
  while (($#)); do
    case "$1" in
    -h | --help) usage_list; exit 0 ;;
    -*) die "unknown option '$1' for list" "see: $PROG list --help" ;;
    *) [[ -z "$dir" ]] || die "list takes one CA directory, got an extra '$1'" "see: $PROG list --help"
      dir=$1; shift ;;
    esac
  done
  [[ -n "$dir" ]] || die "list needs the CA directory" "e.g. $PROG list /srv/liaison-ca"
  check_ca "$dir" readonly
  if [[ ! -s "$dir/index.txt" ]]; then
    info "No certificates issued yet."
    return 0
  fi
  awk -F'\t' -v now="$(now_generalized)" '
    function gen(t) { if (length(t) == 13) t = ((substr(t, 1, 2) + 0 >= 50) ? "19" : "20") t; return t }
    function show(t) { t = gen(t); return substr(t,1,4) "-" substr(t,5,2) "-" substr(t,7,2) " " substr(t,9,2) ":" substr(t,11,2) ":" substr(t,13,2) "Z" }
    BEGIN { printf "%-8s  %-42s  %-10s  %-20s  %s\n", "STATUS", "NODE", "SERIAL", "EXPIRES (UTC)", "REVOKED (UTC)" }
    {
      node = $6; sub(/^\/CN=/, "", node)
      status = ($1 == "R") ? "revoked" : (($1 == "E" || gen($2) <= now) ? "expired" : "valid")
      rev = "-"
      if ($1 == "R") { split($3, r, ","); rev = show(r[1]); if (r[2] != "") rev = rev " (" r[2] ")" }
      printf "%-8s  %-42s  %-10s  %-20s  %s\n", status, node, $4, show($2), rev
    }' "$dir/index.txt"
}

# ---------------------------------------------------------------- main

main() {
  (($#)) || { usage_main >&2; exit 2; }
  local cmd=$1
  shift
  case "$cmd" in
  -h | --help | help)
    if (($#)); then
      case "$1" in
      init | issue | revoke | crl | list) "usage_$1" ;;
      *) usage_main ;;
      esac
    else usage_main; fi ;;
  init | issue | revoke | crl | list) "cmd_$cmd" "$@" ;;
  *) die "unknown command '$cmd'" "use one of init, issue, revoke, crl, list; see: $PROG --help" ;;
  esac
}

main "$@"
