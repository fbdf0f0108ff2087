# Network namespaces with a cygnetd in each (sourced, POSIX sh, run as
# root): shared by tools/demo.sh, tests/interop/lib.sh and
# tests/scenario/lib.sh. Every name, address and file is the caller's.
#
# shellcheck shell=sh

# netns_load_modules [MODULE...]: loads ESP and the kernel crypto it asks
# for on the first SA now, rather than while an SA is being added
# (on-demand loading can take seconds), and the extra modules given.
# shellcheck disable=SC2120 # the extra modules are optional
netns_load_modules() {
	for m in esp6 xfrm6_tunnel seqiv echainiv gcm ghash-generic aes drbg jitterentropy_rng "$@"; do
		modprobe "$m" 2>/dev/null || true
	done
}

# netns_pair NS1 VETH1 NS2 VETH2: two namespaces joined by a veth pair,
# VETH1 in NS1 and VETH2 in NS2, both ends and both lo up; no addresses.
netns_pair() {
	ip netns add "$1"
	ip netns add "$3"
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set lo up
	ip -n "$1" link set "$2" up
	ip -n "$3" link set lo up
	ip -n "$3" link set "$4" up
}

# netns_routed_pair NS1 VETH1 NS2 VETH2 [src]: netns_pair with side N (1,
# 2) holding 2001:db8::N/64 on the link and 2001:db8:N::1/64 on lo, each
# routing the other's 2001:db8:N::/64 over the link; with "src", sourced
# from its own lo address. No duplicate address detection: the addresses
# are usable at once.
netns_routed_pair() {
	netns_pair "$1" "$2" "$3" "$4"
	netns_routed_side "$1" "$2" 1 2 "${5:-}"
	netns_routed_side "$3" "$4" 2 1 "${5:-}"
}

# netns_routed_side NS DEV N PEER [src]: one side of netns_routed_pair.
netns_routed_side() {
	ip -n "$1" addr add "2001:db8::$3/64" dev "$2" nodad
	ip -n "$1" addr add "2001:db8:$3::1/64" dev lo nodad
	if [ "${5:-}" = src ]; then
		ip -n "$1" route add "2001:db8:$4::/64" via "2001:db8::$4" src "2001:db8:$3::1"
	else
		ip -n "$1" route add "2001:db8:$4::/64" via "2001:db8::$4"
	fi
}

# netns_del NS...: removes the namespaces that exist (their veth ends go
# with them).
netns_del() {
	for ns in "$@"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

# netns_cygnetd BUILD NS CONFIG LOG PIDFILE: starts BUILD's cygnetd in the
# foreground in NS with its plugins from BUILD, appending its output to LOG;
# its pid goes to PIDFILE. Does not wait: see netns_wait_socket.
netns_cygnetd() {
	ip netns exec "$2" "$1/bin/cygnetd" -F -c "$3" \
		--plugin-dir "$1/lib/cygnet/plugins" >>"$4" 2>&1 &
	echo $! >"$5"
}

# netns_wait_socket SOCKET PIDFILE TENTHS: true once SOCKET exists; false
# when the process of PIDFILE has exited or TENTHS tenths of a second have
# passed first.
netns_wait_socket() {
	for _ in $(seq "$3"); do
		[ -S "$1" ] && return 0
		kill -0 "$(cat "$2")" 2>/dev/null || return 1
		sleep 0.1
	done
	[ -S "$1" ]
}

# netns_stop PIDFILE [SIGNAL]: sends SIGNAL (TERM unless given) to the
# process of PIDFILE and waits up to 10 s for it to go, then kills it; the
# next daemon needs its ports and sockets. Removes PIDFILE.
netns_stop() {
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	kill -"${2:-TERM}" "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$1"
}

# netns_esp_packets NS: packets counted by the kernel on the SAs of NS.
netns_esp_packets() {
	ip -n "$1" -s xfrm state 2>/dev/null | awk '/^[ \t]*[0-9]+\(bytes\), [0-9]+\(packets\)/ {
		split($2, a, "("); n += a[1] } END { print n + 0 }'
}
