# Shared helpers of the scenario tests (sourced). Each scenario runs as root
# on a kernel with ESP, in network namespaces it creates and removes.
set -uo pipefail

SC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SC_BUILD=${SC_BUILD:-$SC_TOP/build}
SC_BIN=$SC_BUILD/bin
SC_TMP=$(mktemp -d /tmp/cygnet-scenario.XXXXXX)
SC_FAILED=0
# shellcheck source=tests/lib/netns.sh
. "$SC_TOP/tests/lib/netns.sh"

sc_log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }
sc_fail() { sc_log "FAIL: $*"; SC_FAILED=1; }
sc_pass() { sc_log "ok: $*"; }

# Says plainly what is missing and exits non-zero (never a silent skip).
sc_require() {
  [ "$(id -u)" = 0 ] || { echo "needs root (network namespaces, XFRM)"; exit 1; }
  [ -x "$SC_BIN/cygnetd" ] || { echo "no $SC_BIN/cygnetd: build first"; exit 1; }
  command -v tcpdump >/dev/null || { echo "needs tcpdump (tools/deps.sh installs it)"; exit 1; }
  ip netns add cg-probe 2>/dev/null && ip netns del cg-probe ||
    { echo "cannot create network namespaces"; exit 1; }
  if ! ip xfrm state add src ::1 dst ::1 proto esp spi 0x100 mode transport \
       aead 'rfc4106(gcm(aes))' 0x0000000000000000000000000000000000000000 128 2>/dev/null; then
    echo "this kernel cannot hold an ESP SA (esp6 missing): run through ../shared/kernel-lab/lab"
    exit 1
  fi
  ip xfrm state del src ::1 dst ::1 proto esp spi 0x100 2>/dev/null
}

sc_cleanup() {
  for f in "$SC_TMP"/*.pid; do netns_stop "$f" KILL; done
  # shellcheck disable=SC2046 # one word per namespace
  netns_del $(ip netns list | awk '/^cg-/{print $1}')
  if [ "$SC_FAILED" != 0 ]; then
    for f in "$SC_TMP"/*.log; do [ -f "$f" ] && { echo "---- $f"; tail -n 60 "$f"; }; done
  fi
  rm -rf "$SC_TMP"
}
trap sc_cleanup EXIT

# sc_pair: namespaces cg-a and cg-b on one veth link, 2001:db8:1::1 and ::2.
sc_pair() {
  netns_pair cg-a cg-va cg-b cg-vb
  ip -n cg-a addr add 2001:db8:1::1/64 dev cg-va nodad
  ip -n cg-b addr add 2001:db8:1::2/64 dev cg-vb nodad
}

# sc_start NS CONFIG: starts cygnetd in NS; its pid goes to $SC_TMP/NS.pid.
sc_start() {
  local ns=$1 cfg=$2
  netns_cygnetd "$SC_BUILD" "$ns" "$cfg" "$SC_TMP/$ns.log" "$SC_TMP/$ns.pid"
  # Up to 20 s: under software emulation (the kernel lab) a start can take seconds.
  netns_wait_socket "$SC_TMP/$ns.ctl" "$SC_TMP/$ns.pid" 200 && return 0
  if kill -0 "$(cat "$SC_TMP/$ns.pid")" 2>/dev/null; then
    sc_fail "cygnetd in $ns did not open its control socket"
  else
    sc_fail "cygnetd in $ns exited"
  fi
  return 1
}

# sc_backend_esp BACKEND USAGE: checks the kernel backend a scenario runs on
# and prints ESP proposals it can install (af_key has no AEAD: AES-CBC with
# HMAC-SHA2-384); loads af_key for kernel-pfkey. Fails with USAGE otherwise.
sc_backend_esp() {
  case $1 in
  kernel-netlink) echo aes128gcm16 ;;
  kernel-pfkey)
    modprobe af_key 2>/dev/null
    [ -e /proc/net/pfkey ] || { echo "af_key is not loaded and cannot be (modprobe af_key)" >&2; return 1; }
    echo aes256-sha384
    ;;
  *) echo "usage: $2" >&2; return 1 ;;
  esac
}

sc_ctl() { local ns=$1; shift; ip netns exec "$ns" "$SC_BIN/cygnetctl" -s "$SC_TMP/$ns.ctl" "$@"; }

# sc_ping_until NS DST SECONDS [SRC]: true when one ping (from SRC) gets through within SECONDS.
sc_ping_until() {
  local ns=$1 dst=$2 end=$((SECONDS + $3)) src=()
  [ -n "${4:-}" ] && src=(-I "$4")
  while [ $SECONDS -lt $end ]; do
    ip netns exec "$ns" ping -6 -c1 -W1 "${src[@]}" "$dst" >/dev/null 2>&1 && return 0
  done
  return 1
}

# sc_shows PATTERN CMD...: true when a line of CMD's output matches PATTERN.
# The output is read whole first: under pipefail, `ip ... | grep -q` fails
# at random when grep stops at the first match and ip, which writes each
# object on its own, dies of SIGPIPE writing the next.
sc_shows() {
  local pat=$1
  shift
  grep -q -- "$pat" <<<"$("$@" 2>/dev/null)"
}

# sc_esp_packets NS SRC DST: packets counted on the SAs from SRC to DST in NS.
sc_esp_packets() {
  ip -n "$1" -s xfrm state 2>/dev/null | awk -v want="$2 $3" '
    /^src / { cur = $2 " " $4 }
    /^[ \t]*[0-9]+\(bytes\), [0-9]+\(packets\)/ { if (cur == want) { split($2, a, "("); n += a[1] } }
    END { print n + 0 }'
}

# sc_psk_yaml NAME PLUGINS CONN LOCAL_ADDR REMOTE_ADDR ID PEER: the daemon
# section (control socket, journal and log under $SC_TMP) and the head of one
# IKEv2 PSK connection, up to its `children:` key; the caller adds the
# children and sc_psk_secret.
sc_psk_yaml() {
  cat <<YAML
daemon:
  plugins: [$2]
  control: $SC_TMP/$1.ctl
  state_file: $SC_TMP/$1.journal
  log: { default: info }
connections:
  $3:
    version: 2
    local_addrs: [$4]
    remote_addrs: [$5]
    proposals: [aes128gcm16-prfsha256-x25519]
    local: { auth: psk, id: $6 }
    remote: { auth: psk, id: $7 }
    children:
YAML
}

# sc_psk_secret ID PEER SECRET: the secrets section for sc_psk_yaml's connection.
sc_psk_secret() {
  printf 'secrets:\n  - { type: psk, ids: [%s, %s], secret: "%s" }\n' "$1" "$2" "$3"
}
