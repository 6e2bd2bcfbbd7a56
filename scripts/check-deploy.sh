#!/usr/bin/env bash
# Static checks of everything under deploy/ (part of `make test`):
#   yamllint, kubernetes-validate --strict for two Kubernetes versions,
#   checkov (Kubernetes manifests and both Containerfiles), hadolint,
#   scripts/check_manifests.py (cross-object consistency, plus a self-test
#   that it does catch a broken copy), systemd-analyze verify of the unit,
#   and a lint of the shell scripts (shellcheck).
# Each step prints its name and duration; the script stops at the first
# failure.  Tools come from scripts/install-test-deps.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VENV:-$ROOT/.cache/venv}"
# Oldest and newest Kubernetes versions the manifests must validate against.
K8S_VERSIONS="${K8S_VERSIONS:-1.30.0 1.37.0}"

if [ ! -x "$VENV/bin/checkov" ]; then
  bash scripts/install-test-deps.sh
fi
export PATH="$VENV/bin:$PATH"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

CHECK_NAME=check-deploy CHECK_WIDTH=28
# shellcheck source=scripts/check-lib.sh
. "$ROOT/scripts/check-lib.sh"

yaml_lint() { yamllint -s -c scripts/yamllint.yaml deploy/; }

k8s_validate() {
  local v
  for v in $K8S_VERSIONS; do
    kubernetes-validate --strict --quiet -k "$v" deploy/k8s/*.yaml
  done
}

checkov_k8s() {
  checkov -d deploy --skip-download --compact --quiet --framework kubernetes
}

# checkov only recognises files named Dockerfile*: scan copies.
checkov_containerfiles() {
  mkdir -p "$TMP/cf"
  cp deploy/Containerfile "$TMP/cf/Dockerfile"
  cp deploy/Containerfile.build "$TMP/cf/Dockerfile.build"
  checkov -d "$TMP/cf" --skip-download --compact --quiet --framework dockerfile
}

hado_lint() { hadolint deploy/Containerfile deploy/Containerfile.build; }

manifests() {
  python scripts/check_manifests.py deploy/k8s
  # Self-test: a Service pointing at the wrong port must be caught.
  mkdir -p "$TMP/bad"
  cp deploy/k8s/*.yaml "$TMP/bad/"
  sed -i 's/targetPort: 8888/targetPort: 8080/' "$TMP/bad/service.yaml"
  if python scripts/check_manifests.py "$TMP/bad" 2>/dev/null; then
    echo "check_manifests.py accepted a Service with a wrong targetPort"
    return 1
  fi
  # ... and so must a PDB that blocks drains, and egress to the metadata address.
  cp deploy/k8s/*.yaml "$TMP/bad/"
  sed -i 's/maxUnavailable: 1/minAvailable: 1/' "$TMP/bad/poddisruptionbudget.yaml"
  if python scripts/check_manifests.py "$TMP/bad" 2>/dev/null; then
    echo "check_manifests.py accepted a PodDisruptionBudget with minAvailable: 1"
    return 1
  fi
  cp deploy/k8s/*.yaml "$TMP/bad/"
  sed -i 's/169.254.169.254/169.254.169.253/' "$TMP/bad/networkpolicy.yaml"
  if python scripts/check_manifests.py "$TMP/bad" 2>/dev/null; then
    echo "check_manifests.py accepted egress to the cloud metadata address"
    return 1
  fi
  # ... and the admin port in the proxy clients' ingress rule.
  cp deploy/k8s/*.yaml "$TMP/bad/"
  python - "$TMP/bad/networkpolicy.yaml" <<'PY'
import sys, yaml
path = sys.argv[1]
doc = yaml.safe_load(open(path))
rules = doc["spec"]["ingress"]
rules[0]["ports"] += rules.pop()["ports"]
open(path, "w").write("---\n" + yaml.safe_dump(doc))
PY
  if python scripts/check_manifests.py "$TMP/bad" 2>/dev/null; then
    echo "check_manifests.py accepted the admin port open to the proxy's clients"
    return 1
  fi
}

# systemd-analyze verify wants the ExecStart binaries to exist: point a
# copy of the unit at a binary that does (the one tests build, else any
# tinyproxy on PATH).  Warnings count as failures.
systemd_verify() {
  local bin target_dir="${CARGO_TARGET_DIR:-target}"
  [[ "$target_dir" = /* ]] || target_dir="$ROOT/$target_dir"
  bin="${TINYPROXY_BIN:-$target_dir/debug/tinyproxy}"
  [ -x "$bin" ] || bin="$(command -v tinyproxy)"
  sed "s|/usr/bin/tinyproxy|$bin|g" deploy/tinyproxy.service > "$TMP/tinyproxy.service"
  systemd-analyze verify "$TMP/tinyproxy.service" 2>"$TMP/verify.err"
  if [ -s "$TMP/verify.err" ]; then
    cat "$TMP/verify.err"
    return 1
  fi
}

shell_lint() { shellcheck -x scripts/*.sh .ci/run; }

step yamllint yaml_lint
step "kubernetes-validate ($K8S_VERSIONS)" k8s_validate
step "checkov kubernetes" checkov_k8s
step "checkov containerfiles" checkov_containerfiles
step hadolint hado_lint
step check_manifests.py manifests
step "systemd-analyze verify" systemd_verify
step shellcheck shell_lint
echo "check-deploy: all checks passed"
