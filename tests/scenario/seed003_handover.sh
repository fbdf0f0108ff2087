#!/usr/bin/env bash
# Seed 003, the handover: a mobile node (MN) with its home address on lo
# reaches a prefix behind its home agent (HA) through a tunnel child whose
# SAs and IKE SA run from the care-of address CoA1. The node moves: CoA2
# appears on its link, both ends ask the kernel to migrate the policies
# and SAs (cg-migrate, as umip does: XFRM_MSG_MIGRATE on kernel-netlink,
# SADB_X_MIGRATE on kernel-pfkey), each with KMADDRESS naming the IKE
# endpoints after the move, and CoA1 goes. The kernel moved its SAs (same
# SPIs at the new addresses); the mobility plugin moved cygnet's records,
# so traffic, rekeys and the final delete all work from CoA2.
# `seed003_handover.sh kernel-netlink|kernel-pfkey` picks the backend.
. "$(dirname "$0")/lib.sh"
sc_require

backend=${1:-kernel-netlink}
esp=aes128gcm16
via=
case $backend in
kernel-netlink) ;;
kernel-pfkey)
  esp=aes256-sha384
  via=--pfkey
  modprobe af_key 2>/dev/null
  [ -e /proc/net/pfkey ] || { echo "af_key is not loaded and cannot be (modprobe af_key)"; exit 1; }
  ;;
*) echo "usage: seed003_handover.sh [kernel-netlink|kernel-pfkey]"; exit 1 ;;
esac
netns_load_modules

HOA=2001:db8:1::10 NET=2001:db8:3::/64 NET_HOST=2001:db8:3::1
HA=2001:db8:2::1 COA1=2001:db8:2::10 COA2=2001:db8:2::20
REQID=2 # umip's payload policies: UseESP 2

config() { # config NAME LOCAL_ADDR REMOTE_ADDR ID PEER LOCAL_TS REMOTE_TS START
  {
    # umip moves the SAs (MIGRATE): MOBIKE must not move them first.
    sc_psk_yaml "$1" "crypto-nettle, $backend, ike2, mobility" home "$2" "$3" "$4" "$5" |
      sed 's/^    children:$/    mobike: no\n    children:/'
    cat <<YAML
      payload:
        mode: tunnel
        reqid: $REQID
        local_ts: ["$6"]
        remote_ts: ["$7"]
        esp_proposals: [$esp]
        start_action: $8
YAML
    sc_psk_secret "$4" "$5" "seed003 shared secret"
  } >"$SC_TMP/$1.yaml"
}

ping_home() { sc_ping_until cg-mn $NET_HOST "$1" $HOA; } # one ping from the home address
spis() { ip -n "$1" xfrm state | awk '/proto esp spi/ { print $4 }' | sort | tr '\n' ' '; }
sa_count() { ip -n "$1" xfrm state | grep -c '^src '; }
ctl_field() { sc_ctl "$1" list-sas | awk -v k="$2:" '$1 == k { print $2; exit }'; }
mobility_applied() { sc_ctl "$1" status | awk '/mobility/ { m = 1 } m && $1 == "applied:" { print $2; exit }'; }

# migrate NS DIR SEL_SRC SEL_DST OLD_SRC OLD_DST NEW_SRC NEW_DST KM_LOCAL KM_REMOTE
migrate() {
  ip netns exec "$1" "$SC_BIN/cg-migrate" $via --sel "$3" "$4" --dir "$2" --mode tunnel \
    --reqid $REQID --move "$5" "$6" "$7" "$8" --km "$9" "${10}" ||
    sc_fail "$1: cg-migrate $via --dir $2 refused"
}

netns_pair cg-mn cg-vm cg-ha cg-vh
ip -n cg-mn addr add $COA1/64 dev cg-vm nodad
ip -n cg-mn addr add $HOA/128 dev lo nodad
ip -n cg-mn route add $NET via $HA
ip -n cg-ha addr add $HA/64 dev cg-vh nodad
ip -n cg-ha addr add $NET_HOST/128 dev lo nodad
ip -n cg-ha route add $HOA/128 via $COA1
ping_home 10 || sc_fail "no plain connectivity"

config cg-mn $COA1 $HA mn ha $HOA/128 $NET start
config cg-ha $HA 2001:db8:2::/64 ha mn $NET $HOA/128 none
sc_start cg-ha "$SC_TMP/cg-ha.yaml" && sc_start cg-mn "$SC_TMP/cg-mn.yaml" || exit 1
for _ in $(seq 300); do sc_shows INSTALLED sc_ctl cg-mn list-sas && break; sleep 0.1; done
grep -q "started: .* kernel $backend" "$SC_TMP/cg-mn.log" || sc_fail "cygnetd does not run on $backend"
if ping_home 20 && sc_shows "^src $COA1 dst $HA" ip -n cg-mn xfrm state; then
  sc_pass "the tunnel child is up over CoA1 $COA1"
else
  sc_fail "the tunnel child did not come up over CoA1"
  sc_ctl cg-mn list-sas; ip -n cg-mn xfrm state; exit 1
fi
mn_spis=$(spis cg-mn) ha_spis=$(spis cg-ha)

# The handover, as umip does it: both ends migrate each direction of the payload policies.
ip -n cg-mn addr add $COA2/64 dev cg-vm nodad
migrate cg-mn out $HOA/128 $NET $COA1 $HA $COA2 $HA $COA2 $HA
migrate cg-mn in $NET $HOA/128 $HA $COA1 $HA $COA2 $COA2 $HA
migrate cg-ha out $NET $HOA/128 $HA $COA1 $HA $COA2 $HA $COA2
migrate cg-ha in $HOA/128 $NET $COA1 $HA $COA2 $HA $HA $COA2
for ns in cg-mn cg-ha; do # a tunnel's fwd policy moves too, where there is one
  if sc_shows "dir fwd" ip -n $ns xfrm policy; then
    if [ $ns = cg-mn ]; then
      migrate cg-mn fwd $NET $HOA/128 $HA $COA1 $HA $COA2 $COA2 $HA
    else
      migrate cg-ha fwd $HOA/128 $NET $COA1 $HA $COA2 $HA $HA $COA2
    fi
  fi
done
ip -n cg-ha route replace $HOA/128 via $COA2
ip -n cg-mn addr del $COA1/64 dev cg-vm
sleep 1

# The kernel moved its SAs: the same SPIs, at CoA2, none at CoA1.
for ns in cg-mn cg-ha; do
  st=$(ip -n $ns xfrm state)
  before=$mn_spis
  [ $ns = cg-ha ] && before=$ha_spis
  if [ "$(spis $ns)" = "$before" ] && echo "$st" | grep -q "^src $COA2 dst $HA" &&
     echo "$st" | grep -q "^src $HA dst $COA2" && ! echo "$st" | grep -q "$COA1"; then
    sc_pass "$ns: the kernel's SAs ($before) moved to $COA2"
  else
    sc_fail "$ns: the SAs are not the same ones at $COA2 (SPIs before: $before, now: $(spis $ns))"
    echo "$st"
  fi
done
# cygnet followed: the IKE SA at CoA2 on both ends, the mobility counters moved.
if [ "$(ctl_field cg-mn local-host)" = $COA2 ] && [ "$(ctl_field cg-ha remote-host)" = $COA2 ]; then
  sc_pass "the IKE SA runs between $COA2 and $HA on both ends"
else
  sc_fail "the IKE SA did not move to $COA2"
  sc_ctl cg-mn list-sas; sc_ctl cg-ha list-sas
fi
for ns in cg-mn cg-ha; do
  n=$(mobility_applied $ns)
  if [ "${n:-0}" -ge 1 ]; then
    sc_pass "$ns: mobility applied $n MIGRATE(s)"
  else
    sc_fail "$ns: mobility applied no MIGRATE"
    sc_ctl $ns status
  fi
done

# Traffic through the moved SAs.
out_before=$(sc_esp_packets cg-mn $COA2 $HA)
in_before=$(sc_esp_packets cg-ha $COA2 $HA)
if ping_home 10 && [ "$(sc_esp_packets cg-mn $COA2 $HA)" -gt "$out_before" ] &&
   [ "$(sc_esp_packets cg-ha $COA2 $HA)" -gt "$in_before" ]; then
  sc_pass "ping through the tunnel from $COA2, ESP counters rising on both ends"
else
  sc_fail "no ESP traffic through the moved SAs"
  ip -n cg-mn -s xfrm state; ip -n cg-mn xfrm policy
fi

# Rekeys from the mobile node, with CoA1 gone.
# rekeyed SPI_BEFORE: the child's new SAs sit at CoA2 in both kernels, the replaced ones gone.
rekeyed() {
  [ "$(ctl_field cg-mn spi-in)" != "$1" ] && [ "$(sa_count cg-mn)" = 2 ] &&
    [ "$(sa_count cg-ha)" = 2 ] && ! sc_shows "$COA1" ip -n cg-mn xfrm state &&
    sc_shows "^src $COA2 dst $HA" ip -n cg-mn xfrm state &&
    sc_shows "spi 0x$(ctl_field cg-mn spi-in)" ip -n cg-mn xfrm state
}
spi_before=$(ctl_field cg-mn spi-in)
sc_ctl cg-mn rekey --child payload >/dev/null || sc_fail "rekey --child refused"
for _ in $(seq 40); do rekeyed "$spi_before" && break; sleep 0.5; done
if rekeyed "$spi_before" && ping_home 10; then
  sc_pass "rekey --child from $COA2: new SAs at $COA2, the old ones gone, traffic passes"
else
  sc_fail "rekey --child after the move failed (SAs $(rekeyed "$spi_before" && echo right || echo wrong))"
  sc_ctl cg-mn list-sas; ip -n cg-mn -s xfrm state; ip -n cg-mn xfrm policy
  ip -n cg-ha -s xfrm state; ip -n cg-ha xfrm policy
fi
ike_before=$(ctl_field cg-mn initiator-spi)
sc_ctl cg-mn rekey --ike home >/dev/null || sc_fail "rekey --ike refused"
for _ in $(seq 40); do
  [ "$(ctl_field cg-mn initiator-spi)" != "$ike_before" ] &&
    [ "$(ctl_field cg-mn state)" = ESTABLISHED ] && break
  sleep 0.5
done
if [ "$(ctl_field cg-mn initiator-spi)" != "$ike_before" ] &&
   [ "$(ctl_field cg-mn state)" = ESTABLISHED ] && [ "$(ctl_field cg-mn local-host)" = $COA2 ] &&
   [ "$(ctl_field cg-ha remote-host)" = $COA2 ] && ping_home 10; then
  sc_pass "rekey --ike from $COA2: the new IKE SA runs between $COA2 and $HA"
else
  sc_fail "rekey --ike after the move failed"
  sc_ctl cg-mn list-sas; sc_ctl cg-ha list-sas
fi

# Terminating removes every SA from both kernels, where they now are.
sc_ctl cg-mn terminate --ike home >/dev/null || sc_fail "terminate refused"
for _ in $(seq 20); do
  [ "$(sa_count cg-mn)" = 0 ] && [ "$(sa_count cg-ha)" = 0 ] && break
  sleep 0.5
done
if [ "$(sa_count cg-mn)" = 0 ] && [ "$(sa_count cg-ha)" = 0 ]; then
  sc_pass "terminate left no SA in either kernel"
else
  sc_fail "SAs left after terminate"
  ip -n cg-mn xfrm state; ip -n cg-ha xfrm state
fi
exit $SC_FAILED
