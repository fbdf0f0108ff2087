#!/usr/bin/env bash
# tools/deps.sh: installs the Debian packages cygnet needs to build and test, if missing.
set -euo pipefail
pkgs=(build-essential cmake pkg-config nettle-dev libgmp-dev libgnutls28-dev libyaml-dev
      libmnl-dev libcriterion-dev gnutls-bin iproute2 iputils-ping procps kmod tcpdump tshark
      nftables conntrack clang
      strongswan-charon strongswan-swanctl strongswan-pki libstrongswan-standard-plugins)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
  apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null; }
# Debian starts the IPsec service on install where it can; the tests run their own daemons.
pkill -x charon 2>/dev/null || true
exit 0
