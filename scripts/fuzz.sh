#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ one after the other, each for
# SECONDS seconds; fails (after running them all) when any target found a
# crash, leak, timeout or out-of-memory (libFuzzer's reproducer is left in
# fuzz/artifacts/<target>/).
#
#   scripts/fuzz.sh SECONDS [TARGET...]     (default: every target)
#
# Each target starts from its committed seeds (fuzz/corpus/<target>, never
# written to) and grows a working corpus in fuzz/work/<target> (kept between
# runs, out of git); FUZZ_TARGET_DIR (default fuzz/target) is where the
# fuzz crate builds. libFuzzer's last stats line ("Done N runs in S
# second(s)") is printed per target.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_TARGET="${1:?usage: fuzz.sh SECONDS [TARGET...]}"
shift
# libFuzzer's per-input limits: a hang or a runaway allocation is a bug.
RSS_LIMIT_MB="${FUZZ_RSS_LIMIT_MB:-2048}"
INPUT_TIMEOUT="${FUZZ_INPUT_TIMEOUT:-10}"

bash "$ROOT/scripts/install-fuzz-deps.sh"
cd "$ROOT/fuzz"
# The fuzz crate's own build directory (sanitizer flags): never the main
# build's CARGO_TARGET_DIR, whose release artifacts it would overwrite.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$ROOT/fuzz/target}"
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
cargo +nightly fuzz build

failed=()
for t in "${targets[@]}"; do
  mkdir -p "work/$t" "artifacts/$t" "corpus/$t"
  log="work/$t.log"
  echo "fuzz: $t for ${SECONDS_PER_TARGET}s"
  if ! cargo +nightly fuzz run "$t" "work/$t" "corpus/$t" -- \
      -max_total_time="$SECONDS_PER_TARGET" -timeout="$INPUT_TIMEOUT" \
      -rss_limit_mb="$RSS_LIMIT_MB" -print_final_stats=1 >"$log" 2>&1; then
    grep -E -A2 "panicked at|ERROR: (AddressSanitizer|libFuzzer)|SUMMARY" "$log" | head -n 20
    echo "fuzz: $t FAILED; reproducer in fuzz/artifacts/$t/ (full log fuzz/$log)" >&2
    failed+=("$t")
    continue
  fi
  grep -E '^Done [0-9]+ runs' "$log" | tail -n 1 | sed "s/^/fuzz: $t: /"
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
