#!/usr/bin/env bash
# Static checks of the release machinery (part of `make lint` and of
# `make test`'s check-deploy step):
#   * yamllint and actionlint on .github/workflows/release.yml (actionlint
#     runs shellcheck on every `run:` block too), shellcheck on the
#     scripts it calls;
#   * both kustomizations render with `kubectl kustomize`: deploy/k8s
#     (the published image at Cargo.toml's version) and deploy/k8s-local
#     (the image `make image` builds, never pulled);
#   * the rendered objects pass kubernetes-validate --strict for the
#     oldest and newest Kubernetes versions we support, and
#     scripts/check_manifests.py (the same checks as deploy/k8s's files).
# Each step prints its name and duration; the first failure stops it.
# actionlint and kubectl (with kustomize) come from the venv that
# scripts/install-test-deps.sh builds from scripts/deploy-tools.txt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VENV:-$ROOT/.cache/venv}"
K8S_VERSIONS="${K8S_VERSIONS:-1.30.0 1.37.0}"

if [ ! -x "$VENV/bin/actionlint" ] || [ ! -x "$VENV/bin/kubectl" ]; then
  bash scripts/install-test-deps.sh
fi
export PATH="$VENV/bin:$PATH"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

CHECK_NAME=check-release CHECK_WIDTH=32
# shellcheck source=scripts/check-lib.sh
. "$ROOT/scripts/check-lib.sh"

workflow_lint() {
  yamllint -s -c scripts/yamllint.yaml .github/
  actionlint .github/workflows/release.yml
}

scripts_lint() { shellcheck -x scripts/release-*.sh scripts/check-release.sh scripts/test-kube-play.sh; }

# Renders kustomization directory $1 into $TMP/$2/all.yaml.
render() {
  mkdir -p "$TMP/$2"
  kubectl kustomize "$1" > "$TMP/$2/all.yaml"
}

# The image of the rendered Deployment must be $2, pulled as $3.
expect_image() {
  local file="$TMP/$1/all.yaml"
  grep -qxF "        image: $2" "$file" || { grep -n 'image:' "$file"; return 1; }
  grep -qxF "        imagePullPolicy: $3" "$file" || { grep -n 'imagePullPolicy:' "$file"; return 1; }
}

validate() {
  local v
  for v in $K8S_VERSIONS; do
    kubernetes-validate --strict --quiet -k "$v" "$TMP/$1/all.yaml"
  done
  python scripts/check_manifests.py "$TMP/$1"
}

published="$(sed -n 's/^  IMAGE: //p' .github/workflows/release.yml):$(scripts/release-version.sh)"

step "yamllint, actionlint" workflow_lint
step "shellcheck release scripts" scripts_lint
step "kubectl kustomize deploy/k8s" render deploy/k8s published
step "image $published" expect_image published "$published" Always
step "validate ($K8S_VERSIONS)" validate published
step "kubectl kustomize deploy/k8s-local" render deploy/k8s-local local
step "image localhost/tinyproxy-rs:dev" expect_image local localhost/tinyproxy-rs:dev Never
step "validate ($K8S_VERSIONS)" validate local
echo "check-release: all checks passed"
