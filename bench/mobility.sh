#!/usr/bin/env bash
# Mobility figures: time from a MIGRATE event to cygnet's records and install
# journal updated, for one IKE SA with 1, 100 and 10,000 children moving.
set -euo pipefail
"$BUILD/bin/bench_mobility" 11 1 100 10000
