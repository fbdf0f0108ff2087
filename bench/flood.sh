#!/usr/bin/env bash
# Flood figures: a responder cygnetd under a half-open flood that echoes
# COOKIEs (bench_ike_flood: IKE_SA_INIT from FLOOD_ADDRS addresses it receives
# on, FLOOD_RATE per second for FLOOD_SECONDS, never an IKE_AUTH), and a
# legitimate initiator from another address establishing IKE SAs (PSK,
# X25519, through its control socket with bench_ike_drive) idle and during
# the flood: establishments per second, and the median, 99th percentile and
# longest time to establish. The responder's resident memory before, during,
# and after the flood (once its half-open SAs have timed out, 30 s), its
# half-open count and the bytes it logged.
#
# It runs once with the default half-open limits and once with them off
# (the behaviour before they existed), as root in two network namespaces on
# a veth pair: initiator and flooder on one side (192.0.2.1 and
# 198.51.100.1...), the responder on the other (192.0.2.2), on the in-memory
# kernel backend.
#
# Knobs: FLOOD_RATE (5000), FLOOD_SECONDS (20), FLOOD_ADDRS (50),
# FLOOD_N (legitimate IKE SAs per figure, 200), FLOOD_WORKERS (4),
# FLOOD_RUNS ("default off").
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
: "${BUILD:=$top/build-bench}"
RATE=${FLOOD_RATE:-5000}
SECONDS_FLOOD=${FLOOD_SECONDS:-20}
ADDRS=${FLOOD_ADDRS:-50}
N=${FLOOD_N:-200}
WORKERS=${FLOOD_WORKERS:-4}
RUNS=${FLOOD_RUNS:-default off}
NS_I=cg-flood-ini
NS_R=cg-flood-resp
PORT_I=15600 PORT_R=15610
PSK="benchmark shared secret 0123456789abcdef"

if [ "$(id -u)" != 0 ]; then
	echo "bench flood: needs root (network namespaces); skipped"
	exit 0
fi
tmp=$(mktemp -d /tmp/cg-bench-flood.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	ip netns del "$NS_I" 2>/dev/null || true
	ip netns del "$NS_R" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$NS_I"
ip netns add "$NS_R"
ip link add cgf-i type veth peer name cgf-r
ip link set cgf-i netns "$NS_I"
ip link set cgf-r netns "$NS_R"
for ns in "$NS_I" "$NS_R"; do ip -n "$ns" link set lo up; done
ip -n "$NS_I" addr add 192.0.2.1/24 dev cgf-i
for i in $(seq "$ADDRS"); do ip -n "$NS_I" addr add "198.51.100.$i/24" dev cgf-i; done
ip -n "$NS_R" addr add 192.0.2.2/24 dev cgf-r
ip -n "$NS_I" link set cgf-i up
ip -n "$NS_R" link set cgf-r up
ip -n "$NS_R" route add 198.51.100.0/24 dev cgf-r

# conn NAME ADDRESS_LINES LOCAL_ID REMOTE_ID: one connection of a config.
conn() {
	cat <<YAML
  $1:
$2
    proposals: [aes128gcm16-prfsha256-x25519]
    unique: never
    local: { auth: psk, id: $3 }
    remote: { auth: psk, id: $4 }
YAML
}

# conf SIDE LIMITS: the responder takes peers from anywhere (the flood's too).
conf() {
	local side=$1 limits=$2 i
	cat <<YAML
daemon:
  plugins: [crypto-nettle, kernel-memory, ike2]
  log: { default: info, file: $tmp/$side.log }
  control: $tmp/$side.ctl
  port: $([ "$side" = ini ] && echo $PORT_I || echo $PORT_R)
  port_nat_t: $(($([ "$side" = ini ] && echo $PORT_I || echo $PORT_R) + 1))
  state_file: $tmp/$side.state
YAML
	[ "$limits" = off ] && printf '  half_open_limit: 0\n  half_open_per_address: 0\n'
	echo "connections:"
	if [ "$side" = resp ]; then
		conn r "    local_addrs: [192.0.2.2]" resp.bench ini.bench
	else
		for i in $(seq 0 $((WORKERS - 1))); do
			conn "b$i" "    local_addrs: [192.0.2.1]
    remote_addrs: [192.0.2.2]
    remote_port: $PORT_R" ini.bench resp.bench
		done
	fi
	printf 'secrets:\n  - { type: psk, ids: [ini.bench, resp.bench], secret: "%s" }\n' "$PSK"
}

start() {
	local side=$1 ns=$NS_I
	[ "$side" = ini ] || ns=$NS_R
	ip netns exec "$ns" "$BUILD/bin/cygnetd" -F -c "$tmp/$side.yaml" \
		--plugin-dir "$BUILD/lib/cygnet/plugins" >"$tmp/$side.out" 2>&1 &
	pids+=($!)
	printf -v "pid_$side" '%s' "$!"
	for _ in $(seq 100); do
		[ -S "$tmp/$side.ctl" ] && return 0
		sleep 0.1
	done
	echo "bench flood: cygnetd ($side) did not start:" >&2
	cat "$tmp/$side.out" >&2
	exit 1
}

rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid_resp/status"; }
half_open() { "$BUILD/bin/cygnetctl" -s "$tmp/resp.ctl" status | awk '/ike_sas_half_open/ { print $2 }'; }
drive() { "$BUILD/bin/bench_ike_drive" cygnet "$tmp/ini.ctl" b "$WORKERS" "$1" || true; }
# figure LABEL LINE: establishments per second and time to establish from a drive line.
figure() {
	awk -v l="$1" '{ printf " %-22s %4d IKE SAs, %7.1f/s, time to establish: median %.1f ms, p99 %.1f ms, max %.1f ms%s\n",
		l, $2, $8, $10, $12, $14, ($4 > 0 ? " (" $4 " failed)" : "") }' <<<"$2"
}

run() {
	local limits=$1 idle during flood_out before peak peak_half after log_before log_flood
	conf resp "$limits" >"$tmp/resp.yaml"
	conf ini "$limits" >"$tmp/ini.yaml"
	rm -f "$tmp"/*.ctl "$tmp"/*.log "$tmp"/*.state*
	start resp
	start ini
	drive $((WORKERS * 4)) >/dev/null
	idle=$(drive "$N")
	before=$(rss_mb)
	log_before=$(stat -c %s "$tmp/resp.log")
	ip netns exec "$NS_I" "$BUILD/bin/bench_ike_flood" 192.0.2.2 "$PORT_R" 198.51.100 1 "$ADDRS" \
		"$RATE" "$SECONDS_FLOOD" >"$tmp/flood.out" &
	local flood_pid=$!
	sleep 3
	during=$(drive "$N")
	peak=$(rss_mb)
	peak_half=$(half_open)
	wait "$flood_pid"
	flood_out=$(cat "$tmp/flood.out")
	log_flood=$(($(stat -c %s "$tmp/resp.log") - log_before))
	peak=$(awk -v a="$peak" -v b="$(rss_mb)" 'BEGIN { print (b > a ? b : a) }')
	peak_half=$(awk -v a="$peak_half" -v b="$(half_open)" 'BEGIN { print (b > a ? b : a) }')
	sleep 35
	after=$(rss_mb)
	echo "half-open limits: $limits"
	echo " flood: $flood_out (${RATE}/s for ${SECONDS_FLOOD} s from $ADDRS addresses)"
	figure "idle:" "$idle"
	figure "during the flood:" "$during"
	echo " responder RSS: ${before} MB before, ${peak} MB at the peak (${peak_half} half-open), ${after} MB 35 s after ($(half_open) half-open)"
	echo " responder log during the flood: $((log_flood / 1024)) KiB"
	kill "$pid_ini" "$pid_resp"
	wait "$pid_ini" "$pid_resp" 2>/dev/null || true
}

echo "flood: responder and initiator cygnetd on kernel-memory, PSK, aes128gcm16-prfsha256-x25519, $WORKERS initiations in flight"
for r in $RUNS; do run "$r"; done
