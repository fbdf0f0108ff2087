#!/usr/bin/env bash
# Seed 000: a host-to-host IPv6 transport policy covering all traffic,
# start_action trap on both sides. One side "reboots" (SIGKILL, its SAs,
# policies and neighbour cache flushed, cygnetd restarted). With ndhole the
# two hosts find each other again within the IKE retransmit timeout and
# ping passes through ESP; `seed000.sh --without-ndhole` is the negative
# control and passes only when the hosts stay cut off, which proves the
# scenario can fail. `--backend kernel-pfkey` runs both over PF_KEY (ESP
# proposals af_key can install: AES-CBC with HMAC-SHA2-384).
. "$(dirname "$0")/lib.sh"
sc_require

ndhole=true
backend=kernel-netlink
esp=aes128gcm16
while [ $# -gt 0 ]; do
  case $1 in
  --without-ndhole) ndhole=false ;;
  --backend) backend=${2:?--backend needs a name}; shift ;;
  *) echo "usage: seed000.sh [--without-ndhole] [--backend kernel-netlink|kernel-pfkey]"; exit 1 ;;
  esac
  shift
done
if [ "$backend" = kernel-pfkey ]; then
  esp=aes256-sha384
  modprobe af_key 2>/dev/null
  [ -e /proc/net/pfkey ] || { echo "af_key is not loaded and cannot be (modprobe af_key)"; exit 1; }
fi

config() { # config NAME LOCAL REMOTE ID PEER
  cat >"$SC_TMP/$1.yaml" <<YAML
daemon:
  plugins: [crypto-nettle, $backend, ndhole, ike2]
  control: $SC_TMP/$1.ctl
  state_file: $SC_TMP/$1.journal
  log: { default: info }
ndhole:
  enabled: $ndhole
connections:
  host:
    version: 2
    local_addrs: [$2]
    remote_addrs: [$3]
    proposals: [aes128gcm16-prfsha256-x25519]
    local: { auth: psk, id: $4 }
    remote: { auth: psk, id: $5 }
    children:
      all:
        mode: transport
        local_ts: [dynamic]
        remote_ts: [dynamic]
        esp_proposals: [$esp]
        start_action: trap
secrets:
  - { type: psk, ids: [$4, $5], secret: "seed000 shared secret" }
YAML
}

sc_pair
config cg-a 2001:db8:1::1 2001:db8:1::2 moon sun
config cg-b 2001:db8:1::2 2001:db8:1::1 sun moon
# The hosts knew each other before IPsec came up, as in the report.
ip netns exec cg-a ping -6 -c1 -W2 2001:db8:1::2 >/dev/null || sc_fail "no plain connectivity"
sc_start cg-a "$SC_TMP/cg-a.yaml" && sc_start cg-b "$SC_TMP/cg-b.yaml" || exit 1
for _ in $(seq 50); do grep -q "started: .* kernel $backend" "$SC_TMP/cg-a.log" && break; sleep 0.1; done
grep -q "started: .* kernel $backend" "$SC_TMP/cg-a.log" || sc_fail "cygnetd does not run on $backend"

if sc_ping_until cg-a 2001:db8:1::2 20 && [ "$(netns_esp_packets cg-a)" -gt 0 ]; then
  sc_pass "tunnel up on the first packet (trap), ping through ESP"
else
  sc_fail "the trapped tunnel did not come up"
  exit 1
fi

sc_log "rebooting cg-b: SIGKILL, flush SAs, policies and neighbours, restart"
kill -9 "$(cat "$SC_TMP/cg-b.pid")"
ip -n cg-b xfrm state flush
ip -n cg-b xfrm policy flush
ip -n cg-b neigh flush all
rm -f "$SC_TMP/cg-b.ctl"
sc_start cg-b "$SC_TMP/cg-b.yaml" || exit 1

# Each side tries to talk; trap policies turn the first packets into IKE.
before=$(netns_esp_packets cg-b)
recovered=false
end=$((SECONDS + 30))
while [ $SECONDS -lt $end ]; do
  ip netns exec cg-b ping -6 -c1 -W1 2001:db8:1::1 >/dev/null 2>&1 &&
    ip netns exec cg-a ping -6 -c1 -W1 2001:db8:1::2 >/dev/null 2>&1 && { recovered=true; break; }
done
after=$(netns_esp_packets cg-b)

if [ "$ndhole" = true ]; then
  if $recovered && [ "$after" -gt "$before" ]; then
    sc_pass "after the reboot the hosts found each other again; ESP packets $before -> $after"
    sc_ctl cg-b list-sas || true
  else
    sc_fail "after the reboot the hosts did not recover within 30 s"
  fi
  # On the wire: ND in the clear, echo requests only inside ESP.
  ip netns exec cg-a tcpdump -U -n -i cg-va -w "$SC_TMP/wire.pcap" 'icmp6 or esp' \
    >"$SC_TMP/tcpdump.log" 2>&1 &
  dump=$!
  for _ in $(seq 50); do grep -q listening "$SC_TMP/tcpdump.log" && break; sleep 0.2; done
  ip -n cg-a neigh flush all
  ip netns exec cg-a ping -6 -c2 -W1 2001:db8:1::2 >/dev/null 2>&1
  sleep 1
  kill "$dump"; wait "$dump" 2>/dev/null
  ns=$(tcpdump -n -r "$SC_TMP/wire.pcap" 'icmp6 and ip6[40] == 135' 2>/dev/null | wc -l)
  echo_clear=$(tcpdump -n -r "$SC_TMP/wire.pcap" 'icmp6 and ip6[40] == 128' 2>/dev/null | wc -l)
  esp=$(tcpdump -n -r "$SC_TMP/wire.pcap" 'esp' 2>/dev/null | wc -l)
  if [ "$ns" -gt 0 ] && [ "$echo_clear" = 0 ] && [ "$esp" -gt 0 ]; then
    sc_pass "on the wire: $ns neighbour solicitations in the clear, echo only in ESP ($esp ESP packets)"
  else
    sc_fail "on the wire: $ns NS in the clear, $echo_clear echo requests in the clear, $esp ESP packets"
  fi
  holes=$(ip -n cg-b xfrm policy | grep -c "priority 1000 ")
  if [ "$holes" -ge 15 ]; then
    sc_pass "the restarted side has its $holes ND bypass policies (5 types x in/out/fwd)"
  else
    sc_fail "the restarted side has $holes ND bypass policies, expected 15"
    ip -n cg-b xfrm policy
  fi
else
  if $recovered; then
    sc_fail "negative control: without ndhole the hosts recovered, so the scenario cannot tell"
  else
    sc_pass "negative control: without ndhole the rebooted host stays cut off"
  fi
fi
exit $SC_FAILED
