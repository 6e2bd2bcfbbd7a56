# shellcheck shell=bash
# Shared by scripts/check-deploy.sh and scripts/check-release.sh (sourced):
# `step NAME CMD...` runs one check with its output kept aside in
# "$TMP/out", prints NAME and the duration, and on failure prints the
# output and exits 1. The caller sets CHECK_NAME (the line prefix),
# CHECK_WIDTH (the name column's width) and TMP (a scratch directory).
#
# The command runs in a subshell with errexit on, and not as the condition
# of an `if` or `||`: there bash ignores `set -e` in the whole function,
# and a failing command before its last one would pass.
step() {
  local name="$1" start end status
  shift
  start=$(date +%s%N)
  printf "%s: %-${CHECK_WIDTH}s " "$CHECK_NAME" "$name"
  set +e
  (set -e; "$@") >"$TMP/out" 2>&1
  status=$?
  set -e
  if [ "$status" = 0 ]; then
    end=$(date +%s%N)
    printf 'ok (%d ms)\n' "$(( (end - start) / 1000000 ))"
  else
    echo "FAILED"
    cat "$TMP/out"
    exit 1
  fi
}
