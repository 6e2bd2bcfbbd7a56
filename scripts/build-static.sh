#!/usr/bin/env bash
# Builds the static release binary: glibc with crt-static, symbols
# stripped, so it runs on any Linux of its architecture and in the
# FROM-scratch image. The one recipe behind `make release-static` (what
# `make bench` measures), scripts/build-image.sh and
# scripts/release-build.sh.
#
# Usage: build-static.sh [CARGO-ARGS...]   (e.g. --locked)
# Environment:
#   TRIPLE           target (default: this machine's, <arch>-unknown-linux-gnu)
#   CARGO_TARGET_DIR cargo's target directory (default ./target)
# Prints the binary's path on its last line; fails if it is not static.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TRIPLE="${TRIPLE:-$(uname -m)-unknown-linux-gnu}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# RUSTFLAGS apply only to the --target build, not to build scripts and
# proc macros, which must stay dynamically linked.
echo "build-static: cargo build --release --target $TRIPLE $* (static)" >&2
RUSTFLAGS="-C target-feature=+crt-static" CARGO_PROFILE_RELEASE_STRIP=symbols \
  cargo build --release "$@" --target "$TRIPLE" --bin tinyproxy >&2
BIN="$TARGET_DIR/$TRIPLE/release/tinyproxy"

# A dynamically linked binary would not start in a scratch image.
if readelf -l "$BIN" | grep -q 'Requesting program interpreter'; then
  echo "build-static: $BIN is not statically linked" >&2
  exit 1
fi
echo "$BIN"
