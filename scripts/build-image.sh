#!/usr/bin/env bash
# Builds the tinyproxy-rs container image with podman (`make image`).
#
# The build machines reach no container registry, so the binary is built
# here on the host -- a static release binary for x86_64-unknown-linux-gnu
# (glibc with crt-static; its resolver and /etc/passwd lookups are built
# into libc, so it needs no shared library in the image) -- and the image
# is the runtime-only deploy/Containerfile, FROM scratch.  Where base
# images can be pulled, deploy/Containerfile.build does everything inside
# the build instead.
#
# Environment:
#   IMAGE            tag to build (default localhost/tinyproxy-rs:dev)
#   CARGO_TARGET_DIR cargo's target directory (default ./target)
#   CONTAINERS_CONF  podman settings (default deploy/containers.conf)
# Prints the image tag on its last line.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
IMAGE="${IMAGE:-localhost/tinyproxy-rs:dev}"
TRIPLE=x86_64-unknown-linux-gnu
export CONTAINERS_CONF="${CONTAINERS_CONF:-$ROOT/deploy/containers.conf}"

# Symbols are stripped to keep the image small (scripts/build-static.sh).
BIN="$(TRIPLE="$TRIPLE" bash scripts/build-static.sh | tail -n 1)"

CTX="$ROOT/.cache/image-context"
rm -rf "$CTX"
mkdir -p "$CTX"
install -m 0755 "$BIN" "$CTX/tinyproxy"
install -m 0644 deploy/image/tinyproxy.conf conf/default.html conf/stats.html \
  deploy/image/passwd deploy/image/group "$CTX/"
# The directories tinyproxy configs write to (see deploy/Containerfile):
# skel/ is copied as root, run/ and log/ owned by nobody:tinyproxy.
mkdir -p "$CTX/skel/tmp" "$CTX/skel/run" "$CTX/skel/var/log" \
  "$CTX/run/tinyproxy" "$CTX/log/tinyproxy"
chmod 1777 "$CTX/skel/tmp"
chmod 0770 "$CTX/run/tinyproxy" "$CTX/log/tinyproxy"
ln -s ../run "$CTX/skel/var/run"

echo "build-image: podman build -t $IMAGE"
old=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
podman build --quiet -f deploy/Containerfile -t "$IMAGE" "$CTX" >/dev/null
new=$(podman image inspect --format '{{.Id}}' "$IMAGE")
# Drop the image this tag named before, so rebuilds do not pile up.
if [ -n "$old" ] && [ "$old" != "$new" ]; then
  podman rmi "$old" >/dev/null 2>&1 || true
fi
echo "$IMAGE"
