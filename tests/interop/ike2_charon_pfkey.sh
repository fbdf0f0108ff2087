#!/bin/sh
# IKEv2 interop between cygnetd on the kernel-pfkey backend (PF_KEY v2,
# Linux af_key) and strongSwan's charon (on XFRM netlink), over IPv6, each
# daemon in its own network namespace. ESP uses AES-CBC with
# HMAC-SHA2-384-192, which af_key installs correctly (it has no AEADs and
# would truncate HMAC-SHA2-256 to 96 bits; docs/pfkey.md).
#
#   psk      PSK: a transport child between the hosts (cygnet initiates),
#            then a tunnel child between 2001:db8:1::/64 and 2001:db8:2::/64,
#            pinged both ways; then charon initiates the transport child
#   certs    a tunnel with ECDSA certificates (RFC 7427 signatures)
#
# Each child carries a ping through ESP with both kernels' counters rising,
# and cygnet's SAs must be the algorithms and mode asked for. Deleting
# leaves no SA in either kernel.
#
# Usage: ike2_charon_pfkey.sh BUILD_DIR   (root; af_key and ESP, e.g. the kernel lab)
set -eu

BUILD=${1:?usage: ike2_charon_pfkey.sh BUILD_DIR}
PSK="interop over PF_KEY 0123456789"
ESP=aes256-sha384
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"
interop_init pfk
SWANCTL_DIR=$DIR/swanctl

# write_configs psk|certs
write_configs() {
	if [ "$1" = psk ]; then
		c_local="{ auth: psk, id: cygnet.example }"
		c_remote="{ auth: psk, id: charon.example }"
		c_secrets="- { type: psk, ids: [cygnet.example, charon.example], secret: \"$PSK\" }"
		s_local="auth = psk
			id = charon.example"
		s_remote="auth = psk
			id = cygnet.example"
	else
		c_local="{ auth: pubkey, id: cygnet.example, certs: [$DIR/cygnet.example.pem] }"
		c_remote="{ auth: pubkey, id: charon.example, cacerts: [$DIR/ca.pem] }"
		c_secrets="- { type: private, file: $DIR/cygnet.example.key }"
		s_local="auth = pubkey
			certs = charon.example.pem
			id = charon.example"
		s_remote="auth = pubkey
			id = cygnet.example
			cacerts = ca.pem"
	fi
	cat >"$DIR/cygnet.yaml" <<YAML
$(cygnet_daemon_yaml "crypto-nettle, pki-gnutls, kernel-pfkey, ike2" "default: info, ike: debug, knl: debug")
connections:
  sw:
    local_addrs: [2001:db8::1]
    remote_addrs: [2001:db8::2]
    proposals: [aes128gcm16-prfsha256-x25519]
    local: $c_local
    remote: $c_remote
    children:
      host:
        mode: transport
        local_ts: [2001:db8::1/128]
        remote_ts: [2001:db8::2/128]
        esp_proposals: [$ESP]
      net:
        mode: tunnel
        local_ts: [2001:db8:1::/64]
        remote_ts: [2001:db8:2::/64]
        esp_proposals: [$ESP]
secrets:
  $c_secrets
YAML
	if [ "$1" = certs ]; then
		swanctl_dir ca
	else
		swanctl_dir
	fi
	write_strongswan_conf no 3
	cat >"$SWANCTL_DIR/swanctl.conf" <<CONF
connections {
	cg {
		version = 2
		local_addrs = 2001:db8::2
		remote_addrs = 2001:db8::1
		proposals = aes128gcm16-prfsha256-x25519
		local {
			$s_local
		}
		remote {
			$s_remote
		}
		children {
			host {
				mode = transport
				local_ts = 2001:db8::2/128
				remote_ts = 2001:db8::1/128
				esp_proposals = $ESP
			}
			net {
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
}
CONF
}

# start_pfkey_daemons: both daemons, cygnetd on the kernel-pfkey backend.
start_pfkey_daemons() {
	start_daemons
	for _ in $(seq 300); do
		grep -q "started: .* kernel kernel-pfkey" "$DIR/cygnetd.log" && break
		sleep 0.1
	done
	grep -q "started: .* kernel kernel-pfkey" "$DIR/cygnetd.log" ||
		fail "cygnetd did not start on kernel-pfkey"
}

# cygnet_sas_are MODE: cygnet's kernel holds AES-CBC/HMAC-SHA2-384 SAs in that mode.
cygnet_sas_are() {
	st=$(ip -n "$NS_C" xfrm state)
	echo "$st" | grep -q "mode $1" || fail "cygnet has no $1-mode SA"
	echo "$st" | grep -q "enc cbc(aes)" || fail "cygnet's SAs are not AES-CBC"
	echo "$st" | grep -Eq "auth-trunc hmac\(sha384\) 0x[0-9a-f]+ 192" ||
		fail "cygnet's SAs are not HMAC-SHA2-384-192"
}

expect_installed() { # expect_installed CHILD N: charon has CHILD, cygnet N installed children
	n=$(cgctl list-sas | grep -c INSTALLED || true)
	[ "$n" = "$2" ] || fail "cygnet has $n installed children, expected $2"
	sw --list-sas | grep -q "$1: #.*INSTALLED" || fail "charon has no installed $1 child"
}

terminate_all() {
	cgctl terminate --ike sw >/dev/null || fail "cygnetctl terminate --ike"
	for _ in $(seq 20); do
		sw --list-sas | grep -q ESTABLISHED || break
		sleep 0.2
	done
	sw --list-sas | grep -q ESTABLISHED && fail "charon kept the IKE SA"
	sleep 0.5
	[ "$(sa_count "$NS_C")" = 0 ] || fail "SAs left in cygnet's kernel"
	[ "$(sa_count "$NS_S")" = 0 ] || fail "SAs left in charon's kernel"
	# The IKE sockets' own bypass policies ("socket in/out") stay.
	if ip -n "$NS_C" xfrm policy | grep -Eq "dir (in|out|fwd)"; then
		fail "policies left in cygnet's kernel"
		ip -n "$NS_C" xfrm policy
	fi
}

case_psk() {
	log "psk: cygnet initiates a transport child"
	write_configs psk
	start_pfkey_daemons
	cgctl initiate --child host >/dev/null || fail "cygnetctl initiate --child host"
	expect_installed host 1
	cygnet_sas_are transport
	ping_through "$NS_C" 6 2001:db8::1 2001:db8::2
	log "psk: cygnet adds a tunnel child"
	cgctl initiate --child net >/dev/null || fail "cygnetctl initiate --child net"
	expect_installed net 2
	cygnet_sas_are tunnel
	ping_through "$NS_C" 6 2001:db8:1::1 2001:db8:2::1
	ping_through "$NS_S" 6 2001:db8:2::1 2001:db8:1::1
	log "psk: cygnet deletes the IKE SA"
	terminate_all
	log "psk: charon initiates the transport child"
	sw --initiate --child host >/dev/null || fail "swanctl --initiate --child host"
	expect_installed host 1
	cygnet_sas_are transport
	ping_through "$NS_S" 6 2001:db8::2 2001:db8::1
	log "psk: charon deletes the IKE SA"
	sw --terminate --ike cg >/dev/null || fail "swanctl --terminate --ike"
	for _ in $(seq 20); do
		[ "$(sa_count "$NS_C")" = 0 ] && break
		sleep 0.2
	done
	cgctl list-sas | grep -q ESTABLISHED && fail "cygnet kept the IKE SA"
	[ "$(sa_count "$NS_C")" = 0 ] || fail "SAs left in cygnet's kernel"
	stop_daemons
}

case_certs() {
	log "certs: cygnet initiates a tunnel with ECDSA certificates"
	make_certs ecdsa
	write_configs certs
	start_pfkey_daemons
	cgctl initiate --child net >/dev/null || fail "cygnetctl initiate --child net (certificates)"
	expect_installed net 1
	cygnet_sas_are tunnel
	ping_through "$NS_C" 6 2001:db8:1::1 2001:db8:2::1
	grep -q "authentication of 'cygnet.example'.*successful" "$DIR/charon.log" ||
		fail "charon did not authenticate cygnet by its certificate"
	terminate_all
	stop_daemons
}

load_modules af_key cbc sha512
[ -e /proc/net/pfkey ] || { echo "af_key is not loaded and cannot be (modprobe af_key)"; exit 1; }
netns_setup cgp src
# The hosts know each other before any policy is in place.
ip netns exec "$NS_C" ping -6 -c 1 -W 2 2001:db8::2 >/dev/null || fail "no plain connectivity"
case_psk
case_certs
finish "interop with charon over PF_KEY"
