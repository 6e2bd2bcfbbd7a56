#!/usr/bin/env bash
# Tests the Debian package in a real Debian 12 root, never on the host.
#
#   1. lintian on the .deb: no error, no warning (overrides carry reasons);
#      systemd-analyze verify and security on its unit.
#   2. A fresh copy of the cached root (scripts/debian-root.sh) gets Debian's
#      tinyproxy, a changed /etc/tinyproxy/tinyproxy.conf (0640
#      root:tinyproxy) and /etc/default/tinyproxy (FLAGS), then
#      `apt-get install ./tinyproxy-rs_*.deb` with no terminal (a conffile
#      question would fail it).  Checked: Debian's packages are gone,
#      /usr/bin/tinyproxy is ours, the changed files are byte for byte the
#      same, --check accepts the config.
#   3. The proxy is started from the unit's ExecStart line (FLAGS from
#      /etc/default/tinyproxy, with the unit's capability bounding set and
#      no-new-privs; services never start by themselves: policy-rc.d) and
#      serves a GET on 127.0.0.1 as User tinyproxy; logrotate with the
#      package's file rotates the log and SIGUSR1 makes the proxy reopen
#      it; the unit's ExecReload lines reload; SIGTERM removes the pid file.
#      Purging Debian's leftover package deletes the user; a reinstall of
#      ours brings it back.
#   4. `apt-get remove tinyproxy-rs` then `apt-get install tinyproxy` give
#      Debian's back, with the changed config still in place.
#
# The chroot shares the host's network namespace (loopback only is used)
# but runs in its own mount namespace, so /proc and /dev mounts vanish with
# it; the copy is removed on exit.  The host's /usr/bin/tinyproxy is
# checked to be unchanged.  Needs root.
#
# Environment: DEB (default: $CARGO_TARGET_DIR/debian/tinyproxy-rs_VERSION_amd64.deb);
# TEST_DEB_KEEP=1 leaves the root (unmounted) under .cache/ to look at.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "test-deb: needs root (chroot, mmdebstrap, podman)" >&2; exit 1; }
# Everything runs in a private mount namespace (see above).
if [ -z "${TEST_DEB_IN_NS:-}" ]; then
  export TEST_DEB_IN_NS=1
  exec unshare --mount --propagation private -- "$BASH" "${BASH_SOURCE[0]}" "$@"
fi

# shellcheck source=scripts/deb-test-lib.sh
. "$ROOT/scripts/deb-test-lib.sh"
VERSION=$(cargo_version "$ROOT")
DEB=$(deb_path "$ROOT")
UNIT=lib/systemd/system/tinyproxy.service

host_sum() { sha256sum /usr/bin/tinyproxy 2>/dev/null | cut -d' ' -f1 || true; }
HOST_SUM_BEFORE=$(host_sum)

WORK=""
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$WORK" ]; then
    for m in dev/pts dev proc; do
      umount "$WORK/root/$m" 2>/dev/null || true
    done
    if [ -n "${TEST_DEB_KEEP:-}" ]; then
      echo "test-deb: kept $WORK"
    else
      rm -rf --one-file-system "$WORK"
    fi
  fi
}
trap cleanup EXIT

[ -f "$DEB" ] || { echo "test-deb: $DEB missing; run 'make deb'" >&2; exit 1; }
echo "test-deb: $DEB"
mkdir -p "$ROOT/.cache"
WORK=$(mktemp -d "$ROOT/.cache/test-deb.XXXXXX")

# ------------------------------------------------------------ 1. lint
lint() {
  local out
  out=$(lintian --fail-on error,warning --display-info "$DEB" 2>&1 | grep -v 'root privileges')
  [ -z "$out" ] || echo "$out"
  ! grep -q '^[EW]:' <<<"$out"
}
check "lintian: no error or warning" lint

# The unit as packaged, with ExecStart pointing at the packaged binary.
unit_dir="$WORK/unit"
mkdir "$unit_dir"
dpkg-deb -x "$DEB" "$unit_dir/pkg"
sed "s|/usr/bin/tinyproxy|$unit_dir/pkg/usr/bin/tinyproxy|g" "$unit_dir/pkg/$UNIT" \
  > "$unit_dir/tinyproxy.service"
# Any output (a warning) counts as a failure.
verify() {
  local out
  out=$(systemd-analyze verify "$unit_dir/tinyproxy.service" 2>&1)
  [ -z "$out" ] || { echo "$out"; return 1; }
}
check "systemd-analyze verify" verify
exposure=$(systemd-analyze security --offline=true "$unit_dir/tinyproxy.service" 2>/dev/null |
  sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
echo "     systemd-analyze security: exposure $exposure"
check "systemd-analyze security: exposure <= 2.5" \
  awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.5) }'
# ---------------------------------------------------- 2. replace Debian's
TAR=$(bash "$ROOT/scripts/debian-root.sh")
R="$WORK/root"
mkdir "$R"
tar -C "$R" -xf "$TAR"
mount -t proc proc "$R/proc"
mount --bind /dev "$R/dev"
mount --bind /dev/pts "$R/dev/pts"
printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"
chmod 755 "$R/usr/sbin/policy-rc.d"
cp "$DEB" "$R/tmp/"

ROOT_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive)
in_root() { chroot "$R" "${ROOT_ENV[@]}" "$@"; }
apt_in_root() { in_root apt-get -q -y --no-install-recommends "$@" </dev/null >>"$WORK/apt.log" 2>&1; }
# shellcheck disable=SC2016 # ${...} is dpkg-query's format, not the shell's
status_of() { in_root dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || echo not-installed; }

# Free port on 127.0.0.1 below the ephemeral range.
free_port() {
  python3 - <<'EOF'
import random, socket
for _ in range(200):
    port = random.randint(20000, 30000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port)); print(port); break
    except OSError:
        continue
    finally:
        s.close()
EOF
}
PORT=$(free_port)
ORIGIN_PORT=$(free_port)

check "Debian's tinyproxy installs in the root" apt_in_root install tinyproxy
debians_binary() { chroot "$R" /usr/bin/tinyproxy -v | grep -qx 'tinyproxy 1.11.1'; }
check "Debian's binary is the C one" debians_binary

conf=/etc/tinyproxy/tinyproxy.conf
sed -i -e "s/^Port 8888$/Port $PORT/" -e '1i # changed by the admin' "$R$conf"
printf 'Listen 127.0.0.1\n' >> "$R$conf"
in_root chown root:tinyproxy "$conf"
chmod 0640 "$R$conf"
echo "FLAGS=\"-c $conf\"" >> "$R/etc/default/tinyproxy"
conf_sum=$(sha256sum < "$R$conf")
default_sum=$(sha256sum < "$R/etc/default/tinyproxy")

check "apt-get install ./tinyproxy-rs_${VERSION}_amd64.deb (no terminal, no question)" \
  apt_in_root install "/tmp/$(basename "$DEB")"
check "Debian's tinyproxy is removed" [ "$(status_of tinyproxy)" != installed ]
check "Debian's tinyproxy-bin is removed" [ "$(status_of tinyproxy-bin)" != installed ]
check "tinyproxy-rs is installed" [ "$(status_of tinyproxy-rs)" = installed ]
ours() { chroot "$R" /usr/bin/tinyproxy -v | grep -q "(tinyproxy-rs $VERSION)"; }
check "/usr/bin/tinyproxy -v is ours" ours
check "changed tinyproxy.conf kept byte for byte" [ "$(sha256sum < "$R$conf")" = "$conf_sum" ]
# Names as the root's /etc/passwd and /etc/group have them.
stat_in_root() { in_root stat -c "$1" "$2" 2>/dev/null || true; }
check "changed tinyproxy.conf keeps 0640 root:tinyproxy" \
  [ "$(stat_in_root '%a %U:%G' "$conf")" = "640 root:tinyproxy" ]
check "changed /etc/default/tinyproxy kept" [ "$(sha256sum < "$R/etc/default/tinyproxy")" = "$default_sum" ]
check "our tinyproxy.conf is beside it as .dpkg-dist" [ -f "$R$conf.dpkg-dist" ]
check "unchanged Debian logrotate file replaced by ours" \
  cmp -s "$R/etc/logrotate.d/tinyproxy" "$ROOT/debian/tinyproxy-rs.tinyproxy.logrotate"
has_user() { in_root getent passwd tinyproxy >/dev/null; }
check "tinyproxy user and group exist" has_user
check "/var/log/tinyproxy is tinyproxy's" \
  [ "$(stat_in_root '%U:%G %a' /var/log/tinyproxy)" = "tinyproxy:tinyproxy 750" ]
check "--check accepts the kept config" in_root /usr/bin/tinyproxy --check -c "$conf"

# --------------------------------------------- 3. run as the unit does
# A unit line with $FLAGS expanded from /etc/default/tinyproxy (sourced as
# systemd's EnvironmentFile would be), run under the unit's capability
# bounding set and no-new-privs.
unit_lines() { sed -n "s/^$1=//p" "$R/$UNIT"; }
# A line with systemd's "+" prefix runs with full privileges.
unit_script() {
  local sandbox="setpriv --bounding-set=-all,+net_bind_service,+setuid,+setgid --no-new-privs --"
  echo "set -a; [ ! -f /etc/default/tinyproxy ] || . /etc/default/tinyproxy; set +a"
  case "$1" in
    +*) echo "exec ${1#+}" ;;
    *) echo "exec $sandbox $1" ;;
  esac
}
run_unit_line() { in_root /bin/sh -c "$(unit_script "$1")" </dev/null; }
# systemd-tmpfiles is not in the root: make what the package's tmpfiles.d says.
while read -r type path mode user group _; do
  [ "$type" = d ] && in_root install -d -m "$mode" -o "$user" -g "$group" "$path"
done < <(grep -v '^#' "$R/usr/lib/tmpfiles.d/tinyproxy-rs.conf")

check "ExecStartPre (--check with FLAGS) passes" run_unit_line "$(unit_lines ExecStartPre)"
# The same line with FLAGS naming a missing file must fail.
flags_win() {
  ! in_root /bin/sh -c "FLAGS='-c /etc/tinyproxy/missing.conf'; exec $(unit_lines ExecStartPre)" \
    >/dev/null 2>&1
}
check "a -c in FLAGS wins over the unit's -c" flags_win

mkdir "$WORK/www"
echo "hello from the origin" > "$WORK/www/hello.txt"
python3 -m http.server --bind 127.0.0.1 --directory "$WORK/www" "$ORIGIN_PORT" \
  >"$WORK/origin.log" 2>&1 &
PIDS+=($!)
# chroot, env, sh and setpriv all exec: $! is the proxy's pid.
(exec chroot "$R" "${ROOT_ENV[@]}" /bin/sh -c "$(unit_script "$(unit_lines ExecStart)")") \
  >"$WORK/proxy.out" 2>&1 &
PROXY=$!
PIDS+=("$PROXY")
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
check "origin listens" wait_for listening "$ORIGIN_PORT"
check "proxy started from ExecStart listens on 127.0.0.1:$PORT" wait_for listening "$PORT"
get() {
  curl -sS --max-time 10 --noproxy '' -x "http://127.0.0.1:$PORT" \
    "http://127.0.0.1:$ORIGIN_PORT/hello.txt"
}
get_ok() { [ "$(get)" = "hello from the origin" ]; }
check "GET through the proxy returns the origin's body" get_ok
runs_as_tinyproxy() {
  local uid
  uid=$(in_root id -u tinyproxy)
  awk -v u="$uid" '$1 == "Uid:" { exit !($2 == u && $3 == u) }' "/proc/$PROXY/status"
}
check "proxy runs as User tinyproxy" runs_as_tinyproxy
check "pid file holds the proxy's pid" [ "$(cat "$R/run/tinyproxy/tinyproxy.pid" 2>/dev/null)" = "$PROXY" ]
log="$R/var/log/tinyproxy/tinyproxy.log"
check "log file created by User tinyproxy" \
  [ "$(stat_in_root %U /var/log/tinyproxy/tinyproxy.log)" = tinyproxy ]
check "log has the request" wait_for grep -qs "hello.txt" "$log"

# logrotate with the package's file: rotate, then SIGUSR1 (no systemd in
# the root: the postrotate script signals the pid in the PidFile).
check "logrotate -f /etc/logrotate.d/tinyproxy" in_root logrotate -f /etc/logrotate.d/tinyproxy
check "log rotated to tinyproxy.log.1" [ -f "$log.1" ]
check "SIGUSR1 from postrotate reopened the log" wait_for grep -qs "Reloading config file" "$log"
get >/dev/null || true
check "new requests go to the new log" wait_for grep -qs "hello.txt" "$log"
mainpid_lines() { unit_lines ExecReload | sed "s/\\\$MAINPID/$PROXY/"; }
reloaded_twice() { [ "$(grep -c 'Reloading config file finished' "$log")" -ge 2 ]; }
reload_ok() {
  local line
  while read -r line; do run_unit_line "$line" || return 1; done < <(mainpid_lines)
  wait_for reloaded_twice
}
check "ExecReload (--check, then SIGUSR1) reloads" reload_ok
kill -TERM "$PROXY" 2>/dev/null || true
gone() { ! kill -0 "$PROXY" 2>/dev/null; }
check "SIGTERM: the proxy exits" wait_for gone
check "SIGTERM: pid file removed" [ ! -e "$R/run/tinyproxy/tinyproxy.pid" ]

# Purging the leftover tinyproxy package deletes the user and the logs
# (README says so); reinstalling ours makes them again.
purge_deletes_user() { in_root dpkg --purge tinyproxy >>"$WORK/apt.log" 2>&1 && ! in_root getent passwd tinyproxy >/dev/null; }
check "purging Debian's leftover tinyproxy deletes the tinyproxy user" purge_deletes_user
check "apt-get install --reinstall ./tinyproxy-rs_${VERSION}_amd64.deb" \
  apt_in_root install --reinstall "/tmp/$(basename "$DEB")"
check "reinstall: tinyproxy user back" has_user
check "reinstall: /var/log/tinyproxy is tinyproxy's again" \
  [ "$(stat_in_root '%U:%G %a' /var/log/tinyproxy)" = "tinyproxy:tinyproxy 750" ]
check "reinstall: changed tinyproxy.conf kept" [ "$(sha256sum < "$R$conf")" = "$conf_sum" ]

# ------------------------------------------------------ 4. and back again
check "apt-get remove tinyproxy-rs" apt_in_root remove tinyproxy-rs
# Debian's package asks about the conffiles that differ from its own;
# --force-confold is the answer that keeps them (the prompt's default).
check "apt-get install tinyproxy (Debian's), keeping the config" \
  apt_in_root -o Dpkg::Options::=--force-confold install tinyproxy
check "Debian's tinyproxy is back" [ "$(status_of tinyproxy)" = installed ]
check "Debian's binary is back" debians_binary
check "changed tinyproxy.conf still in place" [ "$(sha256sum < "$R$conf")" = "$conf_sum" ]

check "host /usr/bin/tinyproxy unchanged" [ "$(host_sum)" = "$HOST_SUM_BEFORE" ]
if [ "$FAILED" != 0 ]; then
  echo "--- apt log (last 40 lines)"; tail -n 40 "$WORK/apt.log"
  echo "--- proxy output"; cat "$WORK/proxy.out"
  echo "--- log files"; tail -n 20 "$R"/var/log/tinyproxy/* 2>/dev/null || true
fi
summary test-deb
