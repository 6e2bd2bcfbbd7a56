#!/usr/bin/env bash
# README's Kubernetes walk-through with the locally built image, under
# `podman kube play` (part of `make test`, after the image test built
# the image): `kubectl kustomize deploy/k8s-local` must name the image
# `make image` built, with imagePullPolicy Never, `podman save` must
# archive it under that name (for `kind load image-archive`), and the
# rendered ConfigMap and Deployment must serve requests.
#
# podman cannot play the rendered objects unchanged on a test machine
# (it would publish port 8888 on every host address, once per replica,
# and run probes from systemd timers), so scripts/kube_play_manifest.py
# makes its usual loopback-only copy of them: one replica, host network,
# `Listen 127.0.0.1` on a free port, no probes.  Everything else -- the
# config, args, securityContext, the mounted ConfigMap -- is as rendered.
#
# Environment: IMAGE (default localhost/tinyproxy-rs:dev), CONTAINERS_CONF
# (default deploy/containers.conf), VENV (.cache/venv).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
IMAGE="${IMAGE:-localhost/tinyproxy-rs:dev}"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$ROOT/deploy/containers.conf}"
VENV="${VENV:-$ROOT/.cache/venv}"
export PATH="$VENV/bin:$PATH"
POD=proxy-server-pod-0

TMP="$(mktemp -d)"
PLAYED=""
ORIGIN_PID=""
PASSED=0
cleanup() {
  [ -n "$PLAYED" ] && podman kube down "$PLAYED" >/dev/null 2>&1
  [ -n "$ORIGIN_PID" ] && kill "$ORIGIN_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "test-kube-play: FAIL: $*" >&2
  echo "test-kube-play: $PASSED passed, 1 failed"
  exit 1
}
pass() {
  echo "test-kube-play: ok: $*"
  PASSED=$((PASSED + 1))
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# Waits (at most $2 seconds) until 127.0.0.1:$1 accepts a connection.
wait_port() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}
pcurl() {
  curl --noproxy '' -sS --max-time 10 -x "http://127.0.0.1:$KPORT" "$@"
}

# ------------------------------------------------ what README deploys
kubectl kustomize deploy/k8s-local > "$TMP/rendered.yaml"
python - "$TMP/rendered.yaml" "$TMP/k8s" <<'EOF'
"""Splits the rendered stream into the files kube_play_manifest.py reads."""
import pathlib, sys, yaml
out = pathlib.Path(sys.argv[2])
out.mkdir()
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if doc["kind"] in ("ConfigMap", "Deployment"):
        (out / f"{doc['kind'].lower()}.yaml").write_text(yaml.safe_dump(doc))
EOF
rendered=$(sed -n 's/^ *image: //p' "$TMP/k8s/deployment.yaml")
policy=$(sed -n 's/^ *imagePullPolicy: //p' "$TMP/k8s/deployment.yaml")
if [ "$rendered" != "$IMAGE" ]; then
  echo "test-kube-play: skipped: deploy/k8s-local deploys $rendered, this run's IMAGE is $IMAGE"
  exit 0
fi
[ "$policy" = Never ] || fail "deploy/k8s-local pulls with '$policy', not Never"
podman image exists "$IMAGE" || fail "no image $IMAGE: run make image first"
pass "kubectl kustomize deploy/k8s-local deploys $IMAGE (pull: Never), which exists"

# README's `podman save ... -o tinyproxy-rs.tar` for `kind load image-archive`:
# the archive must carry the name the Deployment asks for.
podman save -q "$IMAGE" -o "$TMP/tinyproxy-rs.tar"
tags=$(tar -xOf "$TMP/tinyproxy-rs.tar" manifest.json)
grep -qF "\"RepoTags\":[\"$IMAGE\"]" <<<"$tags" || fail "podman save archive names: $tags"
pass "podman save archive is tagged $IMAGE (what kind load imports)"

# ------------------------------------------------------------ kube play
ORIGIN_PORT=$(free_port)
mkdir -p "$TMP/www"
echo "hello through kustomize $$" > "$TMP/www/hello.txt"
python3 -m http.server --bind 127.0.0.1 --directory "$TMP/www" "$ORIGIN_PORT" \
  >"$TMP/origin.log" 2>&1 &
ORIGIN_PID=$!
wait_port "$ORIGIN_PORT" 10 || fail "origin did not start"

KPORT=$(free_port)
python scripts/kube_play_manifest.py "$TMP/k8s" "$rendered" "$KPORT" > "$TMP/play.yaml"
# Never take down a pod of the same name that another test is running:
# wait (at most 30 s) for it to go.
for ((i = 0; i < 300; i++)); do
  podman pod exists "$POD" || break
  sleep 0.1
done
if podman pod exists "$POD"; then
  fail "pod $POD exists already (another test running? else: podman pod rm -f $POD)"
fi
PLAYED="$TMP/play.yaml"
podman kube play "$PLAYED" >/dev/null 2>"$TMP/play.err" || fail "kube play: $(cat "$TMP/play.err")"
wait_port "$KPORT" 20 || fail "pod did not listen: $(podman logs "$POD-tinyproxy" 2>&1 | tail -20)"
pass "podman kube play of the rendered ConfigMap and Deployment listens"

body=$(pcurl "http://127.0.0.1:$ORIGIN_PORT/hello.txt") || fail "GET through the pod failed"
[ "$body" = "hello through kustomize $$" ] || fail "GET through the pod returned '$body'"
pass "GET through the proxy"

# The ConfigMap's config is the one in force: CONNECT only to port 443.
code=$(pcurl -o /dev/null -w '%{http_connect}' -p "http://127.0.0.1:$ORIGIN_PORT/" 2>/dev/null || true)
[ "$code" = 403 ] || fail "CONNECT to port $ORIGIN_PORT answered '$code', want 403 (ConnectPort 443)"
pass "CONNECT to a port other than 443 refused (the ConfigMap's ConnectPort)"

logs=$(podman logs "$POD-tinyproxy" 2>&1)
grep -qF "Refused CONNECT method on port $ORIGIN_PORT" <<<"$logs" \
  || fail "the pod's log does not show the refused CONNECT: $(tail -5 <<<"$logs")"
pass "the pod's log shows the CONNECT"

podman kube down "$PLAYED" >/dev/null 2>&1
PLAYED=""
echo "test-kube-play: $PASSED passed, 0 failed"
