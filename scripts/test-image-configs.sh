# shellcheck shell=bash
# Part of scripts/test-image.sh (sourced; uses its IMAGE, TMP, fail, pass,
# pcurl helpers): the image against the configs people really mount.
#
# Every config in $SHARED_CONFIGS/real-world/ and images/ (skipped when
# absent) is mounted read-only at /etc/tinyproxy/ the way a ConfigMap is,
# in two situations:
#   bare  the blueprint's bare pod: the image's own user, writable root;
#   k8s   deploy/k8s's securityContext: uid 65534, read-only root, no
#         capabilities, emptyDirs at /tmp, /run/tinyproxy, /var/log/tinyproxy.
# Beside each runs a tinyproxy stand-in for the vimagick/tinyproxy image:
# Debian's /usr/bin/tinyproxy with its libraries, the same accounts and
# directories as our image, started as root with -d (the image's default),
# the same root filesystem and mounts.  It is built FROM scratch from host
# files: no registry is reachable.
#
# All containers sit on a podman network in 100.64.0.0/10 (CGNAT, not RFC
# 1918); the client is the host on the network's gateway address, so every
# request comes from a non-RFC 1918 address.  The origin (the same gateway
# address) serves HTTP on port 80 and HTTPS on 443.  Per config and
# situation we record: starts, serves a GET, serves a CONNECT (https through
# the tunnel), logs the connection (stdout/stderr or the LogFile).  The test
# fails where the stand-in does one of these and ours does not.
#
# Placeholders some configs carry (${AIBOX_PORT}, <login>...) are filled
# in; the client always offers the Basic credentials filled in for them.

CONFIGS_NET=""
CONFIGS_ORIGIN_PID=""
CONFIGS_PLAYED=""
STANDIN="localhost/tinyproxy-standin:test-$$"
CASE_PREFIX="tprs-cfg-$$"

configs_cleanup() {
  local c
  for c in $(podman ps -a --format '{{.Names}}' | grep "^$CASE_PREFIX-" || true); do
    podman rm -f -t 0 "$c" >/dev/null 2>&1 || true
  done
  [ -n "$CONFIGS_PLAYED" ] && podman kube down "$CONFIGS_PLAYED" >/dev/null 2>&1
  [ -n "$CONFIGS_ORIGIN_PID" ] && kill "$CONFIGS_ORIGIN_PID" 2>/dev/null
  [ -n "$CONFIGS_NET" ] && podman network rm -f "$CONFIGS_NET" >/dev/null 2>&1
  podman rmi -f "$STANDIN" >/dev/null 2>&1
  return 0
}

shared_configs() {
  local d
  for d in "${SHARED_CONFIGS:-}" "$ROOT/../shared/configs" /work/shared/configs; do
    if [ -n "$d" ] && [ -d "$d/real-world" ]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

# The stand-in image: Debian's tinyproxy, its shared libraries and
# templates, our image's accounts and directories (.cache/image-context,
# left by scripts/build-image.sh).
build_standin() {
  local ctx="$TMP/standin" lib
  mkdir -p "$ctx/root/usr/bin" "$ctx/root/usr/share/tinyproxy" "$ctx/root/etc/tinyproxy"
  cp /usr/bin/tinyproxy "$ctx/root/usr/bin/"
  for lib in $(ldd /usr/bin/tinyproxy | grep -o '/[^ ]*'); do
    cp --parents -L "$lib" "$ctx/root/"
  done
  cp /usr/share/tinyproxy/*.html "$ctx/root/usr/share/tinyproxy/"
  cp -a "$ROOT/.cache/image-context/"{skel,run,log,passwd,group} "$ctx/"
  cat > "$ctx/Containerfile" <<'CF'
FROM scratch
COPY skel/ /
COPY --chown=65534:101 run/ /run/
COPY --chown=65534:101 log/ /var/log/
COPY passwd group /etc/
COPY root/ /
ENV PATH=/usr/bin
CMD ["tinyproxy", "-d"]
CF
  podman build --quiet -t "$STANDIN" "$ctx" >/dev/null
}

# A network in 100.64.0.0/10 that no other network on this host uses.
make_network() {
  local n
  for n in $(shuf -i 20-250 -n 8); do
    if podman network create --disable-dns --subnet "100.64.$n.0/24" \
      --gateway "100.64.$n.1" "$CASE_PREFIX" >/dev/null 2>&1; then
      CONFIGS_NET="$CASE_PREFIX"
      GW="100.64.$n.1"
      NETPFX="100.64.$n"
      return 0
    fi
  done
  return 1
}

# HTTP on $GW:80 and HTTPS (self-signed) on $GW:443 and :8443; the answer
# says which Via header the request carried (X-Seen-Via).  IP_FREEBIND: the
# bridge gets its address only when the first container starts.
start_origin() {
  mkdir -p "$TMP/origin"
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=origin -days 1 \
    -keyout "$TMP/origin/key.pem" -out "$TMP/origin/cert.pem" >/dev/null 2>&1
  python3 - "$GW" "$TMP/origin" "$ORIGIN_TEXT" >"$TMP/origin/log" 2>&1 <<'PY' &
import http.server, socket, ssl, sys, threading
gw, d, text = sys.argv[1], sys.argv[2], sys.argv[3].encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("X-Seen-Via", self.headers.get("Via", "none"))
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)
    def log_message(self, *a):
        pass
class S(http.server.ThreadingHTTPServer):
    def server_bind(self):
        self.socket.setsockopt(socket.SOL_IP, 15, 1)  # IP_FREEBIND
        super().server_bind()
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(d + "/cert.pem", d + "/key.pem")
servers = [S((gw, 80), H), S((gw, 443), H), S((gw, 8443), H)]
for tls in servers[1:]:
    tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
for srv in servers[1:]:
    threading.Thread(target=srv.serve_forever, daemon=True).start()
servers[0].serve_forever()
PY
  CONFIGS_ORIGIN_PID=$!
}

# The config as mounted: placeholders filled in, CRLF kept as it is.
fill_placeholders() {
  # shellcheck disable=SC2016 # the ${...} are the configs' own text
  sed -e 's/\${AIBOX_PORT}/8888/g' -e 's|\${AIBOX_DIR}|/tmp|g' \
    -e 's/<login>/proxyuser/g' -e 's/<password>/proxypass/g' "$1"
}

# The last Port of a config (8888 without one: tinyproxy refuses to start
# then anyway).
conf_port() {
  local p
  p=$(tr -d '\r' < "$1" | grep -iE '^[[:space:]]*port[[:space:]]+[0-9]+' | tail -1 | awk '{print $2}')
  echo "${p:-8888}"
}

conf_logfile() {
  tr -d '\r' < "$1" | grep -iE '^[[:space:]]*logfile[[:space:]]' | tail -1 \
    | sed -E 's/^[[:space:]]*[Ll][Oo][Gg][Ff][Ii][Ll][Ee][[:space:]]+"?([^"]*)"?.*/\1/'
}

# The LogFile's text after the run, wherever the situation keeps it.
read_logfile() { # $1 ctr, $2 situation, $3 case dir, $4 path
  local path="$4"
  [ -n "$path" ] || return 0
  if [ "$2" = bare ]; then
    podman cp "$1:$path" - 2>/dev/null | tar -xO 2>/dev/null || true
    return 0
  fi
  case "$path" in
    /tmp/*) cat "$3/tmp/${path#/tmp/}" 2>/dev/null ;;
    /run/tinyproxy/*) cat "$3/run/${path#/run/tinyproxy/}" 2>/dev/null ;;
    /var/run/tinyproxy/*) cat "$3/run/${path#/var/run/tinyproxy/}" 2>/dev/null ;;
    /var/log/tinyproxy/*) cat "$3/log/${path#/var/log/tinyproxy/}" 2>/dev/null ;;
  esac
  return 0
}

# One container: prints "NAME SITUATION IMPL START GET CONNECT LOG" (1/0).
run_case() { # $1 name, $2 conf, $3 situation, $4 impl (ours|tp), $5 ip
  local name="$1" conf="$2" sit="$3" impl="$4" ip="$5"
  local d="$TMP/cases/$name.$sit.$impl" ctr="$CASE_PREFIX-$sit-$impl-${ip##*.}"
  # shellcheck disable=SC2153 # IMAGE comes from scripts/test-image.sh
  local image="$IMAGE" port start=0 get=0 connect=0 log=0 i args text
  [ "$impl" = tp ] && image="$STANDIN"
  mkdir -p "$d/etc" "$d/tmp" "$d/run" "$d/log"
  fill_placeholders "$conf" > "$d/etc/tinyproxy.conf"
  chmod 0755 "$d" "$d/etc"
  chmod 0644 "$d/etc/tinyproxy.conf"
  chmod 1777 "$d/tmp"
  chmod 0777 "$d/run" "$d/log"
  port=$(conf_port "$d/etc/tinyproxy.conf")
  args=(--pull never -d --name "$ctr" --network "$CONFIGS_NET" --ip "$ip"
    -v "$d/etc:/etc/tinyproxy:ro")
  if [ "$sit" = k8s ]; then
    args+=(--read-only --read-only-tmpfs=false -v "$d/tmp:/tmp"
      -v "$d/run:/run/tinyproxy" -v "$d/log:/var/log/tinyproxy")
    [ "$impl" = ours ] && args+=(--user 65534:65534 --cap-drop=ALL
      --security-opt no-new-privileges)
  fi
  if podman run "${args[@]}" "$image" tinyproxy -d >/dev/null 2>"$d/run.err"; then
    for ((i = 0; i < 30; i++)); do
      if timeout 1 bash -c "exec 3<>/dev/tcp/$ip/$port" 2>/dev/null; then
        start=1
        break
      fi
      [ "$(podman inspect -f '{{.State.Running}}' "$ctr" 2>/dev/null)" = true ] || break
      sleep 0.1
    done
    # Alive but unreachable (e.g. Listen 127.0.0.1): it started.
    [ "$start" = 1 ] || [ "$(podman inspect -f '{{.State.Running}}' "$ctr" 2>/dev/null)" != true ] || start=2
  fi
  if [ "$start" = 1 ]; then
    [ "$(pcurl_from "$ip" "$port" "http://$GW/hello.txt")" = "$ORIGIN_TEXT" ] && get=1
    [ "$(pcurl_from "$ip" "$port" -k "https://$GW/hello.txt")" = "$ORIGIN_TEXT" ] && connect=1
  fi
  text="$(podman logs "$ctr" 2>&1; read_logfile "$ctr" "$sit" "$d" "$(conf_logfile "$d/etc/tinyproxy.conf")")"
  printf '%s\n' "$text" > "$d/log.txt"
  grep -qF "Connect (file descriptor" <<<"$text" && log=1
  [ "$start" = 2 ] && start=1
  podman rm -f -t 0 "$ctr" >/dev/null 2>&1
  echo "$name $sit $impl $start $get $connect $log"
}

# curl through the proxy at $1:$2, with the filled-in Basic credentials.
pcurl_from() {
  local ip="$1" port="$2"
  shift 2
  curl --noproxy '' -sS --max-time 5 -U proxyuser:proxypass \
    -x "http://$ip:$port" "$@" 2>/dev/null || true
}

# Compare per config and situation; print the counts; fail on any case
# where the stand-in starts, serves or logs and ours does not.
configs_report() {
  local results="$1" name sit tp ours f bad=0 labels=(start GET CONNECT log)
  local -A tp_of ours_of
  local total=0 tp_n=(0 0 0 0) both_n=(0 0 0 0) ours_only=0
  while read -r name sit impl a b c d; do
    if [ "$impl" = tp ]; then tp_of["$name $sit"]="$a $b $c $d"; else ours_of["$name $sit"]="$a $b $c $d"; fi
  done < "$results"
  for key in "${!tp_of[@]}"; do
    total=$((total + 1))
    read -r -a tp <<<"${tp_of[$key]}"
    read -r -a ours <<<"${ours_of[$key]:-0 0 0 0}"
    [ "${tp[0]}" = 0 ] && [ "${ours[0]}" = 1 ] && ours_only=$((ours_only + 1))
    for f in 0 1 2 3; do
      [ "${tp[$f]}" = 1 ] || continue
      tp_n[f]=$((tp_n[f] + 1))
      if [ "${ours[$f]}" = 1 ]; then
        both_n[f]=$((both_n[f] + 1))
      else
        bad=$((bad + 1))
        echo "test-image: $key: tinyproxy ${labels[$f]}s, ours does not" >&2
        tail -5 "$TMP/cases/${key/ /.}.ours/log.txt" | sed 's/^/    ours: /' >&2
      fi
    done
  done
  echo "test-image: image configs: ${both_n[0]}/${tp_n[0]} start where tinyproxy starts" \
    "($total config x situation cases; ours also starts in $ours_only where tinyproxy does not)"
  echo "test-image: image configs: ${both_n[1]}/${tp_n[1]} serve a GET, ${both_n[2]}/${tp_n[2]} a CONNECT," \
    "${both_n[3]}/${tp_n[3]} log it, where tinyproxy does"
  [ "$bad" = 0 ] || fail "$bad checks where tinyproxy does better than our image"
  pass "every real config starts, serves and logs under our image wherever it does under tinyproxy"
}

# The vimagick image's own config through `podman kube play` of the
# blueprint's bare Deployment (no securityContext) and Service: serves
# https_proxy and http_proxy traffic and logs it on stdout.
kube_play_vimagick() {
  local ip="$NETPFX.250" play="$TMP/vimagick-play.yaml" ctr body
  {
    echo "apiVersion: v1"
    echo "kind: ConfigMap"
    echo "metadata: {name: proxy-server-config}"
    echo "data:"
    echo "  tinyproxy.conf: |"
    sed 's/^/    /' "$CONFIGS_DIR/images/vimagick-tinyproxy.conf"
    cat <<YAML
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: proxy-server, labels: {app: proxy-server}}
spec:
  replicas: 1
  selector: {matchLabels: {app: proxy-server}}
  template:
    metadata: {labels: {app: proxy-server}}
    spec:
      containers:
        - name: tinyproxy
          image: $IMAGE
          imagePullPolicy: Never
          ports: [{containerPort: 8888}]
          volumeMounts: [{name: config, mountPath: /etc/tinyproxy}]
      volumes: [{name: config, configMap: {name: proxy-server-config}}]
---
apiVersion: v1
kind: Service
metadata: {name: proxy-server, labels: {app: proxy-server}}
spec:
  selector: {app: proxy-server}
  ports: [{port: 8888, targetPort: 8888}]
YAML
  } > "$play"
  CONFIGS_PLAYED="$play"
  podman kube down "$play" >/dev/null 2>&1 || true
  podman kube play --network "$CONFIGS_NET" --ip "$ip" "$play" >/dev/null 2>"$TMP/vplay.err" \
    || fail "kube play of the vimagick config: $(cat "$TMP/vplay.err")"
  ctr=$(podman ps --format '{{.Names}}' | grep -E '^proxy-server-pod.*-tinyproxy$' | head -1)
  for ((i = 0; i < 100; i++)); do
    timeout 1 bash -c "exec 3<>/dev/tcp/$ip/8888" 2>/dev/null && break
    sleep 0.1
  done
  body=$(https_proxy="http://$ip:8888" curl -sS -k --max-time 10 "https://$GW/hello.txt") \
    || fail "https_proxy through the vimagick pod: $(podman logs "$ctr" 2>&1 | tail -5)"
  [ "$body" = "$ORIGIN_TEXT" ] || fail "https_proxy through the vimagick pod returned '$body'"
  body=$(http_proxy="http://$ip:8888" curl -sS --max-time 10 "http://$GW/hello.txt") \
    || fail "http_proxy through the vimagick pod failed"
  [ "$body" = "$ORIGIN_TEXT" ] || fail "http_proxy through the vimagick pod returned '$body'"
  logs=$(podman logs "$ctr" 2>&1)
  for want in "Not running as root, so not changing UID/GID." \
    "Connect (file descriptor" "Request (file descriptor" "CONNECT $GW:443 HTTP/1.1" \
    "Established connection to host \"$GW\""; do
    grep -qF "$want" <<<"$logs" || fail "vimagick pod log lacks '$want': $(tail -5 <<<"$logs")"
  done
  grep -q '^CONNECT   .*Connect (file descriptor [0-9]*): '"$GW"'$' <<<"$logs" \
    || fail "vimagick pod: no CONNECT line from the client $GW: $(tail -5 <<<"$logs")"
  podman kube down "$play" >/dev/null 2>&1
  CONFIGS_PLAYED=""
  pass "kube play of a bare Deployment + Service with the vimagick config serves https_proxy and http_proxy from $GW"
}

# The image's built-in config (nothing mounted), as the blueprint's bare
# Deployment runs it: serves a client from 100.64.0.0/10, CONNECT to a
# port other than 443 (8443), and adds no Via header either way.
builtin_config() {
  local ip="$NETPFX.249" ctr="$CASE_PREFIX-builtin" head i
  podman run -d --pull never --name "$ctr" --network "$CONFIGS_NET" --ip "$ip" \
    "$IMAGE" >/dev/null
  for ((i = 0; i < 100; i++)); do
    timeout 1 bash -c "exec 3<>/dev/tcp/$ip/8888" 2>/dev/null && break
    sleep 0.1
  done
  head=$(curl --noproxy '' -sS -D - -o /dev/null --max-time 5 -x "http://$ip:8888" "http://$GW/hello.txt") \
    || fail "built-in config: GET from $GW failed: $(podman logs "$ctr" 2>&1 | tail -3)"
  grep -q '^HTTP/1.[01] 200' <<<"$head" || fail "built-in config: GET from $GW: $head"
  grep -qi '^X-Seen-Via: none' <<<"$head" || fail "built-in config sent a Via header: $head"
  ! grep -qi '^Via:' <<<"$head" || fail "built-in config added Via to the response: $head"
  [ "$(pcurl_from "$ip" 8888 -k "https://$GW:8443/hello.txt")" = "$ORIGIN_TEXT" ] \
    || fail "built-in config: CONNECT to port 8443 refused: $(podman logs "$ctr" 2>&1 | tail -3)"
  podman rm -f -t 0 "$ctr" >/dev/null 2>&1
  pass "built-in config: GET from $GW (100.64.0.0/10) and CONNECT to :8443 served, no Via"
}

# ------------------------------------------------------------- configs
CONFIGS_DIR="$(shared_configs || true)"
if [ -z "$CONFIGS_DIR" ]; then
  echo "test-image: configs part skipped (no ../shared/configs)"
else
  ORIGIN_TEXT="hello from the configs origin $$"
  build_standin || fail "could not build the tinyproxy stand-in image"
  make_network || fail "could not create a podman network in 100.64.0.0/10"
  start_origin
  mkdir -p "$TMP/cases"
  n=10
  jobs_max="${IMAGE_JOBS:-6}"
  : > "$TMP/results"
  pids=()
  for conf in "$CONFIGS_DIR"/real-world/*.conf "$CONFIGS_DIR"/images/*.conf; do
    name="$(basename "$(dirname "$conf")")/$(basename "$conf" .conf)"
    name="${name//\//__}"
    for sit in bare k8s; do
      for impl in tp ours; do
        while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
        run_case "$name" "$conf" "$sit" "$impl" "$NETPFX.$n" >> "$TMP/results" &
        pids+=($!)
        n=$((n + 1))
      done
    done
  done
  wait "${pids[@]}"
  # The per-case table (start GET CONNECT log; 1 = yes), for a look.
  mkdir -p "$ROOT/.cache"
  sort "$TMP/results" > "$ROOT/.cache/test-image-configs.txt"
  configs_report "$TMP/results"
  builtin_config
  kube_play_vimagick
fi
