#!/usr/bin/env bash
# Runs every check and test: formatting, clippy (warnings are errors), and the whole test
# suite — including the integration tests against a real PostgreSQL (throwaway clusters the
# tests start themselves) and a real Secret Service (a private D-Bus session with an unlocked
# GNOME Keyring). Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
if [ "${CI:-}" = "true" ]; then
  # CI reuses builds across fresh clones on the same machine.
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/switchboard/target}"
fi
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
started=$(date +%s)
step() { echo; echo "== $* ($(( $(date +%s) - started ))s)"; }

step "rustfmt"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "build tests"
cargo test --workspace --locked --no-run

step "tests"
scripts/with-secret-service.sh cargo test --workspace --locked

step "done"
