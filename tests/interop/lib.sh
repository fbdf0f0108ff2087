# Shared by the charon interop scripts (sourced, POSIX sh): two network
# namespaces on a veth pair, cygnetd in one and strongSwan's charon in the
# other, the control helpers and the ESP checks. A script sets BUILD, calls
# interop_init NAME, writes $DIR/cygnet.yaml and $DIR/strongswan.conf, then
# start_daemons; it ends with finish DESCRIPTION.
#
# Layout: NS_C holds 2001:db8::1 on the link and 2001:db8:1::1 on lo, NS_S
# holds 2001:db8::2 and 2001:db8:2::1.
#
# shellcheck shell=sh
# Several functions take optional arguments: a call without any means none.
# shellcheck disable=SC2119,SC2120

# shellcheck source=tests/lib/netns.sh
. "$(dirname "$0")/../lib/netns.sh"

log() { echo "== $*"; }
fail() { echo "FAIL: $*"; FAILED=1; }

# interop_init NAME: namespaces cg-NAME-cygnet and cg-NAME-charon, a scratch
# directory /tmp/cg-NAME.*, removed with both namespaces on exit.
interop_init() {
	CHARON=${CHARON:-/usr/lib/ipsec/charon}
	NS_C=cg-$1-cygnet
	NS_S=cg-$1-charon
	DIR=$(mktemp -d "/tmp/cg-$1.XXXXXX")
	FAILED=0
	# A script that shows the logs of each case itself sets this to no.
	LOGS_AT_EXIT=${LOGS_AT_EXIT:-yes}
	trap cleanup EXIT
}

# Loads ESP and the kernel crypto it asks for; extra modules (esp4,
# xfrm4_tunnel) come as arguments.
load_modules() { netns_load_modules "$@"; }

# netns_setup VETH [src]: NS_C and NS_S joined by VETH-c and VETH-s, each
# routing the other's 2001:db8:N::/64 over the link; with "src", sourced
# from its own lo address.
netns_setup() { netns_routed_pair "$NS_C" "$1-c" "$NS_S" "$1-s" "${2:-}"; }

# write_strongswan_conf VIRTUAL_IP RETRANSMITS [OPTIONS]: charon with its
# log in $DIR/charon.log and vici on $DIR/charon.vici.
write_strongswan_conf() {
	cat >"$DIR/strongswan.conf" <<CONF
charon {
	load_modular = yes
	install_routes = no
	install_virtual_ip = $1
	retransmit_tries = $2
	${3:-}
	filelog {
		charon {
			path = $DIR/charon.log
			flush_line = yes
			default = 1
			ike = 2
			cfg = 2
		}
	}
	plugins {
		include /etc/strongswan.d/charon/*.conf
		vici {
			socket = unix://$DIR/charon.vici
		}
	}
}
CONF
}

# cygnet_daemon_yaml PLUGINS [LOG]: the daemon section of cygnet.yaml, with
# the control socket and state file in $DIR.
cygnet_daemon_yaml() {
	cat <<YAML
daemon:
  plugins: [$1]
  log: { ${2:-default: info, ike: debug} }
  control: $DIR/cygnetd.ctl
  state_file: $DIR/cygnetd.state
YAML
}

# sw_psk_secret NAME ID1 ID2 SECRET: one PSK entry of swanctl.conf's secrets.
sw_psk_secret() {
	cat <<CONF
	ike-$1 {
		id-1 = $2
		id-2 = $3
		secret = "$4"
	}
CONF
}

# run_case FUNCTION [ARGS]: one case with its own verdict. Its logs are shown
# when it fails, both daemons are stopped after it, and an earlier failure
# is kept. FUNCTION records failures with fail and returns 0: with set -e a
# non-zero return ends the script (end it with "! CHECK || fail ...", not
# with "CHECK && fail ...").
run_case() {
	before=$FAILED
	FAILED=0
	"$@"
	[ "$FAILED" = 0 ] || show_logs
	stop_daemons
	[ "$before" = 0 ] || FAILED=1
}

# write_psk_tunnel_configs [YAML]: connection sw (cygnet) and cg (charon),
# PSK $PSK, a tunnel between 2001:db8:1::/64 and 2001:db8:2::/64; YAML adds
# more of cygnet's connections.
write_psk_tunnel_configs() {
	cat >"$DIR/cygnet.yaml" <<YAML
$(cygnet_daemon_yaml "crypto-nettle, kernel-netlink, ike2")
connections:
  sw:
    local_addrs: [2001:db8::1]
    remote_addrs: [2001:db8::2]
    proposals: [aes128gcm16-prfsha256-x25519, aes256-sha256-modp2048]
    local: { auth: psk, id: cygnet.example }
    remote: { auth: psk, id: charon.example }
    children:
      net:
        mode: tunnel
        local_ts: [2001:db8:1::/64]
        remote_ts: [2001:db8:2::/64]
        esp_proposals: [aes128gcm16, aes256-sha256]
${1:+$1
}secrets:
  - { type: psk, ids: [cygnet.example, charon.example], secret: "$PSK" }
YAML
	write_strongswan_conf no 3
	cat >"$DIR/swanctl.conf" <<CONF
connections {
	cg {
		version = 2
		local_addrs = 2001:db8::2
		remote_addrs = 2001:db8::1
		proposals = aes128gcm16-prfsha256-x25519
		local {
			auth = psk
			id = charon.example
		}
		remote {
			auth = psk
			id = cygnet.example
		}
		children {
			net {
				mode = tunnel
				local_ts = 2001:db8:2::/64
				remote_ts = 2001:db8:1::/64
				esp_proposals = aes128gcm16
			}
		}
	}
}
secrets {
$(sw_psk_secret cg charon.example cygnet.example "$PSK")
}
CONF
}

# ipv4_setup VETH: IPv4 beside the IPv6 of netns_setup VETH, outer addresses
# 192.0.2.1 (cygnet) and 192.0.2.2 (charon) on the link, inner ones
# 198.51.100.1 and 203.0.113.1 on lo, each routing the other's /24 from it.
ipv4_setup() {
	ip -n "$NS_C" addr add 192.0.2.1/24 dev "$1-c"
	ip -n "$NS_S" addr add 192.0.2.2/24 dev "$1-s"
	ip -n "$NS_C" addr add 198.51.100.1/24 dev lo
	ip -n "$NS_S" addr add 203.0.113.1/24 dev lo
	ip -n "$NS_C" route add 203.0.113.0/24 via 192.0.2.2 src 198.51.100.1
	ip -n "$NS_S" route add 198.51.100.0/24 via 192.0.2.1 src 203.0.113.1
}

# swanctl_psk_conn NAME VERSION LOCAL REMOTE PROPOSALS CHILD MODE ESP [LOCAL_TS REMOTE_TS]:
# one connection of charon's swanctl.conf, PSK between charon.example (charon)
# and cygnet.example, one child.
swanctl_psk_conn() {
	cat <<CONF
	$1 {
		version = $2
		local_addrs = $3
		remote_addrs = $4
		proposals = $5
		local {
			auth = psk
			id = charon.example
		}
		remote {
			auth = psk
			id = cygnet.example
		}
		children {
			$6 {
				mode = $7
				esp_proposals = $8
				${9:+local_ts = $9}
				${10:+remote_ts = ${10}}
			}
		}
	}
CONF
}

# swanctl_psk_secret: the secrets section for $PSK between the two identities.
swanctl_psk_secret() {
	echo "secrets {"
	sw_psk_secret cg charon.example cygnet.example "$PSK"
	echo "}"
}

# Certificates, made at test time with GnuTLS certtool, else strongSwan pki.

# certtool_key KIND FILE: a private key (ecdsa or rsa).
certtool_key() {
	case $1 in
	ecdsa) certtool --generate-privkey --no-text --key-type ecdsa --curve secp256r1 --outfile "$2" ;;
	rsa) certtool --generate-privkey --no-text --key-type rsa --bits 2048 --outfile "$2" ;;
	esac 2>/dev/null
}

# certtool_ca NAME KIND: NAME.key, NAME.pem (self-signed CA).
certtool_ca() {
	certtool_key "$2" "$DIR/$1.key"
	cat >"$DIR/$1.tmpl" <<EOF
cn = "$1"
organization = "cygnet"
country = CH
ca
cert_signing_key
crl_signing_key
expiration_days = 30
EOF
	certtool --generate-self-signed --no-text --load-privkey "$DIR/$1.key" \
		--template "$DIR/$1.tmpl" --outfile "$DIR/$1.pem" 2>/dev/null
}

# certtool_end NAME KIND CA: NAME.key, NAME.pem with SAN dNSName NAME.
certtool_end() {
	certtool_key "$2" "$DIR/$1.key"
	cat >"$DIR/$1.tmpl" <<EOF
cn = "$1"
organization = "cygnet"
country = CH
dns_name = "$1"
signing_key
expiration_days = 30
EOF
	certtool --generate-certificate --no-text --load-privkey "$DIR/$1.key" \
		--load-ca-certificate "$DIR/$3.pem" --load-ca-privkey "$DIR/$3.key" \
		--template "$DIR/$1.tmpl" --outfile "$DIR/$1.pem" 2>/dev/null
}

# The same with strongSwan's pki, when certtool is missing.
pki_ca() {
	pki --gen --type "$2" --size "$([ "$2" = rsa ] && echo 2048 || echo 256)" \
		--outform pem >"$DIR/$1.key"
	pki --self --ca --lifetime 30 --in "$DIR/$1.key" --type "$2" \
		--dn "C=CH, O=cygnet, CN=$1" --outform pem >"$DIR/$1.pem"
}

pki_end() {
	pki --gen --type "$2" --size "$([ "$2" = rsa ] && echo 2048 || echo 256)" \
		--outform pem >"$DIR/$1.key"
	pki --pub --in "$DIR/$1.key" --type "$2" |
		pki --issue --lifetime 30 --cacert "$DIR/$3.pem" --cakey "$DIR/$3.key" \
			--dn "C=CH, O=cygnet, CN=$1" --san "$1" --outform pem >"$DIR/$1.pem"
}

# make_certs KIND: ca, cygnet.example, charon.example (and a second CA, other).
make_certs() {
	if command -v certtool >/dev/null; then
		tool=certtool
	elif command -v pki >/dev/null; then
		tool=pki
	else
		echo "neither certtool (gnutls-bin) nor pki (strongswan-pki) is installed"
		exit 1
	fi
	rm -f "$DIR"/*.pem "$DIR"/*.key
	if [ "$tool" = certtool ]; then
		certtool_ca ca "$1"
		certtool_ca other ecdsa
		certtool_end cygnet.example "$1" ca
		certtool_end charon.example "$1" ca
	else
		pki_ca ca "$1"
		pki_ca other ecdsa
		pki_end cygnet.example "$1" ca
		pki_end charon.example "$1" ca
	fi
	for f in ca other cygnet.example charon.example; do
		if [ ! -s "$DIR/$f.pem" ] || [ ! -s "$DIR/$f.key" ]; then
			echo "making $f with $tool failed"
			exit 1
		fi
	done
}

# swanctl_dir [CA]: an empty $SWANCTL_DIR for charon's swanctl.conf; with CA,
# charon's certificate and key and CA.pem as its trust anchor.
swanctl_dir() {
	rm -rf "$SWANCTL_DIR"
	mkdir -p "$SWANCTL_DIR/x509" "$SWANCTL_DIR/x509ca" "$SWANCTL_DIR/private"
	[ -n "${1:-}" ] || return 0
	cp "$DIR/charon.example.pem" "$SWANCTL_DIR/x509/"
	cp "$DIR/$1.pem" "$SWANCTL_DIR/x509ca/"
	cp "$DIR/charon.example.key" "$SWANCTL_DIR/private/"
}

cgctl() { "$BUILD/bin/cygnetctl" -s "$DIR/cygnetd.ctl" "$@"; }
# swanctl COMMAND [ARGS], talking to our charon; SWANCTL_DIR, when set, holds
# its swanctl.conf and credentials.
sw() { ip netns exec "$NS_S" env STRONGSWAN_CONF="$DIR/strongswan.conf" \
	${SWANCTL_DIR:+SWANCTL_DIR="$SWANCTL_DIR"} swanctl "$@" --uri "unix://$DIR/charon.vici"; }

# start_daemons [ARGS]: charon and cygnetd, then swanctl --load-all ARGS.
start_daemons() {
	: >"$DIR/charon.log"
	ip netns exec "$NS_S" env STRONGSWAN_CONF="$DIR/strongswan.conf" "$CHARON" \
		>"$DIR/charon.out" 2>&1 &
	echo $! >"$DIR/charon.pid"
	: >"$DIR/cygnetd.log"
	netns_cygnetd "$BUILD" "$NS_C" "$DIR/cygnet.yaml" "$DIR/cygnetd.log" "$DIR/cygnetd.pid"
	# A first start in a loaded emulated machine can take many seconds.
	netns_wait_socket "$DIR/charon.vici" "$DIR/charon.pid" 300 || true
	netns_wait_socket "$DIR/cygnetd.ctl" "$DIR/cygnetd.pid" 300 || true
	sw --load-all "$@" >"$DIR/swanctl-load.out" 2>&1 ||
		{ fail "swanctl --load-all"; cat "$DIR/swanctl-load.out"; }
}

# Stops both daemons and waits until they are gone: a next pair needs
# their ports, sockets and charon's pid file.
stop_daemons() {
	netns_stop "$DIR/cygnetd.pid"
	netns_stop "$DIR/charon.pid"
	rm -f "$DIR/charon.vici" "$DIR/cygnetd.ctl"
}

show_logs() {
	echo "---- cygnetd log"; cat "$DIR/cygnetd.log" 2>/dev/null
	echo "---- charon log"; cat "$DIR/charon.log" 2>/dev/null
}

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	stop_daemons
	netns_del "$NS_C" "$NS_S"
	if [ "$FAILED" != 0 ] && [ "$LOGS_AT_EXIT" = yes ]; then
		show_logs
	fi
	rm -rf "$DIR"
}

# ping_through NS FAMILY SRC DST: three echoes from NS; the ESP packet
# counters must rise by the requests and replies on cygnet's side, and on
# charon's side by ESP_MIN_CHARON (6 unless a script lowers it: an SA charon
# retires right after a rekey may take its counts with it). With
# LIST_SAS_COUNTS=yes, cygnet's list-sas must show the packets too. With
# PING_BY_ROUTE=yes the ping is not bound to SRC: the routes must pick it.
ping_through() {
	before_c=$(netns_esp_packets "$NS_C")
	before_s=$(netns_esp_packets "$NS_S")
	bind="-I $3"
	[ "${PING_BY_ROUTE:-no}" = yes ] && bind=
	# shellcheck disable=SC2086 # bind is empty or two words
	if ! ip netns exec "$1" ping "-$2" -c 3 -i 0.3 -W 2 $bind "$4" >"$DIR/ping.out"; then
		fail "ping $3 -> $4"; cat "$DIR/ping.out"; show_xfrm; return
	fi
	after_c=$(netns_esp_packets "$NS_C")
	after_s=$(netns_esp_packets "$NS_S")
	echo "   ping $3 -> $4: ESP packets cygnet $before_c -> $after_c, charon $before_s -> $after_s"
	[ "$after_c" -ge $((before_c + 6)) ] || fail "cygnet's ESP counters did not rise ($3 -> $4)"
	[ "$after_s" -ge $((before_s + ${ESP_MIN_CHARON:-6})) ] ||
		fail "charon's ESP counters did not rise ($3 -> $4)"
	[ "${LIST_SAS_COUNTS:-no}" = yes ] || return 0
	cgctl list-sas | grep -E -q "packets-in: [3-9]" || fail "cygnet's list-sas shows no inbound packets"
	cgctl list-sas | grep -E -q "packets-out: [3-9]" || fail "cygnet's list-sas shows no outbound packets"
}

# Both kernels' SAs (with counters, without keys) and policies, after a failure.
show_xfrm() {
	for ns in "$NS_C" "$NS_S"; do
		echo "---- xfrm state and policy in $ns"
		ip -n "$ns" -s xfrm state | grep -Ev '^[[:space:]]*(aead|enc|auth|auth-trunc) '
		ip -n "$ns" xfrm policy
	done
}

# SAs in the kernel of a namespace.
sa_count() { ip -n "$1" xfrm state | grep -c "^src" || true; }

# finish DESCRIPTION: the verdict, and the exit status.
finish() {
	if [ "$FAILED" = 0 ]; then
		log "$1: all cases passed"
	else
		log "$1: FAILED"
	fi
	exit "$FAILED"
}
