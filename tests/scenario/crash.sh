#!/usr/bin/env bash
# Crashes: a real cygnetd is killed (SIGKILL) at points during establishment
# and rekeys, then restarted with the same config and state file. Each time:
# the journal replay removed every SA and policy the dead instance left in
# its namespace's kernel (none of its SPIs or policy indexes remain), the
# tunnel comes back (ping through ESP, counters rising), both kernels hold
# exactly the SAs of the children each daemon lists, and the peer ends
# with one established IKE SA (the stale one destroyed on INITIAL_CONTACT).
# cg-a initiates (start_action start), cg-b responds (trap, so a restarted
# responder brings the tunnel back on its first packet). Kill delays come
# from a seeded random: `crash.sh BACKEND [SEED]` repeats a run.
. "$(dirname "$0")/lib.sh"
sc_require

backend=${1:-kernel-netlink}
seed=${2:-$(( $(date +%s) % 32768 ))}
esp=$(sc_backend_esp "$backend" "crash.sh [kernel-netlink|kernel-pfkey] [SEED]") || exit 1
netns_load_modules
RANDOM=$seed
sc_log "seed $seed (crash.sh $backend $seed repeats these kill delays)"

A=2001:db8:1::1 B=2001:db8:1::2
NET_A=2001:db8:11::/64 HOST_A=2001:db8:11::1
NET_B=2001:db8:12::/64 HOST_B=2001:db8:12::1
DELAYS=(0 0.01 0.03 0.06 0.1 0.2 0.4 0.8)

config() { # config NAME LOCAL REMOTE ID PEER LOCAL_NET REMOTE_NET START
  {
    sc_psk_yaml "$1" "crypto-nettle, $backend, ike2" crash "$2" "$3" "$4" "$5" |
      sed 's/^    children:$/    dpd_delay: 2s\n    children:/'
    cat <<YAML
      tun:
        mode: tunnel
        local_ts: ["$6"]
        remote_ts: ["$7"]
        esp_proposals: [$esp]
        start_action: $8
      tr:
        mode: transport
        local_ts: ["dynamic[tcp]"]
        remote_ts: ["dynamic[tcp]"]
        esp_proposals: [$esp]
        start_action: $8
YAML
    sc_psk_secret "$4" "$5" "crash shared secret"
  } >"$SC_TMP/$1.yaml"
}

delay() { echo "${DELAYS[RANDOM % ${#DELAYS[@]}]}"; }
spis() { ip -n "$1" xfrm state | awk '/proto esp spi/ && $4 != "0x00000000" { print $4 }' | sort -u; }
pol_indexes() { ip -n "$1" -s xfrm policy | awk '{ for (i = 1; i < NF; i++) if ($i == "index") print $(i + 1) }' | sort -u; }
ike_established() { sc_ctl "$1" list-sas 2>/dev/null | awk '$1 == "state:" && $2 == "ESTABLISHED"' | wc -l; }
# The SPIs the daemon lists for its installed children, as the kernel prints them.
listed_spis() {
  sc_ctl "$1" list-sas 2>/dev/null |
    awk '$1 == "spi-in:" || $1 == "spi-out:" { print "0x" $2 }' | sort -u
}
installed() { sc_ctl "$1" list-sas 2>/dev/null | grep -c 'state: INSTALLED'; }
ping_ab() { ip netns exec cg-a ping -6 -c1 -W1 -I $HOST_A $HOST_B >/dev/null 2>&1; }
# From the responder: a ping for tun, then, once that set up the IKE SA (two
# acquires at once would set up two), a TCP connection attempt for tr.
ping_ba() {
  ip netns exec cg-b ping -6 -c1 -W1 -I $HOST_B $HOST_A >/dev/null 2>&1
  [ "$(ike_established cg-b)" = 1 ] &&
    ip netns exec cg-b timeout 1 bash -c "exec 3<>/dev/tcp/$A/5001" 2>/dev/null
  return 0
}

# converged: each side has one established IKE SA, both children
# installed, and its kernel holds exactly the SAs of those children.
converged() {
  local ns
  for ns in cg-a cg-b; do
    [ "$(ike_established $ns)" = 1 ] && [ "$(installed $ns)" = 2 ] &&
      [ "$(spis $ns)" = "$(listed_spis $ns)" ] || return 1
  done
}

wait_up() { # wait_up SECONDS
  local end=$((SECONDS + $1))
  while [ $SECONDS -lt $end ]; do converged && return 0; sleep 0.3; done
  return 1
}

# crash NS WHAT [CMD...]: runs CMD in the background (a rekey request),
# waits a seeded delay, kills NS's cygnetd with SIGKILL, records what it
# left in its kernel, restarts it and checks the recovery.
crash() {
  local ns=$1 what=$2 d old_spis old_pols t0
  shift 2
  d=$(delay)
  [ $# -gt 0 ] && { "$@" >/dev/null 2>&1 & }
  sleep "$d"
  kill -9 "$(cat "$SC_TMP/$ns.pid")"
  wait "$(cat "$SC_TMP/$ns.pid")" 2>/dev/null
  old_spis=$(spis "$ns") old_pols=$(pol_indexes "$ns")
  sc_log "$ns killed $what after ${d}s: left $(echo "$old_spis" | wc -w) SAs, $(echo "$old_pols" | wc -w) policies"
  rm -f "$SC_TMP/$ns.ctl"
  t0=$SECONDS
  sc_start "$ns" "$SC_TMP/$ns.yaml" || return 1
  check_recovery "$ns" "$what" "$old_spis" "$old_pols" $t0
}

check_recovery() { # NS WHAT OLD_SPIS OLD_POLS T0
  local ns=$1 what=$2 left=() s end=$((SECONDS + 30)) ok=false out_before in_before
  # The tunnel comes back: the initiator restarts it, a restarted responder on its first packet.
  while [ $SECONDS -lt $end ]; do
    if [ "$ns" = cg-b ]; then ping_ba; else ping_ab; fi
    converged && { ok=true; break; }
    sleep 0.3
  done
  for s in $3; do sc_shows "spi $s " ip -n "$ns" xfrm state && left+=("SA $s"); done
  for s in $4; do sc_shows "index $s " ip -n "$ns" -s xfrm policy && left+=("policy index $s"); done
  if [ ${#left[@]} = 0 ]; then
    sc_pass "$what: nothing of the dead instance is left in $ns's kernel"
  else
    sc_fail "$what: the dead instance left in $ns's kernel: ${left[*]}"
    ip -n "$ns" xfrm state; ip -n "$ns" xfrm policy
  fi
  out_before=$(sc_esp_packets cg-a $A $B) in_before=$(sc_esp_packets cg-b $A $B)
  if $ok && ping_ab && [ "$(sc_esp_packets cg-a $A $B)" -gt "$out_before" ] &&
     [ "$(sc_esp_packets cg-b $A $B)" -gt "$in_before" ] && converged; then
    sc_pass "$what: the tunnel is back after $((SECONDS - $5)) s, ESP counters rising, one IKE SA on each side, kernels hold only the listed children's SAs"
  else
    sc_fail "$what: no recovery (converged: $ok; IKE SAs a $(ike_established cg-a) b $(ike_established cg-b))"
    for s in cg-a cg-b; do
      echo "---- $s"; sc_ctl $s list-sas; ip -n $s xfrm state | grep -E '^src|proto esp'
    done
  fi
  grep -h "left by a previous run" "$SC_TMP/$ns.log" | tail -n 1
}

sc_pair
ip -n cg-a addr add $HOST_A/64 dev lo nodad
ip -n cg-b addr add $HOST_B/64 dev lo nodad
ip -n cg-a route add $NET_B via $B
ip -n cg-b route add $NET_A via $A
sc_ping_until cg-a $HOST_B 10 $HOST_A || sc_fail "no plain connectivity"
config cg-a $A $B moon sun $NET_A $NET_B start
config cg-b $B $A sun moon $NET_B $NET_A trap

sc_start cg-b "$SC_TMP/cg-b.yaml" || exit 1
grep -q "started: .* kernel $backend" "$SC_TMP/cg-b.log" || sc_fail "cygnetd does not run on $backend"
# 1. Establishment in flight: killed a seeded delay after it started initiating.
sc_start cg-a "$SC_TMP/cg-a.yaml" || exit 1
for _ in $(seq 100); do grep -q "initiating" "$SC_TMP/cg-a.log" && break; sleep 0.05; done
crash cg-a "initiator, during establishment"
# 2-4. A child rekey, an IKE rekey in flight; then established and idle.
wait_up 30 || sc_fail "not established before the child rekey"
crash cg-a "initiator, during a child rekey" sc_ctl cg-a rekey --child tun
wait_up 30 || sc_fail "not established before the IKE rekey"
crash cg-a "initiator, during an IKE rekey" sc_ctl cg-a rekey --ike crash
wait_up 30 || sc_fail "not established before the idle kill"
crash cg-a "initiator, established"
# 5. The responder, during a child rekey the initiator started.
wait_up 30 || sc_fail "not established before the responder kill"
crash cg-b "responder, during a child rekey" sc_ctl cg-a rekey --child tr
exit $SC_FAILED
