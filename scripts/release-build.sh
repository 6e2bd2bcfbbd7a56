#!/usr/bin/env bash
# Builds the release binary for this machine's architecture (x86_64 or
# aarch64) as a static executable and copies it to
#   OUTDIR/tinyproxy-rs-VERSION-ARCH-linux
# Static the same way as scripts/build-image.sh (both use
# scripts/build-static.sh: glibc with crt-static, symbols stripped), so
# the binary runs on any Linux of that architecture and in the
# FROM-scratch image.  Used by .github/workflows/release.yml.
#
# Usage: release-build.sh OUTDIR
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="${1:?usage: release-build.sh OUTDIR}"
ARCH="$(uname -m)"
TRIPLE="$ARCH-unknown-linux-gnu"
VERSION="$(scripts/release-version.sh)"

BIN="$(TRIPLE="$TRIPLE" bash scripts/build-static.sh --locked | tail -n 1)"
# The binary must say the version it is published under.
"$BIN" -v | grep -qF "tinyproxy-rs $VERSION)" \
  || { echo "release-build: '$("$BIN" -v)' does not name $VERSION" >&2; exit 1; }

mkdir -p "$OUT"
install -m 0755 "$BIN" "$OUT/tinyproxy-rs-$VERSION-$ARCH-linux"
echo "$OUT/tinyproxy-rs-$VERSION-$ARCH-linux"
