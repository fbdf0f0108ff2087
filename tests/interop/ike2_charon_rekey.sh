#!/bin/sh
# IKE SA rekeying between cygnetd and strongSwan's charon (same namespaces
# and PSK tunnel as ike2_charon.sh): cygnet rekeys the IKE SA, then charon
# does; each time both ends move to the new SPIs, keep exactly one IKE SA
# with the child, and a ping still passes through ESP. A child rekey by
# charon on the rekeyed IKE SA uses the new SK_d; then cygnet rekeys the
# child (cygnetctl rekey --child). Then the same tunnel with `encap: true`
# (ESP in UDP on port 4500).
#
# Usage: ike2_charon_rekey.sh BUILD_DIR   (root; a kernel with ESP, e.g. the kernel lab)
set -eu

BUILD=${1:?usage: ike2_charon_rekey.sh BUILD_DIR}
PSK="interop shared secret 0123456789"
# Three echo requests and three replies, counted on each kernel's SAs; an
# SA charon retires right after a rekey may take its counts with it.
ESP_MIN_CHARON=3
LIST_SAS_COUNTS=yes
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"
interop_init rekey

# A second connection of cygnet's: the same tunnel with ESP in UDP.
ENCAP_YAML=$(cat <<'YAML'
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
YAML
)

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
	ping_through "$NS_C" 6 2001:db8:1::1 2001:db8:2::1
}

# child_rekey WHO CMD...: CMD rekeys the child; both ends move to one new pair of SAs.
child_rekey() {
	who=$1
	shift
	spi_before=$(cgctl list-sas | awk '/spi-in:/ { print $2 }')
	"$@" >/dev/null || fail "$who: $*"
	sleep 2
	spi_after=$(cgctl list-sas | awk '/spi-in:/ { print $2 }')
	[ -n "$spi_after" ] && [ "$spi_after" != "$spi_before" ] ||
		fail "$who: cygnet's CHILD_SA was not rekeyed ($spi_before -> $spi_after)"
	sw --list-sas | grep -q "$spi_after" || fail "$who: charon does not know SPI $spi_after"
	# The old SAs go once the rekey's delete is through; count on the new pair only.
	for _ in $(seq 20); do
		[ "$(sa_count "$NS_C")" = 2 ] && [ "$(sa_count "$NS_S")" = 2 ] && break
		sleep 0.5
	done
	[ "$(sa_count "$NS_C")" = 2 ] && [ "$(sa_count "$NS_S")" = 2 ] ||
		fail "$who: the replaced CHILD_SA stayed in a kernel ($(sa_count "$NS_C") and $(sa_count "$NS_S") SAs)"
	ping_through "$NS_C" 6 2001:db8:1::1 2001:db8:2::1
}

case_ike_rekeys() {
	log "cygnet initiates, charon responds"
	cgctl initiate --child net >/dev/null || fail "cygnetctl initiate"
	ping_through "$NS_C" 6 2001:db8:1::1 2001:db8:2::1
	log "cygnet rekeys the IKE SA"
	before=$(ike_spis)
	cgctl rekey --ike sw >/dev/null || fail "cygnetctl rekey --ike"
	after_ike_rekey cygnet "$before"
	log "charon rekeys the IKE SA"
	before=$(ike_spis)
	sw --rekey --ike cg >/dev/null || fail "swanctl --rekey --ike"
	after_ike_rekey charon "$before"
	log "charon rekeys the CHILD_SA on the rekeyed IKE SA"
	child_rekey charon sw --rekey --child net
	log "cygnet rekeys the CHILD_SA"
	child_rekey cygnet cgctl rekey --child net
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
	ping_through "$NS_C" 6 2001:db8:1::1 2001:db8:2::1
	log "cygnet rekeys the IKE SA on port 4500"
	before=$(ike_spis)
	cgctl rekey --ike sw-encap >/dev/null || fail "cygnetctl rekey --ike sw-encap"
	after_ike_rekey "cygnet (encap)" "$before"
	cgctl terminate --ike sw-encap >/dev/null || true
	sleep 1
}

load_modules
netns_setup cgi src
write_psk_tunnel_configs "$ENCAP_YAML"
start_daemons --file "$DIR/swanctl.conf"
case_ike_rekeys
case_encap
finish "IKE rekey interop with charon"
