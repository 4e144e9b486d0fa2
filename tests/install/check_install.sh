#!/bin/sh
# Installs xent into a temporary prefix, then builds and runs the same small
# program twice: once with pkg-config, once with CMake's find_package(xent).
set -eu
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$root/$build" --prefix "$tmp/prefix" > /dev/null

export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig:$tmp/prefix/lib64/pkgconfig:$tmp/prefix/lib/x86_64-linux-gnu/pkgconfig"
libdir=$(pkg-config --variable=libdir xent)
cc -std=c11 -o "$tmp/hello_pc" "$root/tests/install/hello.c" $(pkg-config --cflags --libs xent)
LD_LIBRARY_PATH="$libdir" "$tmp/hello_pc" > "$tmp/out_pc"

cmake -S "$root/tests/install" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$tmp/prefix" > /dev/null
cmake --build "$tmp/cm" > /dev/null
LD_LIBRARY_PATH="$libdir" "$tmp/cm/hello" > "$tmp/out_cmake"

expected="0.5 0.5"
for f in out_pc out_cmake; do
  if [ "$(cat "$tmp/$f")" != "$expected" ]; then
    echo "install check: $f printed '$(cat "$tmp/$f")', expected '$expected'" >&2
    exit 1
  fi
done
echo "install check: pkg-config and find_package(xent) builds both work"
