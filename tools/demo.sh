#!/bin/sh
# The tunnel demo: two network namespaces joined by a veth pair (IPv6), a
# cygnetd in each (config/demo-left.yaml, config/demo-right.yaml), an IKEv2
# tunnel between 2001:db8:1::/64 and 2001:db8:2::/64, a ping through it,
# then `cygnetctl list-sas` and the kernel's SAs on both sides.
#
# Builds what is missing in build/ first. Needs root (uses sudo when not
# root). On a kernel without ESP it runs itself in the kernel lab
# (../shared/kernel-lab) and says so.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${CYGNET_BUILD:-$ROOT/build}
CONFIG=${CYGNET_DEMO_CONFIG:-$ROOT/config}
LAB=$ROOT/../shared/kernel-lab
RUN=/run/cygnet-demo
NS_L=cygnet-demo-left
NS_R=cygnet-demo-right

build() {
	targets="cygnetd cygnetctl crypto-nettle kernel-netlink ike2"
	missing=
	for f in bin/cygnetd bin/cygnetctl lib/cygnet/plugins/crypto-nettle.so \
		 lib/cygnet/plugins/kernel-netlink.so lib/cygnet/plugins/ike2.so; do
		[ -e "$BUILD/$f" ] || missing=yes
	done
	[ -z "$missing" ] && return 0
	echo "== building cygnet in $BUILD"
	[ -e "$BUILD/Makefile" ] || cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	# shellcheck disable=SC2086
	make -C "$BUILD" -j2 $targets >/dev/null
}

ctl() {
	side=$1
	shift
	"$BUILD/bin/cygnetctl" -s "$RUN/$side.ctl" "$@"
}

cleanup() {
	for side in left right; do
		if [ -f "$RUN/$side.pid" ]; then
			kill "$(cat "$RUN/$side.pid")" 2>/dev/null || true
		fi
	done
	sleep 1
	ip netns del "$NS_L" 2>/dev/null || true
	ip netns del "$NS_R" 2>/dev/null || true
}

start_daemon() {
	side=$1 ns=$2
	ip netns exec "$ns" "$BUILD/bin/cygnetd" -F -c "$CONFIG/demo-$side.yaml" \
		--plugin-dir "$BUILD/lib/cygnet/plugins" --pid-file "$RUN/$side.pid" \
		>"$RUN/$side.log" 2>&1 &
	echo $! >"$RUN/$side.pid"
	for _ in $(seq 50); do
		[ -S "$RUN/$side.ctl" ] && return 0
		sleep 0.1
	done
	echo "cygnetd ($side) did not start:" >&2
	cat "$RUN/$side.log" >&2
	return 1
}

netns_setup() {
	ip netns add "$NS_L"
	ip netns add "$NS_R"
	ip link add cgdemo-l type veth peer name cgdemo-r
	ip link set cgdemo-l netns "$NS_L"
	ip link set cgdemo-r netns "$NS_R"
	for spec in "$NS_L cgdemo-l 1 2" "$NS_R cgdemo-r 2 1"; do
		# shellcheck disable=SC2086
		set -- $spec
		ip -n "$1" link set lo up
		ip -n "$1" link set "$2" up
		ip -n "$1" addr add "2001:db8::$3/64" dev "$2" nodad
		ip -n "$1" addr add "2001:db8:$3::1/64" dev lo nodad
		ip -n "$1" route add "2001:db8:$4::/64" via "2001:db8::$4" src "2001:db8:$3::1"
	done
}

wait_installed() {
	for _ in $(seq 60); do
		if ctl left list-sas 2>/dev/null | grep -q INSTALLED &&
		   ctl right list-sas 2>/dev/null | grep -q INSTALLED; then
			return 0
		fi
		sleep 0.5
	done
	echo "the tunnel did not come up; daemon logs:" >&2
	cat "$RUN/left.log" "$RUN/right.log" >&2
	return 1
}

main() {
	build
	if [ "${1:-}" != --here ] && ! "$LAB/host-has-ipsec" 2>/dev/null; then
		echo "== this kernel has no ESP: running the demo in the kernel lab ($LAB/lab)"
		exec "$LAB/lab" -t 300 -- env CYGNET_BUILD="$BUILD" CYGNET_DEMO_CONFIG="$CONFIG" "$0" --here
	fi
	if [ "$(id -u)" != 0 ]; then
		exec sudo env CYGNET_BUILD="$BUILD" CYGNET_DEMO_CONFIG="$CONFIG" "$0" --here
	fi
	# Load ESP and the kernel crypto it asks for on the first SA now, rather
	# than while an SA is being added (on-demand loading can take seconds).
	for m in esp6 xfrm6_tunnel seqiv echainiv gcm ghash-generic aes drbg jitterentropy_rng; do
		modprobe "$m" 2>/dev/null || true
	done
	mkdir -p "$RUN"
	trap cleanup EXIT INT TERM
	echo "== two namespaces, $NS_L (2001:db8::1) and $NS_R (2001:db8::2), on a veth pair"
	netns_setup
	echo "== starting cygnetd in each"
	start_daemon right "$NS_R"
	start_daemon left "$NS_L"
	echo "== bringing up the IKEv2 tunnel 2001:db8:1::/64 <=> 2001:db8:2::/64"
	wait_installed
	echo "== ping 2001:db8:1::1 -> 2001:db8:2::1 through ESP"
	ip netns exec "$NS_L" ping -6 -c 3 -i 0.3 -I 2001:db8:1::1 2001:db8:2::1
	for side in left right; do
		echo "== cygnetctl list-sas ($side)"
		ctl "$side" list-sas
	done
	for ns in "$NS_L" "$NS_R"; do
		echo "== ip -s xfrm state ($ns)"
		ip -n "$ns" -s xfrm state
	done
	echo "== done"
}

main "$@"
