#!/usr/bin/env bash
# Seed 003: a Mobile IPv6 node protects its Mobility Header traffic with a
# transport_proxy child. IKE runs between the care-of address and the home
# agent; the child's SAs run between the home address (on the node's lo)
# and the home agent, where the kernel looks them up for a Binding Update
# sourced from the home address. Here a Binding Update (MH type 5) goes
# out of a raw IPPROTO_MH socket, brings the child up by acquire (trap),
# and the next ones pass through the SAs: ESP counters rise on both ends.
# `seed003_proxy.sh kernel-netlink|kernel-pfkey` picks the backend.
. "$(dirname "$0")/lib.sh"
sc_require

backend=${1:-kernel-netlink}
esp=$(sc_backend_esp "$backend" "seed003_proxy.sh [kernel-netlink|kernel-pfkey]") || exit 1
netns_load_modules

HOA=2001:db8:1::10 HA=2001:db8:1::1 COA=2001:db8:2::10 HA_LINK=2001:db8:2::1

config() { # config NAME LOCAL_ADDR REMOTE_ADDR ID PEER LOCAL_TS REMOTE_TS START
  {
    sc_psk_yaml "$1" "crypto-nettle, $backend, ike2" home "$2" "$3" "$4" "$5"
    cat <<YAML
      mh:
        mode: transport_proxy
        local_ts: ["$6/128[mh]"]
        remote_ts: ["$7/128[mh]"]
        esp_proposals: [$esp]
        start_action: $8
YAML
    sc_psk_secret "$4" "$5" "seed003 shared secret"
  } >"$SC_TMP/$1.yaml"
}

# bu: one Binding Update from the home address to the home agent (RFC 6275
# 6.1.7: sequence, A and H flags, lifetime; padded to 16 octets). The
# kernel fills in the MH checksum of a raw IPPROTO_MH socket.
bu() {
  ip netns exec cg-mn python3 - "$HOA" "$HA" <<'PY' 2>/dev/null
import socket, struct, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 135)
s.bind((sys.argv[1], 0))
mh = struct.pack("!BBBBH", 59, 1, 5, 0, 0) + struct.pack("!HHH", 1, 0xc000, 60) + bytes([1, 2, 0, 0])
s.sendto(mh, (sys.argv[2], 0))
PY
}

netns_pair cg-mn cg-vm cg-ha cg-vh
ip -n cg-mn addr add $COA/64 dev cg-vm nodad
ip -n cg-mn addr add $HOA/128 dev lo nodad
ip -n cg-mn route add $HA/128 via $HA_LINK
ip -n cg-ha addr add $HA_LINK/64 dev cg-vh nodad
ip -n cg-ha addr add $HA/128 dev lo nodad
ip -n cg-ha route add $HOA/128 via $COA
sc_ping_until cg-mn $HA 10 $HOA || sc_fail "no plain connectivity"

config cg-mn $COA $HA mn ha $HOA $HA trap
config cg-ha $HA 2001:db8:2::/64 ha mn $HA $HOA none
sc_start cg-ha "$SC_TMP/cg-ha.yaml" && sc_start cg-mn "$SC_TMP/cg-mn.yaml" || exit 1
for _ in $(seq 50); do grep -q "started: .* kernel $backend" "$SC_TMP/cg-mn.log" && break; sleep 0.1; done
grep -q "started: .* kernel $backend" "$SC_TMP/cg-mn.log" || sc_fail "cygnetd does not run on $backend"

# The first Binding Update meets the trap policy; the next go through the SA.
end=$((SECONDS + 30))
while [ $SECONDS -lt $end ] && [ "$(sc_esp_packets cg-mn $HOA $HA)" = 0 ]; do
  bu
  sleep 0.5
done
for _ in 1 2 3; do bu; done
sleep 1
mn_out=$(sc_esp_packets cg-mn $HOA $HA)
ha_in=$(sc_esp_packets cg-ha $HOA $HA)
if [ "$mn_out" -ge 3 ] && [ "$ha_in" -ge 3 ]; then
  sc_pass "Binding Updates through the transport_proxy SA: $mn_out ESP packets out of the node, $ha_in into the home agent"
else
  sc_fail "Binding Updates did not go through the SA: $mn_out out of the node, $ha_in into the home agent"
  ip -n cg-mn -s xfrm state; ip -n cg-mn xfrm policy
fi

# The SAs sit between home address and home agent, none on the care-of address.
for ns in cg-mn cg-ha; do
  st=$(ip -n $ns xfrm state)
  if echo "$st" | grep -q "^src $HOA dst $HA" && echo "$st" | grep -q "^src $HA dst $HOA" &&
     ! echo "$st" | grep -q "$COA"; then
    sc_pass "$ns: SAs between $HOA and $HA, none on the care-of address"
  else
    sc_fail "$ns: SAs not between home address and home agent:"
    echo "$st"
  fi
done
# IKE itself runs from the care-of address.
if sc_shows "$COA" sc_ctl cg-mn list-sas; then
  sc_pass "the IKE SA runs between the care-of address and the home agent"
else
  sc_fail "the IKE SA does not run from the care-of address"
  sc_ctl cg-mn list-sas
fi

# Terminating the child removes the SAs where they are.
sc_ctl cg-mn terminate --child mh >/dev/null
sleep 1
if [ -z "$(ip -n cg-mn xfrm state)" ] && [ -z "$(ip -n cg-ha xfrm state)" ]; then
  sc_pass "terminate removed the SAs on both ends"
else
  sc_fail "SAs left after terminate"
  ip -n cg-mn xfrm state; ip -n cg-ha xfrm state
fi
exit $SC_FAILED
