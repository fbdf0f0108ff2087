#!/usr/bin/env bash
# Crypto figures: each operation through the crypto-nettle / pki-gnutls plugins
# and the same work calling nettle / GnuTLS directly, in the same run, with the ratio.
set -euo pipefail
"$BUILD/bin/bench_crypto" "$BUILD/lib/cygnet/plugins"
