#!/usr/bin/env bash
# IKEv2 figures: IKE SAs established per second between two cygnetd (PSK +
# X25519, and ECDSA-256 certificates) on the in-memory kernel, the same between
# two strongSwan charons in the same run, and resident memory per established
# IKE SA with one child for both; the ratios against the targets (at least 2x
# charon's rate, at most half its memory per SA).
#
# Method (same for both implementations):
# - Initiator and responder are two daemons in two network namespaces joined
#   by a veth pair (as root), or on loopback with distinct ports otherwise.
# - bench_ike_drive keeps WORKERS initiations in flight through each daemon's
#   own control interface (cygnet's control socket, charon's vici), each a
#   fresh IKE SA (full IKE_SA_INIT + IKE_AUTH; charon: reuse_ikesa = no), none
#   torn down, so the figure is sustained establishment with SAs piling up,
#   not a burst of cached work. A warm-up round runs first.
# - Rate: IKE SAs only, no child (cygnet's kernel is kernel-memory anyway,
#   charon's initiate is IKE-only), so no ESP is needed.
# - Both keep every SA of one peer identity (unique: never, so no
#   INITIAL_CONTACT that would wipe the SAs piling up).
# - charon is given its documented settings for many SAs (hash table of IKE
#   SAs sized, no COOKIE or per-IP half-open blocking, which cygnet does not
#   do either), and both log only warnings, so neither pays for the other's
#   missing features.
# - Memory: VmRSS of each daemon after a warm-up, then after MEM_N more IKE SAs
#   with one child each; the difference over MEM_N. A charon child needs a
#   kernel with ESP: on a host without, charon's figure (and, for a like-for-
#   like ratio, cygnet's on kernel-netlink) is measured in the kernel lab VM.
#   cygnet on kernel-memory keeps the child SAs and policies in its own
#   memory, which a real kernel would hold: that figure is pessimistic.
#
# Knobs: IKE_BENCH_N (SAs per rate figure, 2000), IKE_BENCH_WORKERS (8),
# IKE_BENCH_MEM_N (1000), IKE_BENCH_LAB_MEM_N (200: the VM is emulated and
# slow), KERNEL_LAB (path of the kernel lab), CYGNETD_WRAP
# (a command put before each cygnetd, to profile: "valgrind --tool=massif").
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
: "${BUILD:=$top/build-bench}"
N=${IKE_BENCH_N:-2000}
WORKERS=${IKE_BENCH_WORKERS:-8}
MEM_N=${IKE_BENCH_MEM_N:-1000}
LAB_MEM_N=${IKE_BENCH_LAB_MEM_N:-200}
WARM=$((WORKERS * 4))
CHARON=${CHARON:-/usr/lib/ipsec/charon}
LAB=${KERNEL_LAB:-$top/../shared/kernel-lab}
DRIVE=$BUILD/bin/bench_ike_drive
PSK="benchmark shared secret 0123456789abcdef"
PROPOSAL_CG=aes128gcm16-prfsha256-x25519
NS_I=cg-bench-ini
NS_R=cg-bench-resp

tmp=$(mktemp -d /tmp/cg-bench-ike.XXXXXX)
pids=()
pid_ini='' pid_resp=''
netns=no

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "$netns" = yes ]; then
		ip netns del "$NS_I" 2>/dev/null || true
		ip netns del "$NS_R" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# Two namespaces on a veth pair when root may create them; loopback otherwise.
setup_net() {
	if [ "$(id -u)" = 0 ] && ip netns add "$NS_I" 2>/dev/null; then
		netns=yes
		ip netns add "$NS_R"
		ip link add cgb-i type veth peer name cgb-r
		ip link set cgb-i netns "$NS_I"
		ip link set cgb-r netns "$NS_R"
		ip -n "$NS_I" link set lo up
		ip -n "$NS_R" link set lo up
		ip -n "$NS_I" addr add 192.0.2.1/24 dev cgb-i
		ip -n "$NS_R" addr add 192.0.2.2/24 dev cgb-r
		ip -n "$NS_I" link set cgb-i up
		ip -n "$NS_R" link set cgb-r up
		ADDR_I=192.0.2.1 ADDR_R=192.0.2.2
		echo "network: two namespaces on a veth pair"
	else
		ADDR_I=127.0.0.1 ADDR_R=127.0.0.1
		echo "network: loopback, distinct ports"
	fi
	# Distinct ports work in both cases and keep clear of a system daemon.
	PORT_I=15500 PORT_R=15510
}

# ns_of ini|resp: sets NS_CMD to the prefix that runs a command on that side.
# (A prefix, not a wrapper function: a function run with & would be a subshell,
# and $! its pid rather than the daemon's.)
ns_of() {
	NS_CMD=()
	if [ "$netns" = yes ]; then
		if [ "$1" = ini ]; then NS_CMD=(ip netns exec "$NS_I"); else NS_CMD=(ip netns exec "$NS_R"); fi
	fi
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

wait_socket() {
	for _ in $(seq 100); do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	echo "bench ike: $2 did not start; its log:" >&2
	cat "$3" >&2
	return 1
}

# ---- certificates: an ECDSA P-256 CA and one end entity per side.
make_certs() {
	local d=$tmp/pki
	mkdir -p "$d"
	openssl ecparam -name prime256v1 -genkey -noout -out "$d/ca.key" 2>/dev/null
	openssl req -x509 -new -key "$d/ca.key" -subj "/CN=bench CA" -days 30 -sha256 \
		-addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign \
		-out "$d/ca.pem" 2>/dev/null
	for who in ini resp; do
		openssl ecparam -name prime256v1 -genkey -noout -out "$d/$who.ec" 2>/dev/null
		openssl pkcs8 -topk8 -nocrypt -in "$d/$who.ec" -out "$d/$who.key"
		openssl req -new -key "$d/$who.key" -subj "/CN=$who.bench" -out "$d/$who.csr" 2>/dev/null
		printf 'subjectAltName=DNS:%s.bench\nbasicConstraints=CA:false\n' "$who" >"$d/$who.ext"
		openssl x509 -req -in "$d/$who.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
			-days 30 -sha256 -extfile "$d/$who.ext" -out "$d/$who.pem" 2>/dev/null
	done
}

# ---- cygnet
# cygnet_conf SIDE AUTH CONNS CHILD KERNEL: a config for one side; the
# initiator gets CONNS connections b0..bN-1 (one per worker), the responder one.
cygnet_conf() {
	local side=$1 auth=$2 conns=$3 child=$4 kernel=$5 me peer myport peerport i name
	if [ "$side" = ini ]; then
		me=$ADDR_I peer=$ADDR_R myport=$PORT_I peerport=$PORT_R
	else
		me=$ADDR_R peer=$ADDR_I myport=$PORT_R peerport=$PORT_I conns=1
	fi
	local other=resp
	[ "$side" = ini ] || other=ini
	cat <<YAML
daemon:
  plugins: [crypto-nettle, pki-gnutls, $kernel, ike2]
  log: { default: warn }
  control: $tmp/cg-$side.ctl
  port: $myport
  port_nat_t: $((myport + 1))
  state_file: $tmp/cg-$side.state
connections:
YAML
	for i in $(seq 0 $((conns - 1))); do
		name=b$i
		[ "$side" = ini ] || name=r
		cat <<YAML
  $name:
    local_addrs: [$me]
    remote_addrs: [$peer]
    remote_port: $peerport
    proposals: [$PROPOSAL_CG]
    unique: never
YAML
		if [ "$auth" = psk ]; then
			cat <<YAML
    local: { auth: psk, id: $side.bench }
    remote: { auth: psk, id: $other.bench }
YAML
		else
			cat <<YAML
    local: { auth: pubkey, id: $side.bench, certs: [$tmp/pki/$side.pem], key: $tmp/pki/$side.key }
    remote: { auth: pubkey, id: $other.bench, cacerts: [$tmp/pki/ca.pem] }
YAML
		fi
		if [ "$child" = yes ] || [ "$side" = resp ]; then
			cat <<YAML
    children:
      c$i:
        mode: tunnel
        local_ts: [10.$([ "$side" = ini ] && echo 1 || echo 2).0.0/16]
        remote_ts: [10.$([ "$side" = ini ] && echo 2 || echo 1).0.0/16]
        esp_proposals: [aes128gcm16]
YAML
		fi
	done
	if [ "$auth" = psk ]; then
		cat <<YAML
secrets:
  - { type: psk, ids: [ini.bench, resp.bench], secret: "$PSK" }
YAML
	fi
}

start_cygnetd() {
	local side=$1
	ns_of "$side"
	# shellcheck disable=SC2086 # CYGNETD_WRAP is a command line
	"${NS_CMD[@]}" ${CYGNETD_WRAP:-} "$BUILD/bin/cygnetd" -F -c "$tmp/cg-$side.yaml" \
		--plugin-dir "$BUILD/lib/cygnet/plugins" >"$tmp/cg-$side.log" 2>&1 &
	pids+=($!)
	printf -v "pid_$side" '%s' "$!"
	wait_socket "$tmp/cg-$side.ctl" "cygnetd ($side)" "$tmp/cg-$side.log"
}

stop_pair() {
	local p
	for p in "$pid_ini" "$pid_resp"; do kill "$p" 2>/dev/null || true; done
	for p in "$pid_ini" "$pid_resp"; do wait "$p" 2>/dev/null || true; done
	rm -f "$tmp"/*.ctl "$tmp"/*.vici
}

# cygnet_pair AUTH CHILD KERNEL: both daemons up.
cygnet_pair() {
	cygnet_conf resp "$1" 1 "$2" "$3" >"$tmp/cg-resp.yaml"
	cygnet_conf ini "$1" "$WORKERS" "$2" "$3" >"$tmp/cg-ini.yaml"
	start_cygnetd resp
	start_cygnetd ini
}

# ---- charon
# charon_conf SIDE AUTH CHILD: strongswan.conf and a swanctl directory.
charon_conf() {
	local side=$1 auth=$2 child=$3 me peer myport peerport other=resp i
	local dir=$tmp/sw-$side
	[ "$side" = ini ] || other=ini
	if [ "$side" = ini ]; then
		me=$ADDR_I peer=$ADDR_R myport=$PORT_I peerport=$PORT_R
	else
		me=$ADDR_R peer=$ADDR_I myport=$PORT_R peerport=$PORT_I
	fi
	mkdir -p "$dir/x509" "$dir/x509ca" "$dir/private"
	cat >"$dir/strongswan.conf" <<CONF
charon {
	load_modular = yes
	port = $myport
	port_nat_t = $((myport + 1))
	install_routes = no
	install_virtual_ip = no
	reuse_ikesa = no
	ikesa_table_size = 4096
	ikesa_table_segments = 16
	cookie_threshold = 1000000
	cookie_threshold_ip = 1000000
	block_threshold = 1000000
	init_limit_half_open = 0
	syslog {
		daemon {
			default = -1
		}
	}
	filelog {
		bench {
			path = $tmp/sw-$side.log
			default = 0
		}
	}
	plugins {
		include /etc/strongswan.d/charon/*.conf
		vici {
			socket = unix://$tmp/sw-$side.vici
		}
	}
}
CONF
	if [ "$auth" = cert ]; then
		cp "$tmp/pki/$side.pem" "$dir/x509/"
		cp "$tmp/pki/ca.pem" "$dir/x509ca/"
		cp "$tmp/pki/$side.key" "$dir/private/"
	fi
	{
		echo "connections {"
		local names=r
		[ "$side" = ini ] && names=$(seq -f 'b%g' 0 $((WORKERS - 1)))
		for i in $names; do
			cat <<CONF
	$i {
		version = 2
		local_addrs = $me
		remote_addrs = $peer
		remote_port = $peerport
		proposals = $PROPOSAL_CG
		unique = never
		local {
			auth = $([ "$auth" = psk ] && echo psk || echo pubkey)
			id = $side.bench
			$([ "$auth" = cert ] && echo "certs = $side.pem")
		}
		remote {
			auth = $([ "$auth" = psk ] && echo psk || echo pubkey)
			id = $other.bench
			$([ "$auth" = cert ] && echo "cacerts = ca.pem")
		}
CONF
			if [ "$child" = yes ] || [ "$side" = resp ]; then
				cat <<CONF
		children {
			c${i#b} {
				mode = tunnel
				local_ts = 10.$([ "$side" = ini ] && echo 1 || echo 2).0.0/16
				remote_ts = 10.$([ "$side" = ini ] && echo 2 || echo 1).0.0/16
				esp_proposals = aes128gcm16
			}
		}
CONF
			fi
			echo "	}"
		done
		echo "}"
		if [ "$auth" = psk ]; then
			cat <<CONF
secrets {
	ike-bench {
		id-1 = ini.bench
		id-2 = resp.bench
		secret = "$PSK"
	}
}
CONF
		fi
	} >"$dir/swanctl.conf"
}

# charon has a fixed pid file under /run: each one gets a private /run.
start_charon() {
	local side=$1
	local dir=$tmp/sw-$side
	ns_of "$side"
	# shellcheck disable=SC2016 # expanded by the inner sh
	"${NS_CMD[@]}" unshare -m sh -c 'mount -t tmpfs tmpfs /run && exec env STRONGSWAN_CONF="$1" "$2"' \
		sh "$dir/strongswan.conf" "$CHARON" >"$tmp/sw-$side.out" 2>&1 &
	pids+=($!)
	printf -v "pid_$side" '%s' "$!"
	wait_socket "$tmp/sw-$side.vici" "charon ($side)" "$tmp/sw-$side.out"
	# ip netns exec, unshare, sh and env all exec: $! is charon's own pid.
	if ! env STRONGSWAN_CONF="$dir/strongswan.conf" SWANCTL_DIR="$dir" \
		swanctl --load-all --noprompt --uri "unix://$tmp/sw-$side.vici" >"$tmp/sw-$side.load" 2>&1; then
		echo "bench ike: swanctl --load-all ($side) failed:" >&2
		cat "$tmp/sw-$side.load" >&2
		return 1
	fi
}

charon_pair() {
	charon_conf resp "$1" "$2"
	charon_conf ini "$1" "$2"
	start_charon resp
	start_charon ini
}

# drive cygnet|vici SIDE_SOCKET TOTAL [CHILD]: prints "ok .. rate R".
drive() {
	"$DRIVE" "$1" "$2" b "$WORKERS" "$3" ${4:+"$4"}
}

rate_of() { awk '{ print $8 }' <<<"$1"; }

# rate IMPL AUTH: establishes WARM then N IKE SAs, prints the measured line;
# sets RATE (empty when it could not be measured).
rate() {
	local impl=$1 auth=$2 out proto sock
	RATE=
	if [ "$impl" = cygnet ]; then
		cygnet_pair "$auth" no kernel-memory
		proto=cygnet sock=$tmp/cg-ini.ctl
	else
		charon_pair "$auth" no
		proto=vici sock=$tmp/sw-ini.vici
	fi
	if ! out=$(drive "$proto" "$sock" "$WARM" 2>"$tmp/drive.err"); then
		if [ "$impl" = cygnet ] && [ "$auth" = cert ] &&
			grep -q "not supported\|only pre-shared keys" "$tmp"/cg-*.log; then
			echo "  n/a: certificate auth not available"
		else
			echo "  FAILED: $(cat "$tmp/drive.err") (warm-up: $out)"
			tail -n 5 "$tmp"/cg-*.log "$tmp"/sw-*.log 2>/dev/null | sed 's/^/    /'
		fi
		stop_pair
		return 0
	fi
	if out=$(drive "$proto" "$sock" "$N" 2>"$tmp/drive.err"); then
		RATE=$(rate_of "$out")
		printf '  %-6s %s\n' "$impl" "$out"
	else
		echo "  FAILED: $(cat "$tmp/drive.err") ($out)"
	fi
	stop_pair
}

# mem IMPL KERNEL: KB of RSS per IKE SA with one child, initiator and responder.
mem() {
	local impl=$1 kernel=$2 proto sock r0i r0r r1i r1r out
	if [ "$impl" = cygnet ]; then
		cygnet_pair psk yes "$kernel"
		proto=cygnet sock=$tmp/cg-ini.ctl
	else
		charon_pair psk yes
		proto=vici sock=$tmp/sw-ini.vici
	fi
	if ! out=$(drive "$proto" "$sock" "$WARM" c 2>"$tmp/drive.err"); then
		echo "  FAILED: $(cat "$tmp/drive.err") (warm-up: $out)"
		stop_pair
		return 0
	fi
	sleep 0.5
	r0i=$(rss_kb "$pid_ini") r0r=$(rss_kb "$pid_resp")
	if ! out=$(drive "$proto" "$sock" "$MEM_N" c 2>"$tmp/drive.err"); then
		echo "  FAILED: $(cat "$tmp/drive.err") ($out)"
		stop_pair
		return 0
	fi
	sleep 0.5
	r1i=$(rss_kb "$pid_ini") r1r=$(rss_kb "$pid_resp")
	awk -v impl="$impl" -v k="$kernel" -v n="$MEM_N" -v a="$r0i" -v b="$r1i" -v c="$r0r" -v d="$r1r" \
		'BEGIN { printf "  %-6s %-14s initiator %.2f KB/SA (%d -> %d KB)  responder %.2f KB/SA (%d -> %d KB)\n",
			impl, k, (b - a) / n, a, b, (d - c) / n, c, d }'
	stop_pair
}

# ---- the part that needs ESP for charon's children, run here or in the lab.
mem_with_esp() {
	mem cygnet kernel-netlink
	mem charon kernel-netlink
}

if [ "${1:-}" = --mem-esp ]; then
	# Inside the kernel lab: load what the first SA asks for before timing anything.
	for m in esp4 xfrm4_tunnel seqiv echainiv gcm ghash-generic aes drbg; do
		modprobe "$m" 2>/dev/null || true
	done
	setup_net >/dev/null
	make_certs
	mem_with_esp
	exit 0
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }

# Responder's KB/SA of a line of mem's output.
mem_resp() { awk -v i="$1" -v k="$2" '$1 == i && $2 == k { print $11; exit }' "$tmp/mem.out"; }

rate_figures() {
	echo "IKE SAs per second ($WORKERS initiations in flight, $N SAs after $WARM warm-up, $PROPOSAL_CG):"
	echo " PSK:"
	rate cygnet psk
	cg_psk=$RATE
	rate charon psk
	sw_psk=$RATE
	echo " ECDSA-256 certificates:"
	rate cygnet cert
	cg_cert=$RATE
	rate charon cert
	sw_cert=$RATE
	echo " rate ratio cygnet/charon (target >= 2.00): PSK $(ratio "$cg_psk" "$sw_psk"), certificates $(ratio "$cg_cert" "$sw_cert")"
}

mem_figures() {
	echo "RSS per IKE SA with one child ($MEM_N SAs after $WARM warm-up, PSK):"
	# Not through a pipe: a failure must leave the daemons to the EXIT trap,
	# which a pipeline's subshell would not.
	mem cygnet kernel-memory >"$tmp/mem.out"
	cat "$tmp/mem.out"
	if [ "$(id -u)" = 0 ] && "$LAB/host-has-ipsec" >/dev/null 2>&1; then
		mem_with_esp >"$tmp/mem-esp.out"
		tee -a "$tmp/mem.out" <"$tmp/mem-esp.out"
	elif [ -x "$LAB/lab" ]; then
		echo "  (no ESP in this kernel: the kernel-netlink lines are measured in the kernel lab VM, $LAB_MEM_N SAs)"
		(cd "$top" && "$LAB/lab" -t 1500 -- env BUILD="$BUILD" IKE_BENCH_WORKERS="$WORKERS" \
			IKE_BENCH_MEM_N="$LAB_MEM_N" bash "$top/bench/ike.sh" --mem-esp) 2>&1 |
			grep -E '^  (cygnet|charon|FAILED)' | tee -a "$tmp/mem.out" || true
	else
		echo "  charon: n/a (its children need a kernel with ESP, or the kernel lab at $LAB)"
	fi
	cg_mem=$(mem_resp cygnet kernel-netlink)
	[ -n "$cg_mem" ] || cg_mem=$(mem_resp cygnet kernel-memory)
	sw_mem=$(mem_resp charon kernel-netlink)
	echo " memory ratio cygnet/charon, responder (target <= 0.50): $(ratio "$cg_mem" "$sw_mem")"
}

# bench/ike.sh [rate] [mem]: both parts by default.
phases=("$@")
[ ${#phases[@]} -gt 0 ] || phases=(rate mem)
setup_net
make_certs
for phase in "${phases[@]}"; do
	case "$phase" in
	rate) rate_figures ;;
	mem) mem_figures ;;
	*) echo "bench ike: unknown part '$phase' (rate, mem)" >&2; exit 2 ;;
	esac
done
