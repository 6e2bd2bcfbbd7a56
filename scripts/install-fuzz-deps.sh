#!/usr/bin/env bash
# Installs what `make fuzz` and `make fuzz-smoke` need, and nothing when it
# is all there already (safe to run again and again): the nightly toolchain
# (libFuzzer's sanitizer flags need it) and cargo-fuzz.
#
# Environment: CARGO_FUZZ_VERSION pins the cargo-fuzz release (default: a
# known-good one); set it empty to take the newest.
set -euo pipefail

CARGO_FUZZ_VERSION="${CARGO_FUZZ_VERSION-0.13.2}"

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "install-fuzz-deps: rustup toolchain install nightly"
  rustup toolchain install nightly --profile minimal
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "install-fuzz-deps: cargo install cargo-fuzz ${CARGO_FUZZ_VERSION}"
  if [ -n "$CARGO_FUZZ_VERSION" ]; then
    cargo install --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
  else
    cargo install --locked cargo-fuzz
  fi
fi
