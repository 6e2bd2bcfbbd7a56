#!/usr/bin/env bash
# Builds the multi-arch release image (linux/amd64 and linux/arm64) from
# the static binaries that scripts/release-build.sh left in DIST, and
# with PUSH=1 pushes it as IMAGE:VERSION and IMAGE:latest.
#
# deploy/Containerfile is FROM scratch and only COPYs, so both
# architectures are assembled on one machine without emulation: each
# gets its own build context holding its binary, and podman records the
# platform in a manifest list.  Used by .github/workflows/release.yml;
# without PUSH=1 it only builds (a dry run).
#
# Usage: [PUSH=1] release-image.sh DIST IMAGE
#   e.g. release-image.sh dist ghcr.io/tinyproxy-rs/tinyproxy-rs
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DIST="${1:?usage: release-image.sh DIST IMAGE}"
IMAGE="${2:?usage: release-image.sh DIST IMAGE}"
VERSION="$(scripts/release-version.sh)"
MANIFEST="$IMAGE:$VERSION"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# OCI labels: the version, and in GitHub Actions the repository, which
# links the ghcr.io package to it.
labels=(--label "org.opencontainers.image.version=$VERSION")
if [ -n "${GITHUB_REPOSITORY:-}" ]; then
  labels+=(--label "org.opencontainers.image.source=${GITHUB_SERVER_URL:-https://github.com}/$GITHUB_REPOSITORY")
fi

podman manifest rm "$MANIFEST" >/dev/null 2>&1 || true
podman manifest create "$MANIFEST" >/dev/null
# arch as in the binary's name, platform, and readelf's name of the ELF machine.
for triple in x86_64:amd64:X86-64 aarch64:arm64:AArch64; do
  IFS=: read -r arch platform machine <<<"$triple"
  bin="$DIST/tinyproxy-rs-$VERSION-$arch-linux"
  if ! readelf -h "$bin" | grep -qE "Machine:.* $machine\$"; then
    echo "release-image: $bin is not an $machine executable" >&2
    exit 1
  fi
  ctx="$TMP/$arch"
  mkdir -p "$ctx"
  install -m 0755 "$bin" "$ctx/tinyproxy"
  install -m 0644 conf/tinyproxy.conf conf/default.html conf/stats.html \
    deploy/image/passwd deploy/image/group "$ctx/"
  echo "release-image: linux/$platform"
  # --no-cache: a cached layer of the other platform must not be reused.
  podman build --quiet --no-cache --platform "linux/$platform" --manifest "$MANIFEST" \
    "${labels[@]}" -f deploy/Containerfile "$ctx" >/dev/null
done
archs=$(podman manifest inspect "$MANIFEST" | sed -n 's/.*"architecture": *"\([a-z0-9]*\)".*/\1/p' | sort | tr '\n' ' ')
if [ "$archs" != "amd64 arm64 " ]; then
  echo "release-image: $MANIFEST holds '$archs', want amd64 and arm64" >&2
  exit 1
fi
echo "release-image: $MANIFEST holds linux/amd64 and linux/arm64"

if [ "${PUSH:-0}" = 1 ]; then
  for tag in "$VERSION" latest; do
    echo "release-image: push $IMAGE:$tag"
    podman manifest push --all "$MANIFEST" "docker://$IMAGE:$tag"
  done
fi
