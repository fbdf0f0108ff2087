#!/usr/bin/env bash
# Core figures: processor jobs/s, scheduler timers/s, daemon start-up with every plugin.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$BUILD/bin/bench_core"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Every plugin that is built, with one kernel backend: netlink when root can use it.
plugins=()
for so in "$BUILD"/lib/cygnet/plugins/*.so; do
  name=$(basename "$so" .so)
  case "$name" in kernel-*) continue ;; esac
  plugins+=("$name")
done
kernel=kernel-memory
if [ "$(id -u)" = 0 ] && [ -f "$BUILD/lib/cygnet/plugins/kernel-netlink.so" ]; then kernel=kernel-netlink; fi
list=$(IFS=,; echo "$kernel,${plugins[*]}")
cat > "$tmp/startup.yaml" <<YAML
daemon:
  plugins: [$list]
  control: $tmp/ctl.sock
  port: 17500
  port_nat_t: 17501
  state_file: $tmp/installed
YAML
echo "plugins: $list"
"$BUILD/bin/bench_startup" "$BUILD/bin/cygnetd" "$tmp/startup.yaml" 20
