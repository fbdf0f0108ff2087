#!/usr/bin/env bash
# tools/test.sh: installs what is missing, builds, and runs every test:
#  1. unit and exchange tests (no root needed), normal build with -Werror;
#  2. the same under AddressSanitizer + UndefinedBehaviorSanitizer;
#  3. kernel, interop and scenario tests (root, netns, ESP/AH/PF_KEY/MIPv6):
#     on this host when its kernel has them, else in the kernel lab VM.
# Exit status is 0 only when every suite passed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc)
lab=${KERNEL_LAB:-$top/../shared/kernel-lab}
# A clone made elsewhere (git clone . /tmp/x) looks beside the repository it came from.
if [ -z "${KERNEL_LAB:-}" ] && [ ! -d "$lab" ]; then
  origin=$(git -C "$top" config --get remote.origin.url 2>/dev/null || true)
  case $origin in
    /*) [ -d "$origin/../shared/kernel-lab" ] && lab=$(cd "$origin/../shared/kernel-lab" && pwd) ;;
  esac
fi
failed=()

bash "$top/tools/deps.sh" || exit 1

step() { printf '\n==== %s\n' "$*"; }

build() { # build DIR [cmake args...]
  local dir=$1; shift
  cmake -S "$top" -B "$dir" "$@" >/dev/null && make -C "$dir" -j"$jobs" 2>&1 | grep -E "error|warning|Error" ; return "${PIPESTATUS[0]}"
}

step "build (-Wall -Wextra -Werror)"
build build -DCMAKE_BUILD_TYPE=RelWithDebInfo || { echo "build failed"; exit 1; }

step "unit and exchange tests"
ctest --test-dir build -L 'unit|exchange' -j"$jobs" --output-on-failure || failed+=("unit")

step "build with ASan + UBSan"
build build-asan -DCMAKE_BUILD_TYPE=Debug -DCYGNET_SANITIZE=ON || { echo "sanitizer build failed"; exit 1; }

step "unit and exchange tests under ASan + UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -L 'unit|exchange' -j"$jobs" --output-on-failure || failed+=("unit-asan")

step "kernel, interop and scenario tests"
if [ "$(id -u)" != 0 ]; then
  echo "these tests need root (network namespaces, XFRM, PF_KEY): run tools/test.sh as root"
  failed+=("root-tests (not root)")
elif [ -x "$lab/host-has-ipsec" ] && "$lab/host-has-ipsec" 2>/dev/null; then
  echo "this kernel has ESP and PF_KEY: running here"
  "$top/tests/run-root-tests" build || failed+=("root-tests")
elif [ -x "$lab/lab" ]; then
  echo "this kernel lacks ESP/PF_KEY: running in the kernel lab ($lab/lab)"
  "$lab/lab" -t 3600 -- "$top/tests/run-root-tests" build || failed+=("root-tests (lab)")
else
  echo "this kernel lacks ESP/PF_KEY and no kernel lab was found at $lab (set KERNEL_LAB)"
  failed+=("root-tests (no kernel)")
fi

echo
if [ ${#failed[@]} -eq 0 ]; then
  echo "ALL TESTS PASSED"
  exit 0
fi
echo "FAILED: ${failed[*]}"
exit 1
