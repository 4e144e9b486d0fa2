#!/bin/sh
# Builds the libFuzzer targets into build-fuzz/ (see fuzz/README.md).
# The readers (cli/io) are compiled with coverage, ASan and UBSan; libxent
# (used for f16 widening only) is built plainly by CMake with clang.
set -eu
cd "$(dirname "$0")/.."
OUT=${OUT:-build-fuzz}
CC=${CC:-clang}
cmake -S . -B "$OUT/xent" -DCMAKE_C_COMPILER="$CC" -DCMAKE_BUILD_TYPE=Release \
  -DXENT_BUILD_TESTS=OFF -DXENT_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$OUT/xent" --target xent_static -j 2 >/dev/null
FLAGS="-std=c11 -g -O1 -Wall -Wextra -Wshadow -Wstrict-prototypes -ffp-contract=off
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
  -Iinclude -Icli"
for target in npy csv; do
  # shellcheck disable=SC2086
  "$CC" $FLAGS "fuzz/fuzz_$target.c" cli/io/common.c cli/io/npy.c cli/io/csv.c \
    "$OUT/xent/libxent.a" -lm -o "$OUT/fuzz_$target"
  echo "built $OUT/fuzz_$target"
done
