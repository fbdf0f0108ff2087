#!/bin/sh
# IKEv2 interop between cygnetd and strongSwan's charon with certificates,
# over IPv6, each daemon in its own network namespace. A CA and one
# certificate per side are made at test time (GnuTLS certtool, else
# strongSwan's pki). Per key type, cygnet initiates and then responds; each
# time a tunnel between 2001:db8:1::/64 (cygnet) and 2001:db8:2::/64
# (charon) carries a ping through ESP with the kernel's counters rising.
#
#   ecdsa    ECDSA P-256, FQDN identities, RFC 7427 signatures both ways
#   rsa      RSA-2048, DN identities; charon signs with RSA-PSS (rsa_pss)
#   classic  ECDSA P-256 with charon's signature_authentication off: no
#            SIGNATURE_HASH_ALGORITHMS, so both sides use AUTH method 9
#   wrongca  charon trusts another CA: cygnet gets AUTHENTICATION_FAILED
#
# Usage: ike2_charon_certs.sh BUILD_DIR   (root; a kernel with ESP, e.g. the kernel lab)
set -eu

BUILD=${1:?usage: ike2_charon_certs.sh BUILD_DIR}
CHARON=${CHARON:-/usr/lib/ipsec/charon}
NS_C=cg-certs-cygnet
NS_S=cg-certs-charon
DIR=$(mktemp -d /tmp/cg-certs.XXXXXX)
FAILED=0

log() { echo "== $*"; }
fail() { echo "FAIL: $*"; FAILED=1; }

# Stops both daemons and waits until they are gone: the next pair needs
# their ports, sockets and charon's pid file.
stop_daemons() {
	for f in "$DIR/cygnetd.pid" "$DIR/charon.pid"; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -9 "$pid" 2>/dev/null || true
		rm -f "$f"
	done
	rm -f "$DIR/charon.vici" "$DIR/cygnetd.ctl"
}

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	stop_daemons
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT

netns_setup() {
	ip netns add "$NS_C"
	ip netns add "$NS_S"
	ip link add cgc-c type veth peer name cgc-s
	ip link set cgc-c netns "$NS_C"
	ip link set cgc-s netns "$NS_S"
	for spec in "$NS_C cgc-c 1 2" "$NS_S cgc-s 2 1"; do
		# shellcheck disable=SC2086
		set -- $spec
		ip -n "$1" link set lo up
		ip -n "$1" link set "$2" up
		ip -n "$1" addr add "2001:db8::$3/64" dev "$2" nodad
		ip -n "$1" addr add "2001:db8:$3::1/64" dev lo nodad
		ip -n "$1" route add "2001:db8:$4::/64" via "2001:db8::$4" src "2001:db8:$3::1"
	done
}

# --- certificates ----------------------------------------------------------

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

# --- configuration ---------------------------------------------------------

# write_configs CYGNET_ID CHARON_ID CHARON_CA STRONGSWAN_OPTIONS
write_configs() {
	cat >"$DIR/cygnet.yaml" <<YAML
daemon:
  plugins: [crypto-nettle, pki-gnutls, kernel-netlink, ike2]
  log: { default: info, ike: debug }
  control: $DIR/cygnetd.ctl
  state_file: $DIR/cygnetd.state
connections:
  sw:
    local_addrs: [2001:db8::1]
    remote_addrs: [2001:db8::2]
    proposals: [aes128gcm16-prfsha256-x25519]
    local: { auth: pubkey, id: "$1", certs: [$DIR/cygnet.example.pem] }
    remote: { auth: pubkey, id: "$2", cacerts: [$DIR/ca.pem] }
    children:
      net:
        mode: tunnel
        local_ts: [2001:db8:1::/64]
        remote_ts: [2001:db8:2::/64]
        esp_proposals: [aes128gcm16]
secrets:
  - { type: private, file: $DIR/cygnet.example.key }
YAML
	SW=$DIR/swanctl
	rm -rf "$SW"
	mkdir -p "$SW/x509" "$SW/x509ca" "$SW/private"
	cp "$DIR/charon.example.pem" "$SW/x509/"
	cp "$DIR/$3.pem" "$SW/x509ca/"
	cp "$DIR/charon.example.key" "$SW/private/"
	cat >"$DIR/strongswan.conf" <<CONF
charon {
	load_modular = yes
	install_routes = no
	install_virtual_ip = no
	retransmit_tries = 2
	$4
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
	cat >"$SW/swanctl.conf" <<CONF
connections {
	cg {
		version = 2
		local_addrs = 2001:db8::2
		remote_addrs = 2001:db8::1
		proposals = aes128gcm16-prfsha256-x25519
		local {
			auth = pubkey
			certs = charon.example.pem
			id = "$2"
		}
		remote {
			auth = pubkey
			id = "$1"
			cacerts = $3.pem
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
CONF
}

cgctl() { "$BUILD/bin/cygnetctl" -s "$DIR/cygnetd.ctl" "$@"; }
sw() { ip netns exec "$NS_S" env STRONGSWAN_CONF="$DIR/strongswan.conf" SWANCTL_DIR="$DIR/swanctl" \
	swanctl "$@" --uri "unix://$DIR/charon.vici" 2>>"$DIR/swanctl.err"; }

start_daemons() {
	: >"$DIR/charon.log"
	ip netns exec "$NS_S" env STRONGSWAN_CONF="$DIR/strongswan.conf" "$CHARON" \
		>"$DIR/charon.out" 2>&1 &
	echo $! >"$DIR/charon.pid"
	ip netns exec "$NS_C" "$BUILD/bin/cygnetd" -F -c "$DIR/cygnet.yaml" \
		--plugin-dir "$BUILD/lib/cygnet/plugins" --pid-file "$DIR/cygnetd.pidfile" \
		>"$DIR/cygnetd.log" 2>&1 &
	echo $! >"$DIR/cygnetd.pid"
	for _ in $(seq 100); do
		[ -S "$DIR/charon.vici" ] && [ -S "$DIR/cygnetd.ctl" ] && break
		sleep 0.1
	done
	sw --load-all >"$DIR/swanctl-load.out" 2>&1 || { fail "swanctl --load-all"; cat "$DIR/swanctl-load.out"; }
}

show_logs() {
	echo "---- cygnetd log"; cat "$DIR/cygnetd.log" 2>/dev/null
	echo "---- charon log"; cat "$DIR/charon.log" 2>/dev/null
}

# --- cases -----------------------------------------------------------------

esp_packets() {
	ip -n "$1" -s xfrm state | awk '/^[ \t]*[0-9]+\(bytes\), [0-9]+\(packets\)/ {
		split($2, a, "("); n += a[1] } END { print n + 0 }'
}

ping_through() {
	before_c=$(esp_packets "$NS_C")
	before_s=$(esp_packets "$NS_S")
	if ! ip netns exec "$1" ping -6 -c 3 -i 0.3 -W 2 -I "$2" "$3" >"$DIR/ping.out"; then
		fail "ping $2 -> $3"; cat "$DIR/ping.out"; return
	fi
	after_c=$(esp_packets "$NS_C")
	after_s=$(esp_packets "$NS_S")
	echo "   ESP packets: cygnet $before_c -> $after_c, charon $before_s -> $after_s"
	[ "$after_c" -ge $((before_c + 6)) ] || fail "cygnet's ESP counters did not rise"
	[ "$after_s" -ge $((before_s + 6)) ] || fail "charon's ESP counters did not rise"
}

sa_count() { ip -n "$1" xfrm state | grep -c "^src" || true; }

# expect_logs CYGNET_PATTERN CHARON_PATTERN: how each side verified the other.
expect_logs() {
	grep -q "$1" "$DIR/cygnetd.log" || fail "cygnetd did not log '$1'"
	grep -q "$2" "$DIR/charon.log" || fail "charon did not log '$2'"
}

# run_tunnel WHO: WHO (cygnet or charon) initiates; tunnel, ping, delete.
run_tunnel() {
	if [ "$1" = cygnet ]; then
		cgctl initiate --child net >/dev/null || fail "cygnetctl initiate"
	else
		sw --initiate --child net >/dev/null || fail "swanctl --initiate"
	fi
	sw --list-sas | grep -q "INSTALLED" || fail "charon has no installed CHILD_SA"
	cgctl list-sas | grep -q "INSTALLED" || fail "cygnet has no installed CHILD_SA"
	if [ "$1" = cygnet ]; then
		ping_through "$NS_C" 2001:db8:1::1 2001:db8:2::1
	else
		ping_through "$NS_S" 2001:db8:2::1 2001:db8:1::1
	fi
	cgctl terminate --ike sw >/dev/null || fail "cygnetctl terminate --ike"
	sleep 1
	sw --list-sas | grep -q "ESTABLISHED" && fail "charon kept the IKE SA"
	[ "$(sa_count "$NS_C")" = 0 ] || fail "SAs left in cygnet's kernel"
	[ "$(sa_count "$NS_S")" = 0 ] || fail "SAs left in charon's kernel"
}

# run_set NAME KIND CYGNET_ID CHARON_ID CHARON_OPTIONS CYGNET_LOG CHARON_LOG
run_set() {
	before=$FAILED
	FAILED=0
	log "$1: certificates ($2), cygnet initiates"
	make_certs "$2"
	write_configs "$3" "$4" ca "$5"
	start_daemons
	run_tunnel cygnet
	log "$1: charon initiates"
	run_tunnel charon
	expect_logs "$6" "$7"
	[ "$FAILED" = 0 ] || show_logs
	stop_daemons
	[ "$before" = 0 ] || FAILED=1
}

case_wrong_ca() {
	before=$FAILED
	FAILED=0
	log "wrongca: charon trusts another CA"
	make_certs ecdsa
	write_configs cygnet.example charon.example other ""
	start_daemons
	cgctl initiate --child net >/dev/null 2>&1 && fail "cygnet says the tunnel came up"
	grep -q "AUTHENTICATION_FAILED" "$DIR/cygnetd.log" || fail "cygnet did not get AUTHENTICATION_FAILED"
	cgctl list-sas | grep -q "ESTABLISHED" && fail "cygnet has an IKE SA"
	sw --list-sas | grep -q "ESTABLISHED" && fail "charon has an IKE SA"
	log "wrongca: charon initiates, cygnet refuses charon's certificate chain"
	write_configs cygnet.example charon.example ca ""
	sed -i "s|cacerts: \[$DIR/ca.pem\]|cacerts: [$DIR/other.pem]|" "$DIR/cygnet.yaml"
	stop_daemons
	start_daemons
	sw --initiate --child net >/dev/null 2>&1 && fail "charon says the tunnel came up"
	sleep 1
	grep -q "no trusted CA issued the certificate" "$DIR/cygnetd.log" ||
		fail "cygnet did not refuse charon's certificate"
	grep -q "AUTHENTICATION_FAILED" "$DIR/charon.log" || fail "charon did not get AUTHENTICATION_FAILED"
	cgctl list-sas | grep -q "ESTABLISHED" && fail "cygnet has an IKE SA"
	sw --list-sas | grep -q "ESTABLISHED" && fail "charon has an IKE SA"
	log "wrongca: cygnet initiates, refuses charon's certificate and tells charon"
	cgctl initiate --child net >/dev/null 2>&1 && fail "cygnet says the tunnel came up"
	sleep 1
	[ "$(grep -c "no trusted CA issued the certificate" "$DIR/cygnetd.log")" -ge 2 ] ||
		fail "cygnet did not refuse charon's certificate as initiator"
	grep -q "INFORMATIONAL request .*N(AUTH_FAILED)" "$DIR/charon.log" ||
		fail "charon did not get our INFORMATIONAL with AUTHENTICATION_FAILED"
	sw --list-sas | grep -q "ESTABLISHED" && fail "charon kept the IKE SA"
	[ "$FAILED" = 0 ] || show_logs
	stop_daemons
	[ "$before" = 0 ] || FAILED=1
}

for m in esp6 xfrm6_tunnel seqiv echainiv gcm ghash-generic aes drbg jitterentropy_rng; do
	modprobe "$m" 2>/dev/null || true
done
netns_setup
run_set ecdsa ecdsa cygnet.example charon.example "" \
	"charon.example' with ECDSA-SHA256 (AUTH method 14)" \
	"authentication of 'cygnet.example' with ECDSA_WITH_SHA256_DER successful"
run_set rsa rsa "C=CH, O=cygnet, CN=cygnet.example" "C=CH, O=cygnet, CN=charon.example" \
	"rsa_pss = yes" \
	"charon.example' with RSA-PSS-SHA256 (AUTH method 14)" \
	"authentication of 'C=CH, O=cygnet, CN=cygnet.example' with RSA_EMSA_PKCS1_SHA2_256 successful"
run_set classic ecdsa cygnet.example charon.example "signature_authentication = no" \
	"charon.example' with ECDSA-SHA256 (raw) (AUTH method 9)" \
	"authentication of 'cygnet.example' with ECDSA-256 signature successful"
case_wrong_ca
if [ "$FAILED" = 0 ]; then
	log "certificate interop with charon: all cases passed"
else
	log "certificate interop with charon: FAILED"
fi
exit "$FAILED"
