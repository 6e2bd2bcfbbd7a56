#!/usr/bin/env bash
# Prints the version being released: Cargo.toml's package version, the
# one source of the version that the binaries report, the image tag the
# release workflow pushes and the tag deploy/k8s/kustomization.yaml
# deploys (tests/packaging_version.rs checks the last two agree).
#
# Usage: release-version.sh [TAG]
#   With TAG (the pushed git tag, e.g. v0.1.0), fails unless TAG is
#   "v" followed by that version: a release is never published under a
#   tag that differs from what its binaries say.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The version key of the [package] table (not of a dependency).
version=$(awk -F'"' '
  /^\[/ { in_package = ($0 == "[package]") }
  in_package && /^version[ \t]*=/ { print $2; exit }
' "$ROOT/Cargo.toml")

if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]]; then
  echo "release-version: no version in the [package] table of Cargo.toml" >&2
  exit 1
fi
if [ $# -gt 0 ] && [ "$1" != "v$version" ]; then
  echo "release-version: tag '$1' is not v$version (Cargo.toml); bump the version first" >&2
  exit 1
fi
echo "$version"
