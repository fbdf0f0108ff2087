#!/usr/bin/env bash
# Kernel backend figures: SA+policy installs per second through kernel-netlink
# and, in the same run, through `ip -batch` doing the same work; the ratio.
# Needs root and a kernel with ESP: runs in the kernel lab when this one lacks it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
lab=${KERNEL_LAB:-$top/../shared/kernel-lab}
n=${KERNEL_BENCH_N:-5000}
cmd=("$BUILD/bin/bench_kernel" "$n" kernel-netlink)
if [ "$(id -u)" = 0 ] && [ -x "$lab/host-has-ipsec" ] && "$lab/host-has-ipsec" 2>/dev/null; then
  "${cmd[@]}"
elif [ -x "$lab/lab" ]; then
  echo "(this kernel lacks ESP: measured in the kernel lab VM, under emulation)"
  "$lab/lab" -t 600 -- "${cmd[@]}"
else
  echo "bench kernel: needs root and a kernel with ESP, or the kernel lab at $lab (set KERNEL_LAB)" >&2
  exit 1
fi
