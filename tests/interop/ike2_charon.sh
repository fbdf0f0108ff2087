#!/bin/sh
# IKEv2 interop between cygnetd and strongSwan's charon over IPv6, each in
# its own network namespace: PSK, a tunnel between 2001:db8:1::/64 (cygnet)
# and 2001:db8:2::/64 (charon), cygnet as initiator and as responder, ping
# through ESP with the kernel's counters rising, a child rekey by charon,
# deletes both ways.
#
# Usage: ike2_charon.sh BUILD_DIR   (root; a kernel with ESP, e.g. the kernel lab)
set -eu

BUILD=${1:?usage: ike2_charon.sh BUILD_DIR}
PSK="interop shared secret 0123456789"
# Three echo requests and three replies, counted on each kernel's SAs; an
# SA charon retires right after a rekey may take its counts with it.
ESP_MIN_CHARON=3
LIST_SAS_COUNTS=yes
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"
interop_init interop

case_cygnet_initiates() {
	log "cygnet initiates, charon responds"
	cgctl initiate --child net || fail "cygnetctl initiate"
	sw --list-sas | grep -q "INSTALLED" || fail "charon has no installed CHILD_SA"
	cgctl list-sas | grep -q "INSTALLED" || fail "cygnet has no installed CHILD_SA"
	ping_through "$NS_C" 6 2001:db8:1::1 2001:db8:2::1
	log "cygnet deletes the CHILD_SA"
	cgctl terminate --child net >/dev/null || fail "cygnetctl terminate --child"
	sleep 1
	sw --list-sas | grep -q "INSTALLED" && fail "charon kept the CHILD_SA"
	sw --list-sas | grep -q "ESTABLISHED" || fail "charon lost the IKE SA"
	log "cygnet deletes the IKE SA"
	cgctl terminate --ike sw >/dev/null || fail "cygnetctl terminate --ike"
	sleep 1
	sw --list-sas | grep -q "ESTABLISHED" && fail "charon kept the IKE SA"
	[ "$(sa_count "$NS_C")" = 0 ] || fail "SAs left in cygnet's kernel"
	[ "$(sa_count "$NS_S")" = 0 ] || fail "SAs left in charon's kernel"
}

case_charon_initiates() {
	log "charon initiates, cygnet responds"
	sw --initiate --child net >/dev/null || fail "swanctl --initiate"
	cgctl list-sas | grep -q "INSTALLED" || fail "cygnet has no installed CHILD_SA"
	ping_through "$NS_S" 6 2001:db8:2::1 2001:db8:1::1
	log "charon rekeys the CHILD_SA"
	spi_before=$(cgctl list-sas | awk '/spi-in:/ { print $2 }')
	sw --rekey --child net >/dev/null || fail "swanctl --rekey --child"
	sleep 2
	spi_after=$(cgctl list-sas | awk '/spi-in:/ { print $2 }')
	if [ -z "$spi_after" ] || [ "$spi_after" = "$spi_before" ]; then
		fail "cygnet's CHILD_SA was not rekeyed ($spi_before -> $spi_after)"
	fi
	[ "$(cgctl list-sas | grep -c INSTALLED)" = 1 ] || fail "cygnet does not have exactly one CHILD_SA"
	ping_through "$NS_S" 6 2001:db8:2::1 2001:db8:1::1
	log "charon deletes the CHILD_SA"
	sw --terminate --child net >/dev/null || fail "swanctl --terminate --child"
	sleep 1
	cgctl list-sas | grep -q "INSTALLED" && fail "cygnet kept the CHILD_SA"
	cgctl list-sas | grep -q "ESTABLISHED" || fail "cygnet lost the IKE SA"
	log "charon deletes the IKE SA"
	sw --terminate --ike cg >/dev/null || fail "swanctl --terminate --ike"
	sleep 1
	cgctl list-sas | grep -q "ESTABLISHED" && fail "cygnet kept the IKE SA"
	[ "$(sa_count "$NS_C")" = 0 ] || fail "SAs left in cygnet's kernel"
}

load_modules
netns_setup cgi src
write_psk_tunnel_configs
start_daemons --file "$DIR/swanctl.conf"
case_cygnet_initiates
case_charon_initiates
finish "interop with charon"
