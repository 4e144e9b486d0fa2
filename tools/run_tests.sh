#!/usr/bin/env bash
# The whole test suite, as `make test` runs it: the C suite once per x86
# kernel variant, again under ASan/UBSan, on AArch64 under qemu (the NEON
# kernels and the reference ones), the install check, and the Python
# binding's live comparison with the peers. Prints one summary line at the end:
#   total: N passed, N failed
# and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ISAS=${ISAS:-avx512 avx2 scalar}
passed=0 failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Adds the counts from a "N passed, N failed" (C runner) or pytest summary.
count() {
  local line p f
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
  if [ -n "$line" ]; then
    p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
  else
    line=$(grep -E '[0-9]+ (passed|failed)' "$log" | tail -1)
    p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
    f=0
    for n in $(echo "$line" | grep -oE '[0-9]+ (failed|errors?)' | grep -oE '[0-9]+'); do
      f=$((f + n))
    done
  fi
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
}

# Runs a suite; a suite that fails without reporting counts as one failure.
suite() {
  local name=$1; shift
  echo "== $name"
  if "$@" > "$log" 2>&1; then rc=0; else rc=$?; fi
  grep -E 'FAIL|Error|error:|passed|failed' "$log" | tail -15
  local before=$failed
  count
  if [ "$rc" != 0 ] && [ "$failed" = "$before" ]; then
    tail -20 "$log"; failed=$((failed + 1))
  fi
}

for isa in $ISAS; do
  suite "C suite, XENT_ISA=$isa" env XENT_ISA="$isa" "./$BUILD/tests/xent_tests"
done
suite "C suite under ASan + UBSan" "./$BUILD-asan/tests/xent_tests"
if [ "${XENT_SKIP_NEON:-0}" != 1 ]; then
  A64=${BUILD_AARCH64:-build-aarch64}
  # the NEON run must really use the NEON kernels
  suite "C suite on AArch64 under qemu, NEON kernels" sh -c \
    "env -u XENT_ISA qemu-aarch64 ./$A64/tests/xent_tests > $A64/neon.log 2>&1; rc=\$?; cat $A64/neon.log;
     grep -q '^  kernels neon:' $A64/neon.log || { echo 'error: the NEON kernels were not used'; exit 1; }; exit \$rc"
  suite "C suite on AArch64 under qemu, XENT_ISA=scalar" env XENT_ISA=scalar qemu-aarch64 "./$A64/tests/xent_tests"
fi
suite "install check" sh -c "sh tests/install/check_install.sh $BUILD && echo '1 passed, 0 failed'"
if [ "${XENT_SKIP_PYTHON:-0}" != 1 ]; then
  suite "Python binding against the peers" env PYTHONPATH="$PWD/$BUILD/python" \
    .peers-venv/bin/python -m pytest -q -p no:cacheprovider python/tests
fi
echo "total: $passed passed, $failed failed"
[ "$failed" = 0 ]
