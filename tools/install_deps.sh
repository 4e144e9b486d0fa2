#!/bin/sh
# Installs the Debian packages the build and tests need, if missing.
set -e
need=""
for pkg in cmake make gcc pkg-config libmpfr-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
# The Python binding (python/) builds against Debian's python3 headers.
dpkg -s libpython3-dev >/dev/null 2>&1 || need="$need libpython3-dev"
[ -z "$need" ] && exit 0
echo "installing Debian packages:$need"
if [ "$(id -u)" != 0 ]; then
  echo "error: need root to install:$need" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need
