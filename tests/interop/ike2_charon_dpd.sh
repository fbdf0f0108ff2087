#!/bin/sh
# IKEv2 interop with strongSwan's charon: an IPv4 tunnel with PSK (outer
# 192.0.2.1 <-> 192.0.2.2, inner 198.51.100.0/24 <-> 203.0.113.0/24 and,
# IPv6 in IPv4, 2001:db8:1::/64 <-> 2001:db8:2::/64), pings through ESP; cygnet's dead peer detection answered by charon and skipped
# while ESP arrives; cygnet deletes the IKE SA and charon drops it. Then
# transport mode over IPv6 started by charon, ping through ESP; charon's
# dead peer detection answered by cygnet; charon deletes the IKE SA and
# cygnet drops it.
#
# Usage: ike2_charon_dpd.sh BUILD_DIR   (root; a kernel with ESP, e.g. the kernel lab)
set -eu

BUILD=${1:?usage: ike2_charon_dpd.sh BUILD_DIR}
PSK="interop shared secret 0123456789"
LIST_SAS_COUNTS=yes
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"
interop_init dpd

DPD=3

write_configs() {
	cat >"$DIR/cygnet.yaml" <<YAML
$(cygnet_daemon_yaml "crypto-nettle, kernel-netlink, ike2")
connections:
  v4:
    local_addrs: [192.0.2.1]
    remote_addrs: [192.0.2.2]
    proposals: [aes128gcm16-prfsha256-x25519]
    dpd_delay: $DPD
    local: { auth: psk, id: cygnet.example }
    remote: { auth: psk, id: charon.example }
    children:
      net4:
        mode: tunnel
        local_ts: [198.51.100.0/24, 2001:db8:1::/64]
        remote_ts: [203.0.113.0/24, 2001:db8:2::/64]
        esp_proposals: [aes128gcm16]
  t6:
    local_addrs: [2001:db8::1]
    remote_addrs: [2001:db8::2]
    proposals: [aes256-sha256-modp2048]
    local: { auth: psk, id: cygnet6.example }
    remote: { auth: psk, id: charon6.example }
    children:
      host6:
        mode: transport
        local_ts: [dynamic]
        remote_ts: [dynamic]
        esp_proposals: [aes256-sha256]
secrets:
  - { type: psk, ids: [cygnet.example, charon.example], secret: "$PSK" }
  - { type: psk, ids: [cygnet6.example, charon6.example], secret: "$PSK" }
YAML
	write_strongswan_conf no 3
	cat >"$DIR/swanctl.conf" <<CONF
connections {
	cg4 {
		version = 2
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
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
			net4 {
				mode = tunnel
				local_ts = 203.0.113.0/24, 2001:db8:2::/64
				remote_ts = 198.51.100.0/24, 2001:db8:1::/64
				esp_proposals = aes128gcm16
			}
		}
	}
	cg6 {
		version = 2
		local_addrs = 2001:db8::2
		remote_addrs = 2001:db8::1
		proposals = aes256-sha256-modp2048
		dpd_delay = ${DPD}s
		local {
			auth = psk
			id = charon6.example
		}
		remote {
			auth = psk
			id = cygnet6.example
		}
		children {
			host6 {
				mode = transport
				esp_proposals = aes256-sha256
			}
		}
	}
}
secrets {
$(sw_psk_secret cg4 charon.example cygnet.example "$PSK")
$(sw_psk_secret cg6 charon6.example cygnet6.example "$PSK")
}
CONF
}

# wait_log FILE PATTERN SECONDS: until grep -E finds PATTERN in FILE.
wait_log() {
	for _ in $(seq $(($3 * 5))); do
		grep -E -q "$2" "$1" && return 0
		sleep 0.2
	done
	return 1
}

# no_policies NS WHO: no IPsec policy in the namespace's kernel.
no_policies() {
	if ip -n "$1" xfrm policy | grep -q '^[[:space:]]*dir '; then
		fail "policies left in $2's kernel"
		ip -n "$1" xfrm policy
	fi
}

count_log() { grep -E -c "$2" "$1" || true; }

case_ipv4_tunnel() {
	log "IPv4 tunnel: cygnet initiates, charon responds"
	cgctl initiate --child net4 >/dev/null || fail "cygnetctl initiate --child net4"
	sw --list-sas | grep -q "INSTALLED" || fail "charon has no installed CHILD_SA"
	cgctl list-sas | grep -q "INSTALLED" || fail "cygnet has no installed CHILD_SA"
	ping_through "$NS_C" 4 198.51.100.1 203.0.113.1
	log "IPv6 in the IPv4 tunnel"
	ping_through "$NS_C" 6 2001:db8:1::1 2001:db8:2::1
	ip -n "$NS_C" xfrm policy | grep -q "dst 2001:db8:2::/64" ||
		fail "no IPv6 policy in cygnet's kernel for the IPv4 tunnel"

	log "cygnet's DPD (dpd_delay ${DPD}s), answered by charon"
	wait_log "$DIR/cygnetd.log" "v4\[.*liveness check [0-9]+ answered" 15 ||
		fail "cygnet's liveness check was not answered"
	grep -E -q "parsed INFORMATIONAL request [0-9]+ \[ \]" "$DIR/charon.log" ||
		fail "charon did not log the empty INFORMATIONAL request"
	grep -E -q "generating INFORMATIONAL response [0-9]+ \[ \]" "$DIR/charon.log" ||
		fail "charon did not log its empty INFORMATIONAL response"

	log "no DPD while ESP arrives"
	in_before=$(cgctl list-sas | awk '/packets-in:/ { print $2; exit }')
	ip netns exec "$NS_S" ping -4 -c 16 -i 0.5 -W 2 -I 203.0.113.1 198.51.100.1 >"$DIR/ping.out" &
	ping_pid=$!
	sleep 1
	checks_before=$(count_log "$DIR/cygnetd.log" "v4\[.*sending a liveness check")
	wait "$ping_pid" || fail "ping 203.0.113.1 -> 198.51.100.1"
	checks_after=$(count_log "$DIR/cygnetd.log" "v4\[.*sending a liveness check")
	in_after=$(cgctl list-sas | awk '/packets-in:/ { print $2; exit }')
	echo "   8 s of pings: inbound packets $in_before -> $in_after, liveness checks $checks_before -> $checks_after"
	[ "$in_after" -ge $((in_before + 16)) ] || fail "cygnet's inbound counter did not rise"
	[ "$checks_after" = "$checks_before" ] || fail "cygnet sent liveness checks while ESP arrived"
	grep -q "ESP traffic from the peer" "$DIR/cygnetd.log" ||
		fail "cygnet did not log the skipped check"
	sleep $((DPD * 2))
	[ "$(count_log "$DIR/cygnetd.log" "v4\[.*sending a liveness check")" -gt "$checks_after" ] ||
		fail "no liveness check after the traffic stopped"

	log "cygnet deletes the IKE SA"
	cgctl terminate --ike v4 >/dev/null || fail "cygnetctl terminate --ike v4"
	sleep 1
	grep -E -q "(received DELETE for IKE_SA|deleting IKE_SA) cg4\[[0-9]+\]" "$DIR/charon.log" ||
		fail "charon did not log the delete"
	sw --list-sas | grep -q "cg4" && fail "charon kept the IKE SA"
	[ "$(sa_count "$NS_S")" = 0 ] || fail "SAs left in charon's kernel"
	[ "$(sa_count "$NS_C")" = 0 ] || fail "SAs left in cygnet's kernel"
	no_policies "$NS_C" cygnet
}

case_ipv6_transport() {
	log "IPv6 transport mode: charon initiates, cygnet responds"
	sw --initiate --child host6 >/dev/null || fail "swanctl --initiate --child host6"
	cgctl list-sas | grep -q "INSTALLED" || fail "cygnet has no installed CHILD_SA"
	cgctl list-sas | grep -q "transport" || fail "cygnet's CHILD_SA is not in transport mode"
	ip -n "$NS_C" xfrm state | grep -q "mode transport" || fail "no transport mode SA in cygnet's kernel"
	ping_through "$NS_S" 6 2001:db8::2 2001:db8::1

	log "charon's DPD (dpd_delay ${DPD}s), answered by cygnet"
	wait_log "$DIR/charon.log" "sending DPD request" 15 || fail "charon sent no DPD request"
	wait_log "$DIR/charon.log" "parsed INFORMATIONAL response [0-9]+ \[ \]" 5 ||
		fail "charon did not log the empty INFORMATIONAL response"
	grep -E -q "t6\[.*answering the peer's liveness check" "$DIR/cygnetd.log" ||
		fail "cygnet did not log the answer"

	log "charon deletes the IKE SA"
	sw --terminate --ike cg6 >/dev/null || fail "swanctl --terminate --ike cg6"
	sleep 1
	grep -E -q "t6\[.*peer deletes the IKE SA" "$DIR/cygnetd.log" ||
		fail "cygnet did not log the delete"
	cgctl list-sas | grep -q "ESTABLISHED" && fail "cygnet kept the IKE SA"
	[ "$(sa_count "$NS_C")" = 0 ] || fail "SAs left in cygnet's kernel"
	no_policies "$NS_C" cygnet
	[ "$(sa_count "$NS_S")" = 0 ] || fail "SAs left in charon's kernel"
}

load_modules esp4 xfrm4_tunnel
netns_setup dpd src
ipv4_setup dpd
write_configs
start_daemons --file "$DIR/swanctl.conf"
case_ipv4_tunnel
case_ipv6_transport
finish "DPD, IPv4 tunnel, IPv6 transport and deletes with charon"
