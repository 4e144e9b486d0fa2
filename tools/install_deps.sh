#!/bin/sh
# Installs the Debian packages the build and tests need, if missing.
set -e
need=""
for pkg in cmake make gcc pkg-config libmpfr-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
[ -z "$need" ] && exit 0
echo "installing Debian packages:$need"
if [ "$(id -u)" != 0 ]; then
  echo "error: need root to install:$need" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need
