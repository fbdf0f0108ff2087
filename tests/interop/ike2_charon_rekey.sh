#!/bin/sh
# IKE SA rekeying between cygnetd and strongSwan's charon (same namespaces
# and PSK tunnel as ike2_charon.sh): cygnet rekeys the IKE SA, then charon
# does; each time both ends move to the new SPIs, keep exactly one IKE SA
# with the child, and a ping still passes through ESP. A child rekey on
# the rekeyed IKE SA uses the new SK_d. Then the same tunnel with
# `encap: true` (ESP in UDP on port 4500).
#
# Usage: ike2_charon_rekey.sh BUILD_DIR   (root; a kernel with ESP, e.g. the kernel lab)
set -eu

BUILD=${1:?usage: ike2_charon_rekey.sh BUILD_DIR}
CHARON=${CHARON:-/usr/lib/ipsec/charon}
NS_C=cg-rekey-cygnet
NS_S=cg-rekey-charon
DIR=$(mktemp -d /tmp/cg-rekey.XXXXXX)
FAILED=0
PSK="interop shared secret 0123456789"

log() { echo "== $*"; }
fail() { echo "FAIL: $*"; FAILED=1; }

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	[ -f "$DIR/cygnetd.pid" ] && kill "$(cat "$DIR/cygnetd.pid")" 2>/dev/null
	[ -f "$DIR/charon.pid" ] && kill "$(cat "$DIR/charon.pid")" 2>/dev/null
	sleep 1
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	if [ "$FAILED" != 0 ]; then
		echo "---- cygnetd log"; cat "$DIR/cygnetd.log" 2>/dev/null
		echo "---- charon log"; cat "$DIR/charon.log" 2>/dev/null
	fi
	rm -rf "$DIR"
}
trap cleanup EXIT

netns_setup() {
	ip netns add "$NS_C"
	ip netns add "$NS_S"
	ip link add cgi-c type veth peer name cgi-s
	ip link set cgi-c netns "$NS_C"
	ip link set cgi-s netns "$NS_S"
	for spec in "$NS_C cgi-c 1 2" "$NS_S cgi-s 2 1"; do
		# shellcheck disable=SC2086
		set -- $spec
		ip -n "$1" link set lo up
		ip -n "$1" link set "$2" up
		ip -n "$1" addr add "2001:db8::$3/64" dev "$2" nodad
		ip -n "$1" addr add "2001:db8:$3::1/64" dev lo nodad
		ip -n "$1" route add "2001:db8:$4::/64" via "2001:db8::$4" src "2001:db8:$3::1"
	done
}

write_configs() {
	cat >"$DIR/cygnet.yaml" <<YAML
daemon:
  plugins: [crypto-nettle, kernel-netlink, ike2]
  log: { default: info, ike: debug }
  control: $DIR/cygnetd.ctl
  state_file: $DIR/cygnetd.state
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
  sw-encap:
    local_addrs: [2001:db8::1]
    remote_addrs: [2001:db8::2]
    proposals: [aes128gcm16-prfsha256-x25519]
    encap: true
    local: { auth: psk, id: cygnet.example }
    remote: { auth: psk, id: charon.example }
    children:
      net-encap:
        mode: tunnel
        local_ts: [2001:db8:1::/64]
        remote_ts: [2001:db8:2::/64]
        esp_proposals: [aes128gcm16]
secrets:
  - { type: psk, ids: [cygnet.example, charon.example], secret: "$PSK" }
YAML
	cat >"$DIR/strongswan.conf" <<CONF
charon {
	load_modular = yes
	install_routes = no
	install_virtual_ip = no
	retransmit_tries = 3
	filelog {
		charon {
			path = $DIR/charon.log
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
	ike-cg {
		id-1 = charon.example
		id-2 = cygnet.example
		secret = "$PSK"
	}
}
CONF
}

cgctl() { "$BUILD/bin/cygnetctl" -s "$DIR/cygnetd.ctl" "$@"; }
# swanctl COMMAND [ARGS], talking to our charon.
sw() { ip netns exec "$NS_S" env STRONGSWAN_CONF="$DIR/strongswan.conf" \
	swanctl "$@" --uri "unix://$DIR/charon.vici"; }

start_daemons() {
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
	sw --load-all --file "$DIR/swanctl.conf" >/dev/null 2>&1 || fail "swanctl --load-all"
}

# Packets counted by the kernel on the SAs of a namespace.
esp_packets() {
	ip -n "$1" -s xfrm state | awk '/^[ \t]*[0-9]+\(bytes\), [0-9]+\(packets\)/ {
		split($2, a, "("); n += a[1] } END { print n + 0 }'
}

ping_through() {
	# ping from ns $1, address $2 to $3; ESP packet counters must rise on both sides.
	before_c=$(esp_packets "$NS_C")
	before_s=$(esp_packets "$NS_S")
	if ! ip netns exec "$1" ping -6 -c 3 -i 0.3 -W 2 -I "$2" "$3" >"$DIR/ping.out"; then
		fail "ping $2 -> $3"; cat "$DIR/ping.out"; return
	fi
	after_c=$(esp_packets "$NS_C")
	after_s=$(esp_packets "$NS_S")
	echo "   ESP packets: cygnet $before_c -> $after_c, charon $before_s -> $after_s"
	# Three echo requests and three replies, counted on each kernel's SAs (an
	# SA charon retires right after a rekey may take its counts with it).
	[ "$after_c" -ge $((before_c + 6)) ] || fail "cygnet's ESP counters did not rise"
	[ "$after_s" -ge $((before_s + 3)) ] || fail "charon's ESP counters did not rise"
	cgctl list-sas | grep -E -q "packets-in: [3-9]" || fail "cygnet's list-sas shows no inbound packets"
	cgctl list-sas | grep -E -q "packets-out: [3-9]" || fail "cygnet's list-sas shows no outbound packets"
}

sa_count() { ip -n "$1" xfrm state | grep -c "^src" || true; }

ike_spis() { cgctl list-sas | awk '/initiator-spi:|responder-spi:/ { printf "%s ", $2 }'; }
charon_ike_count() { sw --list-sas | grep -c "ESTABLISHED" || true; }

# Checks one IKE SA with the child on both ends after a rekey from $1 to new SPIs.
after_ike_rekey() {
	who=$1 before=$2
	sleep 2
	after=$(ike_spis)
	echo "   IKE SPIs: $before -> $after"
	[ -n "$after" ] && [ "$after" != "$before" ] || fail "$who: cygnet's IKE SA kept its SPIs"
	[ "$(cgctl list-sas | grep -c ESTABLISHED)" = 1 ] || fail "$who: cygnet does not have exactly one IKE SA"
	[ "$(charon_ike_count)" = 1 ] || fail "$who: charon does not have exactly one IKE SA"
	[ "$(cgctl list-sas | grep -c INSTALLED)" = 1 ] || fail "$who: cygnet lost the CHILD_SA"
	for spi in $after; do
		sw --list-sas | grep -q "$spi" || fail "$who: charon does not know IKE SPI $spi"
	done
	ping_through "$NS_C" 2001:db8:1::1 2001:db8:2::1
}

case_ike_rekeys() {
	log "cygnet initiates, charon responds"
	cgctl initiate --child net >/dev/null || fail "cygnetctl initiate"
	ping_through "$NS_C" 2001:db8:1::1 2001:db8:2::1
	log "cygnet rekeys the IKE SA"
	before=$(ike_spis)
	cgctl rekey --ike sw >/dev/null || fail "cygnetctl rekey --ike"
	after_ike_rekey cygnet "$before"
	log "charon rekeys the IKE SA"
	before=$(ike_spis)
	sw --rekey --ike cg >/dev/null || fail "swanctl --rekey --ike"
	after_ike_rekey charon "$before"
	log "charon rekeys the CHILD_SA on the rekeyed IKE SA"
	spi_before=$(cgctl list-sas | awk '/spi-in:/ { print $2 }')
	sw --rekey --child net >/dev/null || fail "swanctl --rekey --child"
	sleep 2
	spi_after=$(cgctl list-sas | awk '/spi-in:/ { print $2 }')
	[ -n "$spi_after" ] && [ "$spi_after" != "$spi_before" ] ||
		fail "cygnet's CHILD_SA was not rekeyed ($spi_before -> $spi_after)"
	ping_through "$NS_C" 2001:db8:1::1 2001:db8:2::1
	log "cygnet deletes the IKE SA"
	cgctl terminate --ike sw >/dev/null || fail "cygnetctl terminate --ike"
	sleep 1
	[ "$(charon_ike_count)" = 0 ] || fail "charon kept an IKE SA"
	[ "$(sa_count "$NS_C")" = 0 ] || fail "SAs left in cygnet's kernel"
}

case_encap() {
	log "cygnet initiates with encap: true"
	cgctl initiate --child net-encap >/dev/null || fail "cygnetctl initiate --child net-encap"
	cgctl list-sas | grep -q "local-port: 4500" || fail "cygnet did not move to port 4500"
	ip -n "$NS_C" xfrm state | grep -q "encap type espinudp" || fail "cygnet's SAs are not UDP-encapsulated"
	ip -n "$NS_S" xfrm state | grep -q "encap type espinudp" || fail "charon's SAs are not UDP-encapsulated"
	ping_through "$NS_C" 2001:db8:1::1 2001:db8:2::1
	log "cygnet rekeys the IKE SA on port 4500"
	before=$(ike_spis)
	cgctl rekey --ike sw-encap >/dev/null || fail "cygnetctl rekey --ike sw-encap"
	after_ike_rekey "cygnet (encap)" "$before"
	cgctl terminate --ike sw-encap >/dev/null || true
	sleep 1
}

for m in esp6 xfrm6_tunnel seqiv echainiv gcm ghash-generic aes drbg jitterentropy_rng; do
	modprobe "$m" 2>/dev/null || true
done
netns_setup
write_configs
start_daemons
case_ike_rekeys
case_encap
if [ "$FAILED" = 0 ]; then
	log "IKE rekey interop with charon: all cases passed"
else
	log "IKE rekey interop with charon: FAILED"
fi
exit "$FAILED"
