#!/usr/bin/env bash
# Writes the seeds of fuzz_pki into tests/fuzz/corpus/pki: DER certificates
# made with certtool (an RSA CA, ECDSA, Ed25519 and RSA end entities with
# subjectAltNames of every kind cygnet matches) and the DER subject names
# cut out of them. Run by hand; commit what changed.
set -euo pipefail
out=${1:-$(cd "$(dirname "$0")" && pwd)/corpus/pki}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

cert() { # cert NAME KEYTYPE TEMPLATE [CA]
	local name=$1 type=$2 tmpl=$3 ca=${4:-}
	certtool --generate-privkey $type --outfile "$tmp/$name.key" 2>/dev/null
	printf '%s\n' "$tmpl" > "$tmp/$name.tmpl"
	if [ -z "$ca" ]; then
		certtool --generate-self-signed --load-privkey "$tmp/$name.key" \
			--template "$tmp/$name.tmpl" --outder --outfile "$out/$name.der" 2>/dev/null
	else
		certtool --generate-certificate --load-privkey "$tmp/$name.key" \
			--load-ca-certificate "$tmp/$ca.pem" --load-ca-privkey "$tmp/$ca.key" \
			--template "$tmp/$name.tmpl" --outder --outfile "$out/$name.der" 2>/dev/null
	fi
	certtool --certificate-info --inder --infile "$out/$name.der" --outfile "$tmp/$name.pem" \
		2>/dev/null
}

cert ca "--rsa --bits 2048" 'cn = "cygnet test CA"
organization = "cygnet"
country = CH
serial = 1
expiration_days = 3650
ca
cert_signing_key
crl_signing_key'
cert moon-ecdsa "--ecc --curve secp256r1" 'cn = "moon.example.org"
organization = "cygnet"
unit = "gateways"
country = CH
serial = 2
expiration_days = 3650
dns_name = "moon.example.org"
email = "moon@example.org"
ip_address = "192.0.2.1"
ip_address = "2001:db8::1"
signing_key
tls_www_server' ca
cert sun-ed25519 "--key-type ed25519" 'cn = "sun"
organization = "cygnet"
country = CH
serial = 3
expiration_days = 3650
dns_name = "sun.example.org"
signing_key' ca
cert carol-rsa "--rsa --bits 2048" 'cn = "carol@example.org"
uid = "carol"
organization = "cygnet"
locality = "Bern"
state = "BE"
country = CH
serial = 4
expiration_days = 3650
email = "carol@example.org"
signing_key' ca

# The subject Name of each certificate: tbsCertificate's sixth element.
for f in "$out"/*.der; do
	python3 - "$f" "${f%.der}.dn" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
def tlv(b, o):
    l = b[o + 1]; h = 2
    if l & 0x80:
        n = l & 0x7f; l = int.from_bytes(b[o + 2:o + 2 + n], 'big'); h += n
    return o + h, l
o, _ = tlv(d, 0)          # Certificate
o, _ = tlv(d, o)          # tbsCertificate
for i in range(6):
    start = o
    if i == 0 and d[o] != 0xa0:
        continue
    body, l = tlv(d, o)
    o = body + l
    if i == 5:
        open(sys.argv[2], 'wb').write(d[start:o])
PY
done
