#!/usr/bin/env bash
# Builds the Debian package tinyproxy-rs_VERSION_amd64.deb from the release
# binary (`make deb` runs `make release` first) and prints its path:
# $CARGO_TARGET_DIR/debian/tinyproxy-rs_VERSION_amd64.deb.
#
# dpkg-buildpackage writes its results next to the source tree, so it runs
# in a staging copy (debian/, conf/, man/, deploy/tinyproxy.service and the
# binary) under $CARGO_TARGET_DIR/debian/build/; the repository stays
# clean.  VERSION is Cargo.toml's; debian/changelog is written here with
# it, dated by the last commit, so the same commit gives the same package.
#
# Environment: BIN (default $CARGO_TARGET_DIR/release/tinyproxy) is the
# binary to package.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
[[ "$TARGET" = /* ]] || TARGET="$ROOT/$TARGET"
BIN="${BIN:-$TARGET/release/tinyproxy}"
OUT="$TARGET/debian"

# The version of [package] in Cargo.toml.
version() {
  awk '/^\[/ { pkg = ($0 == "[package]") }
       pkg && $1 == "version" { gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.toml"
}

# Maintainer and distribution are debian/control's and the generic one.
write_changelog() {
  local ver="$1" dest="$2" maint date
  maint=$(sed -n 's/^Maintainer: //p' "$ROOT/debian/control")
  date=$(date -u -R -d "@$SOURCE_DATE_EPOCH")
  cat > "$dest" <<EOF
tinyproxy-rs ($ver) unstable; urgency=medium

  * Package built from the tinyproxy-rs repository, version $ver.

 -- $maint  $date
EOF
}

VERSION=$(version)
[ -n "$VERSION" ] || { echo "build-deb: no version in Cargo.toml" >&2; exit 1; }
if [ ! -x "$BIN" ]; then
  echo "build-deb: $BIN missing; run 'make release' first" >&2
  exit 1
fi
SOURCE_DATE_EPOCH=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH

STAGE="$OUT/build/tinyproxy-rs-$VERSION"
rm -rf "$OUT/build"
mkdir -p "$STAGE/deploy"
cp -a "$ROOT/debian" "$ROOT/conf" "$ROOT/man" "$STAGE/"
cp -a "$ROOT/deploy/tinyproxy.service" "$STAGE/deploy/"
cp "$BIN" "$STAGE/tinyproxy"
write_changelog "$VERSION" "$STAGE/debian/changelog"

(cd "$STAGE" && dpkg-buildpackage -b -us -uc --no-pre-clean >&2)

deb="tinyproxy-rs_${VERSION}_amd64.deb"
mv "$OUT/build/$deb" "$OUT/$deb"
echo "$OUT/$deb"
