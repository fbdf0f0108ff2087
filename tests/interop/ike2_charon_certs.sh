#!/bin/sh
# IKEv2 interop between cygnetd and strongSwan's charon with certificates,
# over IPv6, each daemon in its own network namespace. A CA and one
# certificate per side are made at test time (GnuTLS certtool, else
# strongSwan's pki). Per key type, cygnet initiates and then responds; each
# time a tunnel between 2001:db8:1::/64 (cygnet) and 2001:db8:2::/64
# (charon) carries a ping through ESP with the kernel's counters rising.
#
#   ecdsa    ECDSA P-256, FQDN identities, RFC 7427 signatures both ways
#   rsa      RSA-2048, DN identities; charon signs with RSA-PSS (rsa_pss)
#   classic  ECDSA P-256 with charon's signature_authentication off: no
#            SIGNATURE_HASH_ALGORITHMS, so both sides use AUTH method 9
#   fragments RSA-2048 with 576-byte IKE fragments (RFC 7383) on both ends:
#            each reassembles the other's IKE_AUTH, in both roles
#   wrongca  charon trusts another CA: cygnet gets AUTHENTICATION_FAILED
#   twoconns cygnet responds with two connections between the same
#            addresses, a certificate one (aes256-sha384-ecp384, listed
#            first) and a PSK one (aes128-sha256-x25519); charon initiates
#            each of its two matching connections, and both come up on
#            their own connection with their own tunnel
#
# Usage: ike2_charon_certs.sh BUILD_DIR   (root; a kernel with ESP, e.g. the kernel lab)
set -eu

BUILD=${1:?usage: ike2_charon_certs.sh BUILD_DIR}
# Each set shows its own logs when it fails.
LOGS_AT_EXIT=no
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"
interop_init certs
# charon's swanctl.conf and credentials
SWANCTL_DIR=$DIR/swanctl

# --- configuration ---------------------------------------------------------

# write_configs CYGNET_ID CHARON_ID CHARON_CA STRONGSWAN_OPTIONS
write_configs() {
	cat >"$DIR/cygnet.yaml" <<YAML
$(cygnet_daemon_yaml "crypto-nettle, pki-gnutls, kernel-netlink, ike2")
connections:
  sw:
    local_addrs: [2001:db8::1]
    remote_addrs: [2001:db8::2]
    proposals: [aes128gcm16-prfsha256-x25519]
    local: { auth: pubkey, id: "$1", certs: [$DIR/cygnet.example.pem] }
    remote: { auth: pubkey, id: "$2", cacerts: [$DIR/ca.pem] }
    children:
      net:
        mode: tunnel
        local_ts: [2001:db8:1::/64]
        remote_ts: [2001:db8:2::/64]
        esp_proposals: [aes128gcm16]
secrets:
  - { type: private, file: $DIR/cygnet.example.key }
YAML
	swanctl_dir "$3"
	write_strongswan_conf no 2 "$4"
	cat >"$SWANCTL_DIR/swanctl.conf" <<CONF
connections {
	cg {
		version = 2
		local_addrs = 2001:db8::2
		remote_addrs = 2001:db8::1
		proposals = aes128gcm16-prfsha256-x25519
		local {
			auth = pubkey
			certs = charon.example.pem
			id = "$2"
		}
		remote {
			auth = pubkey
			id = "$1"
			cacerts = $3.pem
		}
		children {
			net {
				mode = tunnel
				local_ts = 2001:db8:2::/64
				remote_ts = 2001:db8:1::/64
				esp_proposals = aes128gcm16
			}
		}
	}
}
CONF
}


# --- cases -----------------------------------------------------------------

# expect_logs CYGNET_PATTERN CHARON_PATTERN: how each side verified the other.
expect_logs() {
	grep -q "$1" "$DIR/cygnetd.log" || fail "cygnetd did not log '$1'"
	grep -q "$2" "$DIR/charon.log" || fail "charon did not log '$2'"
}

# run_tunnel WHO: WHO (cygnet or charon) initiates; tunnel, ping, delete.
run_tunnel() {
	if [ "$1" = cygnet ]; then
		cgctl initiate --child net >/dev/null || fail "cygnetctl initiate"
	else
		sw --initiate --child net >/dev/null || fail "swanctl --initiate"
	fi
	sw --list-sas | grep -q "INSTALLED" || fail "charon has no installed CHILD_SA"
	cgctl list-sas | grep -q "INSTALLED" || fail "cygnet has no installed CHILD_SA"
	if [ "$1" = cygnet ]; then
		ping_through "$NS_C" 6 2001:db8:1::1 2001:db8:2::1
	else
		ping_through "$NS_S" 6 2001:db8:2::1 2001:db8:1::1
	fi
	cgctl terminate --ike sw >/dev/null || fail "cygnetctl terminate --ike"
	sleep 1
	sw --list-sas | grep -q "ESTABLISHED" && fail "charon kept the IKE SA"
	[ "$(sa_count "$NS_C")" = 0 ] || fail "SAs left in cygnet's kernel"
	[ "$(sa_count "$NS_S")" = 0 ] || fail "SAs left in charon's kernel"
}

# run_set NAME KIND CYGNET_ID CHARON_ID CHARON_OPTIONS CYGNET_LOG CHARON_LOG:
# one key type, each side initiating once (run through run_case)
run_set() {
	log "$1: certificates ($2), cygnet initiates"
	make_certs "$2"
	write_configs "$3" "$4" ca "$5"
	start_daemons
	run_tunnel cygnet
	log "$1: charon initiates"
	run_tunnel charon
	expect_logs "$6" "$7"
}

case_wrong_ca() {
	log "wrongca: charon trusts another CA"
	make_certs ecdsa
	write_configs cygnet.example charon.example other ""
	start_daemons
	cgctl initiate --child net >/dev/null 2>&1 && fail "cygnet says the tunnel came up"
	grep -q "AUTHENTICATION_FAILED" "$DIR/cygnetd.log" || fail "cygnet did not get AUTHENTICATION_FAILED"
	cgctl list-sas | grep -q "ESTABLISHED" && fail "cygnet has an IKE SA"
	sw --list-sas | grep -q "ESTABLISHED" && fail "charon has an IKE SA"
	log "wrongca: charon initiates, cygnet refuses charon's certificate chain"
	write_configs cygnet.example charon.example ca ""
	sed -i "s|cacerts: \[$DIR/ca.pem\]|cacerts: [$DIR/other.pem]|" "$DIR/cygnet.yaml"
	stop_daemons
	start_daemons
	sw --initiate --child net >/dev/null 2>&1 && fail "charon says the tunnel came up"
	sleep 1
	grep -q "no trusted CA issued the certificate" "$DIR/cygnetd.log" ||
		fail "cygnet did not refuse charon's certificate"
	grep -q "AUTHENTICATION_FAILED" "$DIR/charon.log" || fail "charon did not get AUTHENTICATION_FAILED"
	cgctl list-sas | grep -q "ESTABLISHED" && fail "cygnet has an IKE SA"
	sw --list-sas | grep -q "ESTABLISHED" && fail "charon has an IKE SA"
	log "wrongca: cygnet initiates, refuses charon's certificate and tells charon"
	cgctl initiate --child net >/dev/null 2>&1 && fail "cygnet says the tunnel came up"
	sleep 1
	[ "$(grep -c "no trusted CA issued the certificate" "$DIR/cygnetd.log")" -ge 2 ] ||
		fail "cygnet did not refuse charon's certificate as initiator"
	grep -q "INFORMATIONAL request .*N(AUTH_FAILED)" "$DIR/charon.log" ||
		fail "charon did not get our INFORMATIONAL with AUTHENTICATION_FAILED"
	! sw --list-sas | grep -q "ESTABLISHED" || fail "charon kept the IKE SA"
}

# IKE fragmentation (RFC 7383) both ways: RSA certificates, 576-byte fragments on both ends.
case_fragments() {
	log "fragments: RSA certificates in 576-byte IKE fragments, cygnet initiates"
	make_certs rsa
	write_configs cygnet.example charon.example ca "fragment_size = 576"
	sed -i -e 's|^    proposals: \[aes128gcm16-prfsha256-x25519\]$|&\n    fragment_size: 576|' \
		-e 's|log: { default: info, ike: debug }|log: { default: info, ike: debug, enc: debug }|' \
		"$DIR/cygnet.yaml"
	start_daemons
	run_tunnel cygnet
	log "fragments: charon initiates"
	run_tunnel charon
	[ "$(grep -c "IKE_AUTH 1 reassembled from" "$DIR/cygnetd.log")" -ge 2 ] ||
		fail "cygnet did not reassemble charon's IKE_AUTH both times"
	[ "$(grep -c "reassembled fragmented IKE message" "$DIR/charon.log")" -ge 2 ] ||
		fail "charon did not reassemble cygnet's IKE_AUTH both times"
	[ "$(grep -c "splitting IKE message" "$DIR/charon.log")" -ge 2 ] ||
		fail "charon did not fragment its IKE_AUTH both times"
}

# The connections of case_two_conns: cert between 2001:db8:1::1 and
# 2001:db8:2::1, psk between 2001:db8:1::2 and 2001:db8:2::2.
write_two_conns_configs() {
	cat >"$DIR/cygnet.yaml" <<YAML
$(cygnet_daemon_yaml "crypto-nettle, pki-gnutls, kernel-netlink, ike2")
connections:
  cert:
    local_addrs: [2001:db8::1]
    remote_addrs: [2001:db8::2]
    proposals: [aes256-sha384-ecp384]
    local: { auth: pubkey, id: cygnet.example, certs: [$DIR/cygnet.example.pem] }
    remote: { auth: pubkey, id: charon.example, cacerts: [$DIR/ca.pem] }
    children:
      cert-net:
        local_ts: [2001:db8:1::1/128]
        remote_ts: [2001:db8:2::1/128]
        esp_proposals: [aes128gcm16]
  psk:
    local_addrs: [2001:db8::1]
    remote_addrs: [2001:db8::2]
    proposals: [aes128-sha256-x25519]
    local: { auth: psk, id: cygnet.example }
    remote: { auth: psk, id: "%any" }
    children:
      psk-net:
        local_ts: [2001:db8:1::2/128]
        remote_ts: [2001:db8:2::2/128]
        esp_proposals: [aes128gcm16]
secrets:
  - { type: private, file: $DIR/cygnet.example.key }
  - { type: psk, ids: [cygnet.example, charon.example], secret: "two connections" }
YAML
	swanctl_dir ca
	write_strongswan_conf no 2
	cat >"$SWANCTL_DIR/swanctl.conf" <<CONF
connections {
	cert {
		version = 2
		local_addrs = 2001:db8::2
		remote_addrs = 2001:db8::1
		proposals = aes256-sha384-ecp384
		local {
			auth = pubkey
			certs = charon.example.pem
			id = charon.example
		}
		remote {
			auth = pubkey
			id = cygnet.example
			cacerts = ca.pem
		}
		children {
			cert-net {
				local_ts = 2001:db8:2::1/128
				remote_ts = 2001:db8:1::1/128
				esp_proposals = aes128gcm16
			}
		}
	}
	psk {
		version = 2
		local_addrs = 2001:db8::2
		remote_addrs = 2001:db8::1
		proposals = aes128-sha256-x25519
		local {
			auth = psk
			id = charon.example
		}
		remote {
			auth = psk
			id = cygnet.example
		}
		children {
			psk-net {
				local_ts = 2001:db8:2::2/128
				remote_ts = 2001:db8:1::2/128
				esp_proposals = aes128gcm16
			}
		}
	}
}
secrets {
$(sw_psk_secret psk charon.example cygnet.example "two connections")
}
CONF
}

# The responder takes each peer on the connection whose proposal and
# authentication it uses, not the first one between the addresses.
case_two_conns() {
	log "twoconns: charon initiates its PSK connection, then its certificate one"
	make_certs ecdsa
	write_two_conns_configs
	ip -n "$NS_C" addr add 2001:db8:1::2/64 dev lo nodad
	ip -n "$NS_S" addr add 2001:db8:2::2/64 dev lo nodad
	start_daemons
	sw --initiate --child psk-net >/dev/null || fail "swanctl --initiate --child psk-net"
	sw --initiate --child cert-net >/dev/null || fail "swanctl --initiate --child cert-net"
	for conn in psk cert; do
		cgctl list-sas | grep -qx "  - name: $conn" || fail "cygnet has no IKE SA of $conn"
		sw --list-sas | grep -q "^$conn: .*ESTABLISHED" || fail "charon has no IKE SA of $conn"
	done
	[ "$(cgctl list-sas | grep -c "state: INSTALLED")" = 2 ] ||
		fail "cygnet does not have both CHILD_SAs installed"
	grep -q "NO_PROPOSAL_CHOSEN" "$DIR/cygnetd.log" && fail "cygnet refused a proposal"
	ping_through "$NS_S" 6 2001:db8:2::2 2001:db8:1::2
	ping_through "$NS_S" 6 2001:db8:2::1 2001:db8:1::1
}

load_modules
netns_setup cgc src
run_case run_set ecdsa ecdsa cygnet.example charon.example "" \
	"charon.example' with ECDSA-SHA256 (AUTH method 14)" \
	"authentication of 'cygnet.example' with ECDSA_WITH_SHA256_DER successful"
run_case run_set rsa rsa "C=CH, O=cygnet, CN=cygnet.example" "C=CH, O=cygnet, CN=charon.example" \
	"rsa_pss = yes" \
	"charon.example' with RSA-PSS-SHA256 (AUTH method 14)" \
	"authentication of 'C=CH, O=cygnet, CN=cygnet.example' with RSA_EMSA_PKCS1_SHA2_256 successful"
run_case run_set classic ecdsa cygnet.example charon.example "signature_authentication = no" \
	"charon.example' with ECDSA-SHA256 (raw) (AUTH method 9)" \
	"authentication of 'cygnet.example' with ECDSA-256 signature successful"
run_case case_fragments
run_case case_wrong_ca
run_case case_two_conns
finish "certificate interop with charon"
