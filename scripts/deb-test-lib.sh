# shellcheck shell=bash
# Helpers shared by scripts/test-deb.sh and scripts/test-deb-systemd.sh
# (sourced): one "ok"/"FAIL" line per check, waiting with a deadline, and
# where the package is.

PASSED=0
FAILED=0

ok() { echo "ok   $1"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $1"; FAILED=$((FAILED + 1)); }

# check NAME COMMAND...: one test line from a command's exit status.
check() {
  local name="$1"; shift
  if "$@"; then ok "$name"; else fail "$name"; fi
}

# Waits (10 s at most) until COMMAND... succeeds.
wait_for() {
  for _ in $(seq 100); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

# The version of [package] in Cargo.toml.
cargo_version() {
  awk '/^\[/ { pkg = ($0 == "[package]") }
       pkg && $1 == "version" { gsub(/"/, "", $3); print $3; exit }' "$1/Cargo.toml"
}

# The .deb `make deb` builds: $DEB, or the one under $CARGO_TARGET_DIR.
deb_path() {
  local root="$1" target="${CARGO_TARGET_DIR:-$1/target}"
  [[ "$target" = /* ]] || target="$root/$target"
  echo "${DEB:-$target/debian/tinyproxy-rs_$(cargo_version "$root")_amd64.deb}"
}

# The last line of a summary that test runners' readers understand.
summary() { echo "$1: $PASSED passed, $FAILED failed"; [ "$FAILED" = 0 ]; }
