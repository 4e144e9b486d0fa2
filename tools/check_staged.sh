#!/bin/sh
# Builds and tests exactly what is staged for commit, in a scratch copy, so a
# commit never depends on files left untracked in the work tree.
set -eu
top=$(git rev-parse --show-toplevel)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$top"
git checkout-index -a --prefix="$dir/"
cd "$dir"
cmake -S . -B b -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build b -j 2 > b.log 2>&1 || { tail -20 b.log; exit 1; }
if grep -E "warning:" b.log; then echo "check_staged: warnings" >&2; exit 1; fi
./b/tests/xent_tests > t.log 2>&1 || { grep -E "FAIL" t.log | head; exit 1; }
tail -1 t.log
