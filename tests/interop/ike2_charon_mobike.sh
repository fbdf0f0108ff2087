#!/bin/sh
# MOBIKE (RFC 4555) with strongSwan's charon (mobike = yes, its default), a
# tunnel between 2001:db8:1::/64 and 2001:db8:2::/64 over IPv6:
#
#   cygnet moves   cygnet initiates; its host gains 2001:db8::3 and loses
#                  2001:db8::1. Within 15 s a ping through the tunnel passes
#                  again, charon shows the new address (swanctl --list-sas),
#                  the SPIs are the same (kernel-netlink moves the SAs; on
#                  kernel-pfkey the children are rekeyed there instead).
#   charon moves   charon initiates; its host gains 2001:db8::4 and loses
#                  2001:db8::2; cygnet follows the UPDATE_SA_ADDRESSES after
#                  its return routability check, and the ping passes.
#
# Usage: ike2_charon_mobike.sh BUILD_DIR [kernel-netlink|kernel-pfkey]
#        (root; a kernel with ESP, e.g. the kernel lab)
set -eu

BUILD=${1:?usage: ike2_charon_mobike.sh BUILD_DIR [BACKEND]}
BACKEND=${2:-kernel-netlink}
PSK="interop moving secret 0123456789"
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"
interop_init "mob${BACKEND#kernel-}"
VETH=mob
# af_key has no AEADs (docs/pfkey.md): CBC with HMAC-SHA2-384 there.
ESP=aes128gcm16
[ "$BACKEND" = kernel-pfkey ] && ESP=aes256-sha384

write_configs() {
	cat >"$DIR/cygnet.yaml" <<YAML
$(cygnet_daemon_yaml "crypto-nettle, $BACKEND, ike2")
connections:
  sw:
    local_addrs: [2001:db8::1]
    remote_addrs: [2001:db8::2]
    proposals: [aes128gcm16-prfsha256-x25519]
    local: { auth: psk, id: cygnet.example }
    remote: { auth: psk, id: charon.example }
    children:
      net:
        mode: tunnel
        local_ts: [2001:db8:1::/64]
        remote_ts: [2001:db8:2::/64]
        esp_proposals: [$ESP]
  from-charon:
    remote_addrs: [2001:db8::/64]
    proposals: [aes128gcm16-prfsha256-x25519]
    local: { auth: psk, id: cygnet2.example }
    remote: { auth: psk, id: charon2.example }
    children:
      net2:
        mode: tunnel
        local_ts: [2001:db8:1::/64]
        remote_ts: [2001:db8:2::/64]
        esp_proposals: [$ESP]
secrets:
  - { type: psk, ids: [cygnet.example, charon.example], secret: "$PSK" }
  - { type: psk, ids: [cygnet2.example, charon2.example], secret: "$PSK" }
YAML
	write_strongswan_conf no 3
	cat >"$DIR/swanctl.conf" <<CONF
connections {
	cg {
		version = 2
		remote_addrs = 2001:db8::/64
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
				esp_proposals = $ESP
			}
		}
	}
	to-cygnet {
		version = 2
		remote_addrs = 2001:db8::1
		proposals = aes128gcm16-prfsha256-x25519
		local {
			auth = psk
			id = charon2.example
		}
		remote {
			auth = psk
			id = cygnet2.example
		}
		children {
			net2 {
				mode = tunnel
				local_ts = 2001:db8:2::/64
				remote_ts = 2001:db8:1::/64
				esp_proposals = $ESP
			}
		}
	}
}
secrets {
$(sw_psk_secret cg charon.example cygnet.example "$PSK")
$(sw_psk_secret cg2 charon2.example cygnet2.example "$PSK")
}
CONF
}

spis() { ip -n "$1" xfrm state | awk '/spi/ { print $4 }' | sort | tr '\n' ' '; }

# ping_until NS SECONDS: the first ping through the tunnel that passes, up to SECONDS.
ping_until() {
	end=$(($(date +%s) + $2))
	while [ "$(date +%s)" -lt "$end" ]; do
		if [ "$1" = "$NS_C" ]; then
			ip netns exec "$1" ping -6 -c 1 -W 1 -I 2001:db8:1::1 2001:db8:2::1 >/dev/null 2>&1 &&
				return 0
		else
			ip netns exec "$1" ping -6 -c 1 -W 1 -I 2001:db8:2::1 2001:db8:1::1 >/dev/null 2>&1 &&
				return 0
		fi
		sleep 0.5
	done
	return 1
}

case_cygnet_moves() {
	log "cygnet initiates, then moves from 2001:db8::1 to 2001:db8::3 ($BACKEND)"
	cgctl initiate --child net >/dev/null || fail "cygnetctl initiate --child net"
	cgctl list-sas | grep -q "mobike: true" || fail "MOBIKE not negotiated"
	ping_through "$NS_C" 6 2001:db8:1::1 2001:db8:2::1
	before=$(spis "$NS_C")
	ip -n "$NS_C" addr add 2001:db8::3/64 dev "$VETH-c" nodad
	ip -n "$NS_C" addr del 2001:db8::1/64 dev "$VETH-c"
	# The network changed: charon reaches cygnet's inner prefix by the new address.
	ip -n "$NS_S" route replace 2001:db8:1::/64 via 2001:db8::3 src 2001:db8:2::1
	t0=$(date +%s)
	if ping_until "$NS_C" 15; then
		echo "   ping through the tunnel again after $(($(date +%s) - t0)) s"
	else
		fail "no ping through the tunnel within 15 s of the move"; show_xfrm
	fi
	sw --list-sas | grep -q "2001:db8::3" || { fail "charon does not show 2001:db8::3"; sw --list-sas; }
	cgctl list-sas | grep -q "local-host: 2001:db8::3" || fail "cygnet's IKE SA is not at 2001:db8::3"
	grep -q "UPDATE_SA_ADDRESSES from 2001:db8::3" "$DIR/cygnetd.log" || fail "cygnet sent no update"
	grep -E -q "(process|parsed) INFORMATIONAL request .*UPD_SA_ADDR" "$DIR/charon.log" ||
		grep -q "UPDATE_SA_ADDRESSES" "$DIR/charon.log" || fail "charon did not log the update"
	after=$(spis "$NS_C")
	if [ "$BACKEND" = kernel-netlink ]; then
		[ "$before" = "$after" ] || fail "SPIs changed: $before -> $after"
		ip -n "$NS_C" xfrm state | grep -q "2001:db8::1 " && fail "an SA is left at 2001:db8::1"
	else
		grep -q "PF_KEY cannot move SAs" "$DIR/cygnetd.log" || fail "no PF_KEY rekey line"
	fi
	ping_through "$NS_C" 6 2001:db8:1::1 2001:db8:2::1
	cgctl terminate --ike sw >/dev/null || fail "cygnetctl terminate --ike sw"
	sleep 1
	# Back to the first addresses for the next case.
	ip -n "$NS_C" addr add 2001:db8::1/64 dev "$VETH-c" nodad
	ip -n "$NS_C" addr del 2001:db8::3/64 dev "$VETH-c"
	ip -n "$NS_S" route replace 2001:db8:1::/64 via 2001:db8::1 src 2001:db8:2::1
}

case_charon_moves() {
	log "charon initiates, then moves from 2001:db8::2 to 2001:db8::4; cygnet follows"
	sw --initiate --child net2 >/dev/null || fail "swanctl --initiate --child net2"
	cgctl list-sas | grep -q "mobike: true" || fail "MOBIKE not negotiated with charon initiating"
	ping_through "$NS_S" 6 2001:db8:2::1 2001:db8:1::1
	ip -n "$NS_S" addr add 2001:db8::4/64 dev "$VETH-s" nodad
	ip -n "$NS_S" addr del 2001:db8::2/64 dev "$VETH-s"
	ip -n "$NS_C" route replace 2001:db8:2::/64 via 2001:db8::4 src 2001:db8:1::1
	t0=$(date +%s)
	if ping_until "$NS_S" 15; then
		echo "   ping through the tunnel again after $(($(date +%s) - t0)) s"
	else
		fail "no ping through the tunnel within 15 s of charon's move"; show_xfrm
	fi
	cgctl list-sas | grep -q "remote-host: 2001:db8::4" ||
		{ fail "cygnet's IKE SA did not follow to 2001:db8::4"; cgctl list-sas; }
	grep -q "MOBIKE: peer moved from 2001:db8::2 to 2001:db8::4" "$DIR/cygnetd.log" ||
		fail "cygnet did not log the peer's move"
	ping_through "$NS_S" 6 2001:db8:2::1 2001:db8:1::1
}

load_modules
netns_setup "$VETH" src
write_configs
start_daemons --file "$DIR/swanctl.conf"
case_cygnet_moves
case_charon_moves
finish "MOBIKE with charon on $BACKEND"
