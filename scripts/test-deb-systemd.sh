#!/usr/bin/env bash
# Tests the Debian package under a real systemd: the cached Debian 12 root
# (scripts/debian-root.sh) as a podman image with systemd installed, booted
# with systemd as its init, with no network but its own loopback.
#
# In it, Debian's tinyproxy is installed and running; the config is changed
# (0640 root:tinyproxy); then `apt-get install ./tinyproxy-rs_*.deb`.
# Checked: the package's postinst enabled and started tinyproxy.service, in
# the unit's sandbox, as User tinyproxy, with our binary and Debian's
# daemon gone; the proxy answers; `systemctl reload` reloads and refuses a
# broken config (the proxy keeps running); logrotate with the package's
# file rotates and the proxy reopens its log; systemd-analyze security
# rates the running unit; stop removes the pid file, and it starts again.
#
# The prepared image is kept (localhost/tinyproxy-rs-debian-systemd, tagged
# by the root's hash); the container is removed on exit.  Needs root and
# podman (deploy/containers.conf settings).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "test-deb-systemd: needs root (chroot, mmdebstrap, podman)" >&2; exit 1; }
# shellcheck source=scripts/deb-test-lib.sh
. "$ROOT/scripts/deb-test-lib.sh"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$ROOT/deploy/containers.conf}"
VERSION=$(cargo_version "$ROOT")
DEB=$(deb_path "$ROOT")
[ -f "$DEB" ] || { echo "test-deb-systemd: $DEB missing; run 'make deb'" >&2; exit 1; }
echo "test-deb-systemd: $DEB"

TAR=$(bash "$ROOT/scripts/debian-root.sh")
IMAGE="localhost/tinyproxy-rs-debian-systemd:$(head -c 12 "$TAR.sha256")"
CTR="tinyproxy-rs-deb-systemd-$$"
PREP="$CTR-prep"
cleanup() {
  local c
  for c in "$CTR" "$PREP"; do
    podman rm --ignore -f -t 0 "$c" >/dev/null 2>&1 || true
  done
  podman rmi --ignore "localhost/tinyproxy-rs-debian-root:$$" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The root plus systemd, from its apt cache (no network in the container).
if ! podman image exists "$IMAGE"; then
  podman import -q "$TAR" "localhost/tinyproxy-rs-debian-root:$$" >/dev/null
  podman run --name "$PREP" --network none "localhost/tinyproxy-rs-debian-root:$$" \
    env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    systemd systemd-sysv procps curl >/dev/null
  podman commit -q "$PREP" "$IMAGE" >/dev/null
fi

podman run -d --name "$CTR" --network none --systemd=always "$IMAGE" /lib/systemd/systemd >/dev/null
in_ctr() { podman exec "$CTR" "$@"; }
booted() { [[ "$(in_ctr systemctl is-system-running 2>/dev/null)" =~ ^(running|degraded)$ ]]; }
check "systemd boots in the container" wait_for booted
apt_in_ctr() {
  in_ctr env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
    </dev/null >>"$ROOT/.cache/test-deb-systemd.apt.log" 2>&1
}
mkdir -p "$ROOT/.cache"
: > "$ROOT/.cache/test-deb-systemd.apt.log"

check "Debian's tinyproxy installs and runs" apt_in_ctr tinyproxy
active() { [ "$(in_ctr systemctl is-active tinyproxy.service)" = active ]; }
check "Debian's tinyproxy.service is active" wait_for active
conf=/etc/tinyproxy/tinyproxy.conf
in_ctr sh -c "sed -i '1i # changed by the admin' $conf && chgrp tinyproxy $conf && chmod 0640 $conf"
conf_sum=$(in_ctr sha256sum "$conf")

podman cp "$DEB" "$CTR:/tmp/"
check "apt-get install ./tinyproxy-rs_${VERSION}_amd64.deb" apt_in_ctr "/tmp/$(basename "$DEB")"
check "changed tinyproxy.conf kept" [ "$(in_ctr sha256sum "$conf")" = "$conf_sum" ]
check "tinyproxy.service enabled" [ "$(in_ctr systemctl is-enabled tinyproxy.service)" = enabled ]
check "tinyproxy.service started" wait_for active
mainpid() { in_ctr systemctl show -p MainPID --value tinyproxy.service; }
PID=$(mainpid)
# (/proc/PID/exe of a process that switched user is not readable here.)
ours() {
  in_ctr /usr/bin/tinyproxy -v | grep -q "(tinyproxy-rs $VERSION)" &&
    in_ctr cat "/proc/$PID/cmdline" | tr '\0' ' ' | grep -q '^/usr/bin/tinyproxy -d '
}
check "the running proxy is ours, started from the unit's ExecStart" ours
check "Debian's daemon is gone: one tinyproxy process" [ "$(in_ctr pgrep -c -x tinyproxy)" = 1 ]
check "it runs as User tinyproxy" [ "$(in_ctr ps -o user= -p "$PID")" = tinyproxy ]
caps() { in_ctr cat "/proc/$PID/status" | awk '$1 == "CapBnd:" { print $2 }'; }
# CAP_SETGID (6), CAP_SETUID (7), CAP_NET_BIND_SERVICE (10).
check "its bounding set is the unit's three capabilities" [ "$(caps)" = 00000000000004c0 ]
stats() { in_ctr curl -sS --max-time 10 -x http://127.0.0.1:8888 http://tinyproxy.stats/; }
serves() { stats | grep -q "tinyproxy-rs\|statistics"; }
check "the proxy answers on 127.0.0.1:8888" wait_for serves

log=/var/log/tinyproxy/tinyproxy.log
reloads() { in_ctr grep -c "Reloading config file finished" "$log" || true; }
before=$(reloads)
check "systemctl reload" in_ctr systemctl reload tinyproxy.service
reloaded() { [ "$(reloads)" -gt "$before" ]; }
check "reload re-read the config" wait_for reloaded
in_ctr sh -c "echo 'NoSuchDirective yes' >> $conf"
check "systemctl reload refuses a broken config" bash -c "! podman exec '$CTR' systemctl reload tinyproxy.service 2>/dev/null"
check "and the proxy keeps running" [ "$(mainpid)" = "$PID" ]
# shellcheck disable=SC2016 # sed's $ (last line)
in_ctr sed -i '$d' "$conf"

check "logrotate -f /etc/logrotate.d/tinyproxy" in_ctr logrotate -f /etc/logrotate.d/tinyproxy
check "log rotated" in_ctr test -f "$log.1"
reopened() { in_ctr grep -qs "Reloading config file finished" "$log"; }
check "the proxy reopened its log (systemctl reload from postrotate)" wait_for reopened

exposure=$(in_ctr systemd-analyze security tinyproxy.service 2>/dev/null |
  sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
echo "     systemd-analyze security (running unit): exposure $exposure"
check "exposure <= 2.5" awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.5) }'

# FLAGS from /etc/default/tinyproxy names another config.  (systemd does
# not expand "-c $CONFIG" there, as Debian's file suggests: neither unit
# could use that.)
in_ctr sh -c "sed 's/^Port 8888\$/Port 8899/' $conf > /etc/tinyproxy/other.conf &&
  chgrp tinyproxy /etc/tinyproxy/other.conf && chmod 0640 /etc/tinyproxy/other.conf &&
  echo 'FLAGS=\"-c /etc/tinyproxy/other.conf\"' >> /etc/default/tinyproxy"
check "systemctl restart with FLAGS in /etc/default/tinyproxy" in_ctr systemctl restart tinyproxy.service
on_8899() { in_ctr curl -s --max-time 10 -x http://127.0.0.1:8899 http://tinyproxy.stats/ | grep -q statistics; }
check "FLAGS -c picked the other config (port 8899)" wait_for on_8899
in_ctr sed -i '/^FLAGS=/d' /etc/default/tinyproxy

check "systemctl stop" in_ctr systemctl stop tinyproxy.service
check "stop removed the pid file" bash -c "! podman exec '$CTR' test -e /run/tinyproxy/tinyproxy.pid"
check "systemctl start" in_ctr systemctl start tinyproxy.service
check "started again and answers" wait_for serves

if [ "$FAILED" != 0 ]; then
  echo "--- journal"; in_ctr journalctl -u tinyproxy.service --no-pager | tail -n 30 || true
  echo "--- apt log"; tail -n 30 "$ROOT/.cache/test-deb-systemd.apt.log"
fi
# The container must be gone, not just asked to go.
cleanup
check "container removed" bash -c "! podman container exists '$CTR'"
summary test-deb-systemd
