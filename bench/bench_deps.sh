#!/bin/sh
# Bench-only Debian packages for `make bench`; `make test` does not need them:
#   libdnnl-dev   oneDNN, the softmax peer (bench/bench_onednn.c)
#   libjemalloc2  the allocator bench/bench_peers.py preloads for the Python
#                 peers, so they reuse freed memory (see that file)
# Missing packages are installed when running as root; otherwise, or when
# apt-get fails, a warning, and the report says what it could not measure.
set -u
need=""
for pkg in libdnnl-dev libjemalloc2; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "bench_deps.sh: warning: need root to install:$need" >&2
  exit 0
fi
echo "installing bench-only Debian packages:$need"
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null; }; then
  echo "bench_deps.sh: warning: apt-get install$need failed" >&2
fi
exit 0
