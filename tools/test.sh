#!/usr/bin/env bash
# tools/test.sh: installs what is missing, builds, and runs every test:
#  1. unit and exchange tests (no root needed), normal build with -Werror;
#  2. the same under AddressSanitizer + UndefinedBehaviorSanitizer;
#  3. a bounded run of every libFuzzer target when clang is there
#     (CYGNET_FUZZ_SECONDS each, default 35; 0 skips it);
#  4. kernel, interop and scenario tests (root, netns, ESP/AH/PF_KEY/MIPv6):
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

# The fuzz targets only, in a clang build of their own (warnings do not stop it).
fuzz_build() {
  CC=clang cmake -S "$top" -B "$top/build-fuzz" -DCMAKE_BUILD_TYPE=Debug -DCYGNET_FUZZ=ON >/dev/null &&
    make -C "$top/build-fuzz" -j"$jobs" fuzz 2>&1 | grep -E " error|Error" ; return "${PIPESTATUS[0]}"
}

# fuzz_run TARGET SECONDS: one libFuzzer target from its corpus; a crash fails it.
fuzz_run() {
  local t=$1 secs=$2 dir=$top/build-fuzz log rc execs
  log=$dir/fuzz-$t.log
  mkdir -p "$dir/corpus-$t"
  # New inputs go to the scratch corpus in the build tree, not to tests/fuzz/corpus.
  "$dir/bin/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$dir/fuzz-$t-" \
    "$dir/corpus-$t" "$top/tests/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  printf '  %-10s %10s executions  %s\n' "$t" "${execs:-?}" "$([ $rc = 0 ] && echo ok || echo "FAILED (rc $rc, $log)")"
  [ $rc = 0 ] || { grep -E -A12 '^==[0-9]+==ERROR|runtime error' "$log" | head -30; return 1; }
}

fuzz_secs=${CYGNET_FUZZ_SECONDS:-35}
step "fuzz targets (libFuzzer, $fuzz_secs s each)"
if [ "$fuzz_secs" = 0 ]; then
  echo "skipped (CYGNET_FUZZ_SECONDS=0)"
elif ! command -v clang >/dev/null; then
  echo "skipped: no clang (tools/deps.sh installs it)"
elif ! fuzz_build; then
  echo "fuzz build failed"; failed+=("fuzz-build")
else
  for f in "$top"/build-fuzz/bin/fuzz_*; do
    fuzz_run "${f##*/fuzz_}" "$fuzz_secs" || failed+=("fuzz_${f##*/fuzz_}")
  done
fi

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
