#!/usr/bin/env bash
# The Mobile IPv6 examples (config/mobile-node.yaml, config/home-agent.yaml)
# pass `cygnetd --check` with their plugins, and say what docs/mobility.md
# says they do. check-mobility-examples.sh CYGNETD PLUGIN_DIR
set -uo pipefail
cygnetd=$1 plugins=$2
top=$(cd "$(dirname "$0")/../../.." && pwd)
failed=0
fail() { echo "FAIL: $*"; failed=1; }

check() { # check FILE CONNECTIONS
  local out
  out=$("$cygnetd" --check -c "$top/config/$1" --plugin-dir "$plugins" 2>&1) ||
    fail "$1: cygnetd --check refused it: $out"
  grep -q "configuration OK, $2 connections, plugins: .*mobility" <<<"$out" ||
    fail "$1: not $2 connections with the mobility plugin: $out"
}
check mobile-node.yaml 1
check home-agent.yaml 2

mn=$top/config/mobile-node.yaml ha=$top/config/home-agent.yaml
# The mobile node: an MH transport_proxy child and a tunnel child, both trapped on umip's reqids.
[ "$(grep -c 'start_action: trap' "$mn")" = 2 ] || fail "mobile-node.yaml: two trapped children"
grep -q 'mode: transport_proxy' "$mn" && grep -q '\[mh\]' "$mn" ||
  fail "mobile-node.yaml: no transport_proxy child for MH"
# Only CoTI and CoT in the clear on the node, none on the home agent (RFC 4877 section 4).
grep -q '^  mh: \[coti, cot\]$' "$mn" || fail "mobile-node.yaml: ndhole opens other MH types"
grep -q '^  mh: \[\]$' "$ha" || fail "home-agent.yaml: ndhole opens MH types"
# Each mobile node's connection names its own home address only.
[ "$(grep -c '2001:db8:1::10/128' "$ha")" = 2 ] && [ "$(grep -c '2001:db8:1::20/128' "$ha")" = 2 ] ||
  fail "home-agent.yaml: each node's children name its home address"
[ $failed = 0 ] && echo "ok: both Mobile IPv6 examples"
exit $failed
