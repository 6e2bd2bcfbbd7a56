#!/usr/bin/env bash
# Runs tinyproxy's own test suite (tests/scripts/run_tests.sh) against OUR
# binary. The suite comes from the source of the release we target -- the
# reference tarball in the shared test data (../shared/reference beside the
# clone, $SHARED_DIR, or /work/shared), unpacked into a temp dir -- or, when
# that is absent, from Debian's source package (apt-get source, 1.11.1).
# Nothing of tinyproxy is committed. TINYPROXY_SRC=DIR uses an unpacked tree.
#
# Usage: scripts/tinyproxy-suite.sh [PATH-TO-OUR-tinyproxy]
#   default binary: $TINYPROXY_BIN or target/debug/tinyproxy.
# Exit status: 0 all checks passed; 1 some check failed; 77 skipped
# (source package not obtainable: no network, no apt); other = setup error.
#
# How their suite is adapted without editing their files:
# * run_tests.sh starts "$BASEDIR/src/tinyproxy -c CONF" (a fixed path in
#   their script, not a variable) and expects it to daemonise and write
#   its PidFile; ours daemonises the same way. We add one file to the
#   unpacked tree: src/tinyproxy, a two-line wrapper that execs our binary.
# * it needs perl (webserver.pl / webclient.pl). Their web server binds
#   the wildcard address on the fixed port 32123 and tinyproxy listens on
#   127.0.0.2:12321, so the whole run happens in a private network
#   namespace (`unshare -n`, only `lo` up): nothing is reachable or
#   exposed beyond loopback, and fixed ports cannot clash with the host.
# * `--reference` runs the same suite against /usr/bin/tinyproxy instead.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = --reference ]; then
  bin=/usr/bin/tinyproxy
else
  bin=${1:-${TINYPROXY_BIN:-$here/target/debug/tinyproxy}}
fi
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
if [ ! -x "$bin" ]; then
  echo "tinyproxy-suite: no binary at $bin" >&2
  exit 2
fi
command -v perl >/dev/null || { echo "tinyproxy-suite: SKIP: perl missing"; exit 77; }

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

ensure_source_tools() {
  command -v dpkg-source >/dev/null && return 0
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends dpkg-dev >/dev/null 2>&1
}

ensure_deb_src() {
  # A deb-src entry for bookworm (where tinyproxy 1.11.1 comes from).
  if grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; then
    return 0
  fi
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb-src\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    | $SUDO tee /etc/apt/sources.list.d/tinyproxy-rs-deb-src.sources >/dev/null
  $SUDO apt-get update -qq >/dev/null 2>&1
}

work=$(mktemp -d /tmp/tinyproxy-suite.XXXXXX)
# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
  # End only what this script started, by pid.
  for f in "$work"/pids/* "${src:-/nonexistent}"/tests/env/var/run/*/*.pid; do
    [ -f "$f" ] || continue
    p=$(tr -dc 0-9 < "$f" | head -c 10)
    if [ -n "$p" ]; then kill "$p" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/pids"

src=${TINYPROXY_SRC:-}
if [ -z "$src" ]; then
  for d in "${SHARED_DIR:-}" "$here/../shared" /work/shared; do
    [ -n "$d" ] || continue
    tarball=$(find "$d/reference" -maxdepth 1 -name 'tinyproxy-*.tar.gz' 2>/dev/null | sort | head -1)
    [ -n "$tarball" ] || continue
    tar -xzf "$tarball" -C "$work" || { echo "tinyproxy-suite: cannot unpack $tarball"; exit 2; }
    src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'tinyproxy-[0-9]*' | head -1)
    break
  done
fi
if [ -z "$src" ]; then
  ensure_source_tools || { echo "tinyproxy-suite: SKIP: cannot install dpkg-dev"; exit 77; }
  ensure_deb_src
  # A stale package list may lack the deb-src index: update once, retry.
  if ! (cd "$work" && apt-get source -qq tinyproxy >"$work/apt-source.log" 2>&1) \
    && ! ($SUDO apt-get update -qq >/dev/null 2>&1 \
      && cd "$work" && apt-get source -qq tinyproxy >"$work/apt-source.log" 2>&1); then
    echo "tinyproxy-suite: SKIP: apt-get source tinyproxy failed:"; tail -3 "$work/apt-source.log"
    exit 77
  fi
  src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'tinyproxy-[0-9]*' | head -1)
fi
[ -f "$src/tests/scripts/run_tests.sh" ] || { echo "tinyproxy-suite: no tests/scripts/run_tests.sh in $src"; exit 2; }
echo "tinyproxy-suite: source: $(basename "$src"), binary: $bin"

if ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
  echo "tinyproxy-suite: SKIP: unshare/ip missing (util-linux, iproute2)"; exit 77
fi
unshare -n true 2>/dev/null \
  || { echo "tinyproxy-suite: SKIP: cannot create a network namespace (needs root)"; exit 77; }

# The one file we add: their script's fixed binary path → our binary.
printf '#!/bin/sh\nexec "%s" "$@"\n' "$bin" > "$src/src/tinyproxy"
chmod 755 "$src/src/tinyproxy"

out="$work/run_tests.out"
# shellcheck disable=SC2016  # $1 is expanded by the inner shell
unshare -n sh -c 'ip link set lo up && exec sh "$1/tests/scripts/run_tests.sh"' sh "$src" >"$out" 2>&1
status=$?
cat "$out"
echo "tinyproxy-suite: run_tests.sh exit status $status ($(grep -cE '^(checking|testing|requesting).*\.\.\. ?ok' "$out") checks ok, $(grep -c 'ERROR' "$out") failed)"
if [ -s "$src/tests/env/var/log/tinyproxy/tinyproxy.stderr.log" ]; then
  echo "tinyproxy-suite: proxy stderr:"; cat "$src/tests/env/var/log/tinyproxy/tinyproxy.stderr.log"
fi
[ "$status" = 0 ] && exit 0
echo "tinyproxy-suite: proxy log:"; tail -40 "$src/tests/env/var/log/tinyproxy/tinyproxy.log" 2>/dev/null
exit 1
