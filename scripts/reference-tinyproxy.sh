#!/usr/bin/env bash
# Builds the reference tinyproxy -- upstream master: release 1.11.3 plus its
# later security fixes, the release we are compatible with -- into
# .cache/reference/tinyproxy, from the source tarball in the shared test
# data (../shared/reference beside the clone), and prints the binary's path.
# tests/compat runs every scenario against it (and against Debian's 1.11.1).
#
# Reuses an existing build (build.sh rebuilds only when the tarball is newer).
# Exits 0 without building, with a message, when the shared test data is not
# there: the compat suite then reports that it skipped the reference.
#
# Environment: SHARED_DIR (default: ../shared beside the repository, then
# /work/shared) and REFERENCE_DIR (default: .cache/reference).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${REFERENCE_DIR:-$ROOT/.cache/reference}"

shared=""
for d in "${SHARED_DIR:-}" "$ROOT/../shared" /work/shared; do
  if [ -n "$d" ] && [ -x "$d/reference/build.sh" ]; then
    shared="$d"
    break
  fi
done
if [ -z "$shared" ]; then
  echo "reference-tinyproxy: skipped: no shared/reference/build.sh (set SHARED_DIR)" >&2
  exit 0
fi

mkdir -p "$OUT"
# One build at a time (make and the test binary may both ask for it).
exec 9>"$OUT/.lock"
flock 9
nice -n 10 bash "$shared/reference/build.sh" "$OUT"
