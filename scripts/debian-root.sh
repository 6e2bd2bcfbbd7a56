#!/usr/bin/env bash
# Builds (once) a minimal Debian 12 root for scripts/test-deb.sh and prints
# the path of its tarball: .cache/debian-root/bookworm.tar.
#
# The root is made with mmdebstrap from the Debian mirror this machine's apt
# already uses (read from /etc/apt/sources.list*), with the same suites
# (bookworm, bookworm-updates, bookworm-security) so Debian's tinyproxy in it
# is the one the host has.  It keeps its package lists, and the .debs of
# Debian's tinyproxy, of procps (tinyproxy-rs needs its /bin/kill), and of
# systemd, systemd-sysv and curl (scripts/test-deb-systemd.sh boots the
# root with systemd), with what they depend on, are downloaded into its apt
# cache, so installing (and re-installing) them in it later needs no
# network.
#
# The tarball is rebuilt only when the sources or mmdebstrap's arguments
# change (their hash is stored beside the tarball).  Needs root
# (mmdebstrap --mode=root).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${DEBIAN_ROOT_CACHE:-$ROOT/.cache/debian-root}"
TAR="$CACHE/bookworm.tar"
STAMP="$TAR.sha256"
SUITE=bookworm

# Prints "URI" of the first apt source (deb822 .sources or one-line .list)
# that serves suite $1 for Debian.
mirror_for() {
  local suite="$1" f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # deb822: stanzas separated by blank lines; print URIs of the stanza
    # whose Suites field holds the suite.
    awk -v want="$suite" '
      BEGIN { RS = ""; FS = "\n" }
      {
        uri = ""; ok = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { split($i, u, /[ \t]+/); uri = u[2] }
          if ($i ~ /^Suites:/) {
            n = split($i, s, /[ \t]+/)
            for (j = 2; j <= n; j++) if (s[j] == want) ok = 1
          }
        }
        if (ok && uri != "") { print uri; exit }
      }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # One-line format: deb [options] URI SUITE COMPONENTS...
    sed -e 's/\[[^]]*\]//' "$f" | awk -v want="$suite" \
      '$1 == "deb" && $3 == want { print $2; exit }'
  done
}

first_line() { head -n 1; }

main=$(mirror_for "$SUITE" | first_line)
updates=$(mirror_for "$SUITE-updates" | first_line)
security=$(mirror_for "$SUITE-security" | first_line)
if [ -z "$main" ]; then
  echo "debian-root: no Debian $SUITE mirror in /etc/apt/sources.list*" >&2
  exit 1
fi

sources=$(
  echo "deb $main $SUITE main"
  [ -z "$updates" ] || echo "deb $updates $SUITE-updates main"
  [ -z "$security" ] || echo "deb $security $SUITE-security main"
)
# minbase: Priority required + apt.  The customize hook downloads (does not
# install) those packages into the apt cache.
# shellcheck disable=SC2016 # "$1" is for mmdebstrap's hook shell
HOOK='chroot "$1" apt-get install --download-only -y -q tinyproxy procps systemd systemd-sysv curl'
ARGS=(--mode=root --variant=minbase --quiet --skip=cleanup/apt/lists --skip=cleanup/apt/cache
  --customize-hook="$HOOK")

want=$(printf '%s\n' "$sources" "${ARGS[@]}" | sha256sum | cut -d' ' -f1)
if [ -f "$TAR" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  echo "$TAR"
  exit 0
fi

mkdir -p "$CACHE"
echo "debian-root: building $TAR from:" >&2
echo "${sources//deb /  deb }" >&2

rm -f "$TAR" "$STAMP" "$CACHE/partial.tar"
nice -n 10 mmdebstrap "${ARGS[@]}" "$SUITE" "$CACHE/partial.tar" - <<<"$sources" >&2
mv "$CACHE/partial.tar" "$TAR"
echo "$want" > "$STAMP"
echo "$TAR"
