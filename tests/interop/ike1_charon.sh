#!/bin/sh
# IKEv1 interop between cygnetd (ike1) and strongSwan's charon (version = 1
# in swanctl.conf), each in its own network namespace, Main Mode with a
# PSK and Quick Mode:
#
#   v6  IPv6 transport between 2001:db8::1 and 2001:db8::2, initiated by
#       cygnet; cygnet deletes the ISAKMP SA
#   v4  IPv4 tunnel between 198.51.100.0/24 (cygnet) and 203.0.113.0/24
#       (charon) over 192.0.2.1 and 192.0.2.2, with PFS, initiated by
#       charon; charon deletes the IPsec SA, then the ISAKMP SA
#   am  IPv6 transport in Aggressive Mode (aggressive = yes) between
#       2001:db8:1::1 and 2001:db8:2::1, initiated by charon, then by
#       cygnet (charon answers Aggressive Mode PSK only with
#       i_dont_care_about_security_and_use_aggressive_mode_psk); the
#       initiator deletes the ISAKMP SA
#
# Each case pings through ESP with both kernels' counters rising, checks
# that both kernels hold the SAs and that charon's log says the ISAKMP SA
# was established, and that deletes leave no SA in either kernel.
#
# Usage: ike1_charon.sh BUILD_DIR [kernel-netlink|kernel-pfkey]
#        (root; a kernel with ESP, and af_key for kernel-pfkey; e.g. the kernel lab)
set -eu

BUILD=${1:?usage: ike1_charon.sh BUILD_DIR [kernel-netlink|kernel-pfkey]}
KERNEL=${2:-kernel-netlink}
PSK="IKEv1 interop secret 0123456789"
# AES-CBC with HMAC-SHA2-384-192: PF_KEY installs it as negotiated (it has
# no AEADs and would cut HMAC-SHA2-256 to 96 bits; docs/pfkey.md).
ESP=aes256-sha384
LIST_SAS_COUNTS=yes
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"
interop_init "ike1-${KERNEL#kernel-}"

write_configs() {
	cat >"$DIR/cygnet.yaml" <<YAML
$(cygnet_daemon_yaml "crypto-nettle, $KERNEL, ike1" "default: info, ike: debug, chd: debug")
connections:
  sw6:
    version: 1
    local_addrs: [2001:db8::1]
    remote_addrs: [2001:db8::2]
    proposals: [aes128-sha256-modp2048]
    local: { auth: psk, id: cygnet.example }
    remote: { auth: psk, id: charon.example }
    children:
      t6:
        mode: transport
        esp_proposals: [$ESP]
  sw4:
    version: 1
    local_addrs: [192.0.2.1]
    remote_addrs: [192.0.2.2]
    proposals: [aes256-sha1-modp2048, aes128-sha256-modp3072]
    local: { auth: psk, id: cygnet.example }
    remote: { auth: psk, id: charon.example }
    children:
      t4:
        mode: tunnel
        local_ts: [198.51.100.0/24]
        remote_ts: [203.0.113.0/24]
        esp_proposals: [$ESP-modp2048]
  swa:
    version: 1
    aggressive: yes
    local_addrs: [2001:db8:1::1]
    remote_addrs: [2001:db8:2::1]
    proposals: [aes256-sha256-modp3072]
    local: { auth: psk, id: cygnet.example }
    remote: { auth: psk, id: charon.example }
    children:
      ta:
        mode: transport
        esp_proposals: [$ESP]
secrets:
  - { type: psk, ids: [cygnet.example, charon.example], secret: "$PSK" }
YAML
	write_strongswan_conf no 3 "i_dont_care_about_security_and_use_aggressive_mode_psk = yes"
	{
		echo "connections {"
		swanctl_psk_conn cg6 1 2001:db8::2 2001:db8::1 aes128-sha256-modp2048 t6 transport "$ESP"
		swanctl_psk_conn cg4 1 192.0.2.2 192.0.2.1 aes128-sha256-modp3072 t4 tunnel \
			"$ESP-modp2048" 203.0.113.0/24 198.51.100.0/24
		# Addresses of its own: charon's IKEv1 responder picks a config by
		# addresses alone, and would take cg6 and its proposals.
		swanctl_psk_conn cga 1 2001:db8:2::1 2001:db8:1::1 aes256-sha256-modp3072 ta transport \
			"$ESP" | sed 's/^\(\t*\)version = 1$/&\n\1aggressive = yes/'
		echo "}"
		swanctl_psk_secret
	} >"$DIR/swanctl.conf"
}

# wait_for TENTHS COMMAND...: true once COMMAND succeeds.
wait_for() {
	n=$1
	shift
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

cg_installed() { cgctl list-sas | grep -q INSTALLED; }
cg_established() { cgctl list-sas | grep -q ESTABLISHED; }
sw_installed() { sw --list-sas | grep -q INSTALLED; }

# Both kernels hold the two SAs of one child, in the mode asked for.
assert_kernel_sas() {
	for ns in "$NS_C" "$NS_S"; do
		[ "$(sa_count "$ns")" = 2 ] || fail "$ns holds $(sa_count "$ns") SAs, not 2"
		ip -n "$ns" xfrm state | grep -q "mode $1" || fail "$ns has no $1 mode SA"
	done
}

# Neither kernel holds an SA.
assert_no_sas() {
	[ "$(sa_count "$NS_C")" = 0 ] || fail "SAs left in cygnet's kernel"
	[ "$(sa_count "$NS_S")" = 0 ] || fail "SAs left in charon's kernel"
}

# Both daemons installed the child.
wait_installed() {
	wait_for 100 cg_installed || fail "cygnet has no installed IPsec SA"
	wait_for 50 sw_installed || fail "charon has no installed CHILD_SA"
}

case_v6_cygnet_initiates() {
	log "IPv6 transport: cygnet initiates Main Mode and Quick Mode"
	cgctl initiate --child t6 >/dev/null || fail "cygnetctl initiate"
	wait_installed
	grep -q "IKE_SA cg6\[[0-9]*\] established" "$DIR/charon.log" ||
		fail "charon's log does not say the ISAKMP SA was established"
	cgctl list-sas --json | grep -q '"version": 1' || fail "list-sas does not say version 1"
	assert_kernel_sas transport
	ping_through "$NS_C" 6 2001:db8::1 2001:db8::2
	log "cygnet deletes the ISAKMP SA"
	cgctl terminate --ike sw6 >/dev/null || fail "cygnetctl terminate --ike"
	sleep 1
	sw --list-sas | grep -q "cg6" && fail "charon kept the IKE SA"
	assert_no_sas
}

case_v4_charon_initiates() {
	log "IPv4 tunnel with PFS: charon initiates"
	sw --initiate --child t4 >/dev/null || fail "swanctl --initiate"
	wait_for 50 cg_installed || fail "cygnet has no installed IPsec SA"
	cgctl list-sas | grep -q "MODP_2048" || fail "cygnet's IPsec SA has no PFS group"
	assert_kernel_sas tunnel
	ping_through "$NS_S" 4 203.0.113.1 198.51.100.1
	log "charon deletes the IPsec SA"
	sw --terminate --child t4 >/dev/null || fail "swanctl --terminate --child"
	sleep 1
	cg_installed && fail "cygnet kept the IPsec SA"
	cg_established || fail "cygnet lost the ISAKMP SA"
	log "charon deletes the ISAKMP SA"
	sw --terminate --ike cg4 >/dev/null || fail "swanctl --terminate --ike"
	sleep 1
	cg_established && fail "cygnet kept the ISAKMP SA"
	assert_no_sas
}

case_aggressive_charon_initiates() {
	log "IPv6 transport in Aggressive Mode: charon initiates"
	sw --initiate --child ta >/dev/null || fail "swanctl --initiate"
	wait_installed
	grep -q "IKE_SA cga\[[0-9]*\] established" "$DIR/charon.log" ||
		fail "charon's log does not say the ISAKMP SA was established"
	grep -q "ISAKMP SA established (Aggressive Mode, PSK)" "$DIR/cygnetd.log" ||
		fail "cygnet's log does not say Aggressive Mode was used"
	[ "$(grep -c "answering Aggressive Mode with a pre-shared key" "$DIR/cygnetd.log")" = 1 ] ||
		fail "cygnet did not warn once about Aggressive Mode PSK"
	assert_kernel_sas transport
	ping_through "$NS_C" 6 2001:db8:1::1 2001:db8:2::1
	log "charon deletes the ISAKMP SA"
	sw --terminate --ike cga >/dev/null || fail "swanctl --terminate --ike"
	sleep 1
	cg_established && fail "cygnet kept the ISAKMP SA"
	assert_no_sas
}

case_aggressive_cygnet_initiates() {
	log "IPv6 transport in Aggressive Mode: cygnet initiates"
	cgctl initiate --child ta >/dev/null || fail "cygnetctl initiate"
	wait_installed
	[ "$(grep -c "IKE_SA cga\[[0-9]*\] established" "$DIR/charon.log")" -ge 2 ] ||
		fail "charon's log does not say the second ISAKMP SA was established"
	grep -q "initiating Aggressive Mode" "$DIR/cygnetd.log" ||
		fail "cygnet's log does not say it initiated Aggressive Mode"
	assert_kernel_sas transport
	ping_through "$NS_C" 6 2001:db8:1::1 2001:db8:2::1
	log "cygnet deletes the ISAKMP SA"
	cgctl terminate --ike swa >/dev/null || fail "cygnetctl terminate --ike"
	sleep 1
	sw --list-sas | grep -q "cga" && fail "charon kept the IKE SA"
	assert_no_sas
}

load_modules esp4 xfrm4_tunnel af_key
netns_setup cg1 src
ipv4_setup cg1
write_configs
start_daemons --file "$DIR/swanctl.conf"
case_v6_cygnet_initiates
case_v4_charon_initiates
case_aggressive_charon_initiates
case_aggressive_cygnet_initiates
finish "IKEv1 interop with charon ($KERNEL)"
