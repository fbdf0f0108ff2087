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
# shellcheck source=tests/lib/netns.sh
. "$ROOT/tests/lib/netns.sh"

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
		netns_stop "$RUN/$side.pid"
	done
	netns_del "$NS_L" "$NS_R"
}

start_daemon() {
	side=$1 ns=$2
	: >"$RUN/$side.log"
	netns_cygnetd "$BUILD" "$ns" "$CONFIG/demo-$side.yaml" "$RUN/$side.log" "$RUN/$side.pid"
	netns_wait_socket "$RUN/$side.ctl" "$RUN/$side.pid" 50 && return 0
	echo "cygnetd ($side) did not start:" >&2
	cat "$RUN/$side.log" >&2
	return 1
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
	# shellcheck disable=SC2119 # no extra modules
	netns_load_modules
	mkdir -p "$RUN"
	trap cleanup EXIT INT TERM
	echo "== two namespaces, $NS_L (2001:db8::1) and $NS_R (2001:db8::2), on a veth pair"
	netns_routed_pair "$NS_L" cgdemo-l "$NS_R" cgdemo-r src
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
