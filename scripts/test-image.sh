#!/usr/bin/env bash
# Tests the container image (part of `make test`).
#
# Always: builds it (scripts/build-image.sh) and checks what the image is:
#   smaller than 5 MB, runs as 65534:65534, CMD ["tinyproxy","-d"], exposes
#   8888, holds exactly the expected files and directories, and its binary
#   starts in a read-only container without capabilities (`tinyproxy -v`).
# With IMAGE_E2E=1 also what the image does, first on 127.0.0.1:
#   * a container (--network host --read-only --cap-drop=ALL, config
#     mounted as a ConfigMap-style directory) proxies a GET and a CONNECT
#     to a local python3 http.server, refuses CONNECT to a port not in
#     ConnectPort, serves the stats page, logs in tinyproxy's format, runs
#     as uid 65534 with no capabilities, reloads when the mounted config is
#     swapped the way the kubelet swaps it (--watch-config), and exits 0
#     on SIGTERM;
#   * `podman kube play` of the Deployment and ConfigMap from deploy/k8s
#     (a loopback-only copy, see scripts/kube_play_manifest.py) serves a
#     GET through the proxy;
# then on a podman network of its own in 100.64.0.0/10:
#   * every real config (../shared/configs/real-world/ and images/) in
#     two situations, beside a tinyproxy stand-in: ours must start and
#     serve wherever tinyproxy does (scripts/test-image-configs.sh);
#   * the vimagick config through `podman kube play` of a bare Deployment
#     and Service serves https_proxy traffic and logs it.
#
# Environment: IMAGE_TEST_TAG (default localhost/tinyproxy-rs:test-PID,
# removed at the end), IMAGE_E2E,
# CONTAINERS_CONF (default deploy/containers.conf), VENV (.cache/venv),
# SHARED_CONFIGS (default ../shared/configs, else /work/shared/configs),
# IMAGE_JOBS (containers started at once in the config test, default 6).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# A tag of our own: the machine's podman storage is shared, and another
# build of localhost/tinyproxy-rs:dev must not swap the image under us.
export IMAGE="${IMAGE_TEST_TAG:-localhost/tinyproxy-rs:test-$$}"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$ROOT/deploy/containers.conf}"
VENV="${VENV:-$ROOT/.cache/venv}"
MAX_BYTES=$((5 * 1024 * 1024))

TMP="$(mktemp -d)"
CTR=""
PLAYED=""
ORIGIN_PID=""
PASSED=0

cleanup() {
  # Set by scripts/test-image-configs.sh once it has something to undo.
  declare -F configs_cleanup >/dev/null && configs_cleanup
  [ -n "$CTR" ] && podman rm -f -t 0 "$CTR" >/dev/null 2>&1
  [ -n "$PLAYED" ] && podman kube down "$PLAYED" >/dev/null 2>&1
  [ -n "$ORIGIN_PID" ] && kill "$ORIGIN_PID" 2>/dev/null
  [ -z "${IMAGE_TEST_TAG:-}" ] && podman rmi -f "$IMAGE" >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "test-image: FAIL: $*" >&2
  echo "test-image: $PASSED passed, 1 failed"
  exit 1
}
pass() {
  echo "test-image: ok: $*"
  PASSED=$((PASSED + 1))
}

# A port that was free a moment ago, from the kernel.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits (at most $2 seconds) until 127.0.0.1:$1 accepts a connection.
wait_port() {
  local port="$1" i
  for ((i = 0; i < $2 * 10; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# Waits (at most $2 seconds) until the container's log contains $1.
wait_log() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    # (not `podman logs | grep -q`: grep's early exit fails the pipe)
    if grep -qF "$1" <<<"$(podman logs "$CTR" 2>&1)"; then return 0; fi
    sleep 0.1
  done
  return 1
}

# curl through the proxy on port $1, ignoring any proxy settings of the
# environment.
pcurl() {
  local port="$1"
  shift
  curl --noproxy '' -sS --max-time 10 -x "http://127.0.0.1:$port" "$@"
}

# ---------------------------------------------------------------- image
bash scripts/build-image.sh >/dev/null

size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
[ "$size" -lt "$MAX_BYTES" ] || fail "image is $size bytes, limit $MAX_BYTES"
pass "image size $size bytes < 5 MB"

user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
[ "$user" = "65534:65534" ] || fail "image user is '$user', want 65534:65534"
pass "image runs as non-root $user"

cmd=$(podman image inspect --format '{{json .Config.Cmd}}' "$IMAGE")
[ "$cmd" = '["tinyproxy","-d"]' ] || fail "image CMD is $cmd"
ports=$(podman image inspect --format '{{json .Config.ExposedPorts}}' "$IMAGE")
[ "$ports" = '{"8888/tcp":{}}' ] || fail "image exposes $ports"
pass "CMD $cmd, exposes 8888/tcp"

mnt=$(podman image mount "$IMAGE")
files=$(cd "$mnt" && find . -type f | sort | tr '\n' ' ')
podman image unmount "$IMAGE" >/dev/null
want="./etc/group ./etc/passwd ./etc/tinyproxy/tinyproxy.conf ./usr/bin/tinyproxy ./usr/share/tinyproxy/default.html ./usr/share/tinyproxy/stats.html "
[ "$files" = "$want" ] || fail "image files: $files"
pass "image holds only the binary, config, templates, passwd and group"

mnt=$(podman image mount "$IMAGE")
dirs=$(cd "$mnt" && stat -c '%n %a %u:%g' tmp run/tinyproxy var/log/tinyproxy | tr '\n' ' ')
varrun=$(readlink "$mnt/var/run")
podman image unmount "$IMAGE" >/dev/null
[ "$dirs" = "tmp 1777 0:0 run/tinyproxy 770 65534:101 var/log/tinyproxy 770 65534:101 " ] \
  || fail "image directories: $dirs"
[ "$varrun" = ../run ] || fail "/var/run is not a symlink to /run: '$varrun'"
pass "image has /tmp, /run/tinyproxy, /var/run -> /run, /var/log/tinyproxy"

version=$(podman run --rm --pull never --network none --read-only --cap-drop=ALL "$IMAGE" tinyproxy -v)
[[ "$version" =~ ^tinyproxy\ [0-9]+\.[0-9]+ ]] || fail "tinyproxy -v printed '$version'"
pass "tinyproxy -v in a read-only container: $version"

# Started as root with an nsswitch.conf that names modules the image does
# not have: the static binary reads /etc/passwd itself, so an unknown User
# is tinyproxy's exit 67 (not a crash in a dlopened NSS module), and a
# known one is switched to.
mkdir -p "$TMP/root-conf"
printf 'passwd: files systemd\ngroup: files systemd\n' > "$TMP/nsswitch.conf"
root_run() { # $1: User/Group lines; prints the output, returns the status
  printf 'Port 8888\nListen 127.0.0.1\n%b\n' "$1" > "$TMP/root-conf/tinyproxy.conf"
  chmod -R a+rX "$TMP/root-conf" "$TMP/nsswitch.conf"
  timeout 20 podman run --rm --pull never --network none --read-only --user 0 \
    -v "$TMP/nsswitch.conf:/etc/nsswitch.conf:ro" -v "$TMP/root-conf:/etc/tinyproxy:ro" \
    "$IMAGE" tinyproxy -d 2>&1
}
status=0
out=$(root_run 'User no-such-user') || status=$?
if [ "$status" != 67 ] || ! grep -qF 'Unable to find user "no-such-user".' <<<"$out"; then
  fail "unknown User as root: status $status: $out"
fi
# (--check parses, then stops before any lookup: start one for real.)
printf 'Port 8888\nListen 127.0.0.1\nUser tinyproxy\nGroup tinyproxy\n' > "$TMP/root-conf/tinyproxy.conf"
CTR="tinyproxy-rs-root-$$"
podman run -d --pull never --name "$CTR" --network none --read-only --user 0 \
  -v "$TMP/nsswitch.conf:/etc/nsswitch.conf:ro" -v "$TMP/root-conf:/etc/tinyproxy:ro" \
  "$IMAGE" >/dev/null
wait_log 'Now running as user "tinyproxy".' 20 || fail "root did not switch to tinyproxy: $(podman logs "$CTR" 2>&1 | tail -5)"
podman rm -f -t 0 "$CTR" >/dev/null
CTR=""
pass "as root with 'passwd: files systemd': unknown User exits 67, User tinyproxy is switched to"

if [ "${IMAGE_E2E:-0}" != 1 ]; then
  echo "test-image: end-to-end part skipped (IMAGE_E2E=1 switches it on)"
  echo "test-image: $PASSED passed, 0 failed"
  exit 0
fi

# ----------------------------------------------------------- end to end
ORIGIN_PORT=$(free_port)
mkdir -p "$TMP/www"
echo "hello from the origin $$" > "$TMP/www/hello.txt"
python3 -m http.server --bind 127.0.0.1 --directory "$TMP/www" "$ORIGIN_PORT" \
  >"$TMP/origin.log" 2>&1 &
ORIGIN_PID=$!
wait_port "$ORIGIN_PORT" 10 || fail "origin did not start"

# The config directory is laid out like a mounted ConfigMap:
# tinyproxy.conf -> ..data/tinyproxy.conf, ..data -> a versioned directory.
PORT=$(free_port)
write_conf() { # $1: version directory, $2: ViaProxyName
  mkdir -p "$TMP/conf/$1"
  sed -e "s/^Port .*/Port $PORT/" -e "s/^ViaProxyName .*/ViaProxyName \"$2\"/" \
    conf/tinyproxy.conf > "$TMP/conf/$1/tinyproxy.conf"
  printf 'Listen 127.0.0.1\nConnectPort %s\n' "$ORIGIN_PORT" >> "$TMP/conf/$1/tinyproxy.conf"
  chmod -R a+rX "$TMP/conf"
}
write_conf v1 before-reload
ln -s v1 "$TMP/conf/..data"
ln -s ..data/tinyproxy.conf "$TMP/conf/tinyproxy.conf"

CTR="tinyproxy-rs-test-$$"
podman run -d --pull never --name "$CTR" --network host --read-only --cap-drop=ALL \
  --security-opt no-new-privileges -v "$TMP/conf:/etc/tinyproxy:ro" \
  "$IMAGE" tinyproxy -d --watch-config >/dev/null
wait_port "$PORT" 20 || fail "proxy did not listen on $PORT: $(podman logs "$CTR" 2>&1 | tail -20)"
pass "container listens on 127.0.0.1:$PORT (read-only, no capabilities)"

pid=$(podman inspect --format '{{.State.Pid}}' "$CTR")
grep -qE '^Uid:\s+65534\s' "/proc/$pid/status" || fail "proxy process is not uid 65534"
grep -qE '^CapEff:\s+0+$' "/proc/$pid/status" || fail "proxy process has capabilities"
pass "proxy process runs as uid 65534 with no effective capabilities"

body=$(pcurl "$PORT" "http://127.0.0.1:$ORIGIN_PORT/hello.txt") || fail "GET through the proxy failed"
[ "$body" = "hello from the origin $$" ] || fail "GET returned '$body'"
pass "GET through the proxy"

body=$(pcurl "$PORT" -p "http://127.0.0.1:$ORIGIN_PORT/hello.txt") || fail "CONNECT through the proxy failed"
[ "$body" = "hello from the origin $$" ] || fail "CONNECT tunnel returned '$body'"
pass "CONNECT tunnel through the proxy"

code=$(pcurl "$PORT" -p -o /dev/null -w '%{http_connect}' "http://127.0.0.1:9/" 2>/dev/null || true)
[ "$code" = 403 ] || fail "CONNECT to a port not in ConnectPort answered '$code', want 403"
pass "CONNECT to a port not in ConnectPort refused with 403"

stats=$(pcurl "$PORT" http://tinyproxy.stats/) || fail "stats page request failed"
grep -q 'Client connections open now' <<<"$stats" || fail "stats page is not our template: $stats"
pass "stats page from the image's template"

logs=$(podman logs "$CTR" 2>&1)
grep -qE '^CONNECT   [A-Z][a-z]{2} [0-9]{2} [0-9:.]{12} \[[0-9]+\]: Connect \(file descriptor [0-9]+\): 127\.0\.0\.1$' <<<"$logs" \
  || fail "no tinyproxy-format CONNECT log line: $(tail -5 <<<"$logs")"
pass "log lines on stdout in tinyproxy's format"

# Swap the config the way the kubelet does: new directory, then an atomic
# rename of the ..data symlink.
write_conf v2 after-reload
ln -s v2 "$TMP/conf/..data_tmp"
mv -T "$TMP/conf/..data_tmp" "$TMP/conf/..data"
wait_log "Setting \"Via\" header to 'after-reload'" 30 || fail "--watch-config did not reload: $(podman logs "$CTR" 2>&1 | tail -5)"
pass "--watch-config reloads after a ConfigMap-style symlink swap"

podman stop -t 15 "$CTR" >/dev/null
status=$(podman inspect --format '{{.State.ExitCode}}' "$CTR")
[ "$status" = 0 ] || fail "exit status after SIGTERM is $status"
podman rm "$CTR" >/dev/null
CTR=""
pass "SIGTERM: exit status 0"

# ------------------------------------------------------------ kube play
KPORT=$(free_port)
"$VENV/bin/python" scripts/kube_play_manifest.py deploy/k8s "$IMAGE" "$KPORT" > "$TMP/play.yaml"
PLAYED="$TMP/play.yaml"
# A pod left over by an interrupted earlier run would block the name.
podman kube down "$PLAYED" >/dev/null 2>&1 || true
podman kube play "$PLAYED" >/dev/null 2>"$TMP/play.err" || fail "kube play: $(cat "$TMP/play.err")"
wait_port "$KPORT" 20 || fail "kube play pod did not listen: $(podman logs proxy-server-pod-0-tinyproxy 2>&1 | tail -20)"
body=$(pcurl "$KPORT" "http://127.0.0.1:$ORIGIN_PORT/hello.txt") || fail "GET through the kube play pod failed"
[ "$body" = "hello from the origin $$" ] || fail "GET through the kube play pod returned '$body'"
podman kube down "$PLAYED" >/dev/null 2>&1
PLAYED=""
pass "podman kube play of deploy/k8s serves a GET"

# shellcheck source=scripts/test-image-configs.sh
. "$ROOT/scripts/test-image-configs.sh"

echo "test-image: $PASSED passed, 0 failed"
