#!/usr/bin/env bash
# Installs, from Debian's packages, every peer the test suite talks to:
# the real tinyproxy (differential and upstream tests), curl, microsocks and
# dante (SOCKS5 upstreams), openssl (TLS server behind CONNECT), python3.
# Services are kept from starting during the install (policy-rc.d), and any
# tinyproxy that apt started anyway is stopped by the pid in its pid file.
set -euo pipefail
PKGS="tinyproxy curl microsocks dante-server openssl python3 procps iproute2"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "${missing// /}" ] && exit 0
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  made_policy=1
fi
trap '[ "$made_policy" = 1 ] && $SUDO rm -f /usr/sbin/policy-rc.d' EXIT
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
for f in /run/tinyproxy/tinyproxy.pid /run/danted.pid; do
  [ -f "$f" ] || continue
  pid=$(tr -dc 0-9 < "$f" | head -c 10)
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && kill "$pid" 2>/dev/null || true
done
exit 0
