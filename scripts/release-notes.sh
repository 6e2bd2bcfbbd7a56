#!/usr/bin/env bash
# Prints the CHANGELOG.md section of VERSION (from its "## [VERSION]"
# heading to the next "## [" heading), the notes of the GitHub release.
# Fails when there is none, so a release cannot go out with the
# changelog still saying "Unreleased".
#
# Usage: release-notes.sh VERSION
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${1:?usage: release-notes.sh VERSION}"

notes=$(awk -v want="[$VERSION]" '
  /^## \[/ { in_section = ($2 == want); if (in_section) next }
  in_section
' "$ROOT/CHANGELOG.md")

if [ -z "${notes//[[:space:]]/}" ]; then
  echo "release-notes: CHANGELOG.md has no '## [$VERSION]' section" >&2
  exit 1
fi
printf '%s\n' "$notes"
