#!/bin/sh
# Virtual IPs between cygnetd and strongSwan's charon (configuration payload,
# RFC 7296 2.19), each in its own network namespace, IKE over IPv6, PSK:
#
#  A. charon hands out addresses from its pools (IPv6 2001:db8:100::/120 and
#     IPv4 203.0.113.0/24); cygnet asks with `vips: [0.0.0.0, "::"]`, puts them
#     on its interface, routes the remote subnets from them in table 220 and
#     pings through ESP without binding to them (IPv6 and IPv4 inside the
#     IPv6 tunnel); charon's DNS server lands in cygnet's resolv.conf (a file
#     of the test's). The addresses, routes and DNS lines go when the IKE SA
#     goes.
#  B. cygnet hands charon an IPv6 address from its own pool (charon
#     `vips = ::`); charon pings through ESP from it; the lease returns when
#     charon deletes the IKE SA.
#
# Usage: ike2_charon_cp.sh BUILD_DIR   (root; a kernel with ESP, e.g. the kernel lab)
set -eu

BUILD=${1:?usage: ike2_charon_cp.sh BUILD_DIR}
PSK="virtual addresses 0123456789"
PSK_RW="roadwarrior secret 9876543210"
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"
interop_init cp

# cygnet 2001:db8::1 (behind it 2001:db8:1::1), charon 2001:db8::2 (behind it
# 2001:db8:2::1 and 198.51.100.1). The pools are routed towards the peer that
# hands them out, as a gateway's network would.
netns_setup_cp() {
	netns_setup cgp
	ip -n "$NS_S" addr add 198.51.100.1/24 dev lo
	ip -n "$NS_C" route add 198.51.100.0/24 dev cgp-c
	ip -n "$NS_S" route add 203.0.113.0/24 dev cgp-s
	ip -n "$NS_S" route add 2001:db8:100::/120 via 2001:db8::1
	ip -n "$NS_C" route add 2001:db8:200::/120 via 2001:db8::2
}

write_configs() {
	cat >"$DIR/cygnet.yaml" <<YAML
$(cygnet_daemon_yaml "crypto-nettle, kernel-netlink, ike2")
  resolv_conf: $DIR/resolv.conf
  resolvconf: ""
connections:
  gw:                                   # A: a roadwarrior of charon's
    local_addrs: [2001:db8::1]
    remote_addrs: [2001:db8::2]
    proposals: [aes128gcm16-prfsha256-x25519]
    local: { auth: psk, id: cygnet.example }
    remote: { auth: psk, id: charon.example }
    vips: ["0.0.0.0", "::"]
    children:
      net:
        local_ts: [dynamic]
        remote_ts: ["2001:db8:2::/64", 198.51.100.0/24]
        esp_proposals: [aes128gcm16]
  rw:                                   # B: charon is our roadwarrior
    local_addrs: [2001:db8::1]
    remote_addrs: ["%any"]
    proposals: [aes128gcm16-prfsha256-x25519]
    local: { auth: psk, id: cygnet.example }
    remote: { auth: psk, id: roadwarrior.example }
    pools: [rw6]
    children:
      rwnet:
        local_ts: ["2001:db8:1::/64"]
        remote_ts: [dynamic]
        esp_proposals: [aes128gcm16]
pools:
  rw6: { addrs: "2001:db8:200::/120", dns: ["2001:db8:1::53"], subnets: ["2001:db8:1::/64"] }
secrets:
  - { type: psk, ids: [cygnet.example, charon.example], secret: "$PSK" }
  - { type: psk, ids: [cygnet.example, roadwarrior.example], secret: "$PSK_RW" }
YAML
	write_strongswan_conf yes 3
	cat >"$DIR/swanctl.conf" <<CONF
connections {
	gw {
		version = 2
		local_addrs = 2001:db8::2
		remote_addrs = 2001:db8::1
		proposals = aes128gcm16-prfsha256-x25519
		pools = pool6, pool4
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
				local_ts = 2001:db8:2::/64, 198.51.100.0/24
				esp_proposals = aes128gcm16
			}
		}
	}
	rw {
		version = 2
		local_addrs = 2001:db8::2
		remote_addrs = 2001:db8::1
		proposals = aes128gcm16-prfsha256-x25519
		vips = ::
		local {
			auth = psk
			id = roadwarrior.example
		}
		remote {
			auth = psk
			id = cygnet.example
		}
		children {
			rwnet {
				remote_ts = 2001:db8:1::/64
				esp_proposals = aes128gcm16
			}
		}
	}
}
pools {
	pool6 {
		addrs = 2001:db8:100::/120
		dns = 2001:db8:2::53
	}
	pool4 {
		addrs = 203.0.113.0/24
	}
}
secrets {
$(sw_psk_secret gw charon.example cygnet.example "$PSK")
$(sw_psk_secret rw roadwarrior.example cygnet.example "$PSK_RW")
}
CONF
}

has_addr() { ip -n "$1" addr show | grep -q "inet6\? $2/"; }

case_charon_assigns() {
	log "A: charon assigns cygnet IPv6 and IPv4 virtual addresses"
	cgctl initiate --child net || fail "cygnetctl initiate"
	cgctl list-sas >"$DIR/list.out"
	grep -q "2001:db8:100::1" "$DIR/list.out" || fail "cygnet's list-sas shows no IPv6 virtual IP"
	grep -q "203.0.113.1" "$DIR/list.out" || fail "cygnet's list-sas shows no IPv4 virtual IP"
	grep -q "2001:db8:2::53" "$DIR/list.out" || fail "cygnet's list-sas shows no DNS server"
	grep -q "^nameserver 2001:db8:2::53 # cygnet$" "$DIR/resolv.conf" ||
		fail "charon's DNS server is not in cygnet's resolv.conf"
	grep -q "^nameserver 192.0.2.53$" "$DIR/resolv.conf" || fail "resolv.conf lost its own line"
	sw --list-sas | grep -q "2001:db8:100::1" || fail "charon's list-sas shows no virtual IP"
	has_addr "$NS_C" 2001:db8:100::1 || fail "2001:db8:100::1 is not on cygnet's interface"
	has_addr "$NS_C" 203.0.113.1 || fail "203.0.113.1 is not on cygnet's interface"
	ip -n "$NS_C" xfrm policy | grep -q "src 2001:db8:100::1/128" ||
		fail "no policy from the IPv6 virtual IP"
	ip -n "$NS_C" -6 route show table 220 | grep -q "2001:db8:2::/64 .*src 2001:db8:100::1" ||
		fail "no route to 2001:db8:2::/64 from the IPv6 virtual IP in table 220"
	ip -n "$NS_C" route show table 220 | grep -q "198.51.100.0/24 .*src 203.0.113.1" ||
		fail "no route to 198.51.100.0/24 from the IPv4 virtual IP in table 220"
	ip -n "$NS_C" -6 rule | grep -q "^220:.*lookup 220" || fail "no rule for table 220"
	# Not bound to the virtual IPs: only the routes make the packets match the policies.
	PING_BY_ROUTE=yes ping_through "$NS_C" 6 2001:db8:100::1 2001:db8:2::1
	PING_BY_ROUTE=yes ping_through "$NS_C" 4 203.0.113.1 198.51.100.1
	log "A: cygnet deletes the IKE SA: the addresses go"
	cgctl terminate --ike gw >/dev/null || fail "cygnetctl terminate --ike"
	sleep 1
	has_addr "$NS_C" 2001:db8:100::1 && fail "2001:db8:100::1 stayed on cygnet's interface"
	has_addr "$NS_C" 203.0.113.1 && fail "203.0.113.1 stayed on cygnet's interface"
	ip -n "$NS_C" -6 route show table 220 | grep -q "2001:db8:2::/64" &&
		fail "the route to 2001:db8:2::/64 stayed"
	cmp -s "$DIR/resolv.conf" "$DIR/resolv.conf.orig" ||
		fail "resolv.conf is not as it was: $(cat "$DIR/resolv.conf")"
	sw --list-sas | grep -q "ESTABLISHED" && fail "charon kept the IKE SA"
	# charon's pools: online / offline / size; both leases offline now.
	sw --list-pools >"$DIR/pools.out"
	sed 's/^/   /' "$DIR/pools.out"
	grep -E -q "^pool6 .* 0 / 1 / " "$DIR/pools.out" || fail "charon's IPv6 lease is still online"
	grep -E -q "^pool4 .* 0 / 1 / " "$DIR/pools.out" || fail "charon's IPv4 lease is still online"
	[ "$(sa_count "$NS_C")" = 0 ] || fail "SAs left in cygnet's kernel"
}

case_cygnet_assigns() {
	log "B: cygnet assigns charon an IPv6 virtual address"
	sw --initiate --child rwnet >/dev/null || fail "swanctl --initiate"
	cgctl list-sas >"$DIR/list.out"
	grep -q "2001:db8:200::1" "$DIR/list.out" || fail "cygnet's list-sas shows no remote virtual IP"
	sw --list-sas | grep -q "2001:db8:200::1" || fail "charon's list-sas shows no virtual IP"
	for _ in $(seq 20); do
		has_addr "$NS_S" 2001:db8:200::1 && break
		sleep 0.1
	done
	has_addr "$NS_S" 2001:db8:200::1 || fail "charon did not install 2001:db8:200::1"
	ip -n "$NS_C" xfrm policy | grep -q "dst 2001:db8:200::1/128" ||
		fail "no policy towards charon's virtual IP"
	ping_through "$NS_S" 6 2001:db8:200::1 2001:db8:1::1
	log "B: charon deletes the IKE SA: the lease returns"
	sw --terminate --ike rw >/dev/null || fail "swanctl --terminate --ike"
	sleep 1
	cgctl list-sas | grep -q "ESTABLISHED" && fail "cygnet kept the IKE SA"
	grep -q "lease of 2001:db8:200::1 returned to pool 'rw6'" "$DIR/cygnetd.log" ||
		fail "cygnet did not return the lease"
	[ "$(sa_count "$NS_C")" = 0 ] || fail "SAs left in cygnet's kernel"
}

load_modules esp4 xfrm4_tunnel
netns_setup_cp
write_configs
printf '# the test host\nnameserver 192.0.2.53\n' >"$DIR/resolv.conf"
cp "$DIR/resolv.conf" "$DIR/resolv.conf.orig"
start_daemons --file "$DIR/swanctl.conf"
case_charon_assigns
case_cygnet_assigns
finish "virtual IPs with charon"
