#!/usr/bin/env bash
# Runs every check and test: formatting, clippy (warnings are errors), the UI's type check and
# unit tests, the whole Rust test suite — including integration tests against a real PostgreSQL
# (throwaway clusters the tests start themselves) and a real Secret Service (a private D-Bus
# session with an unlocked GNOME Keyring) — then the desktop app end to end in its real webview
# (tauri-driver + WebKitWebDriver under Xvfb), the workspace built for Windows and the Windows
# CLI run under Wine (scripts/windows.sh), and its .deb installed and launched. Installs
# what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${CI:-}" = "true" ]; then
  # CI reuses builds across fresh clones on the same machine.
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/switchboard/target}"
  # A fresh clone gains nothing from incremental data, which grows the kept directory by
  # gigabytes a run (the disk filled up once).
  export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
  # A fresh clone relinks every test binary of the workspace anyway (its sources are newer than
  # any build), so the ones an earlier run left are only weight, and those a change of dependencies
  # or features renamed would stay forever.
  if [ -d "$CARGO_TARGET_DIR/debug/deps" ]; then
    find "$CARGO_TARGET_DIR/debug/deps" -maxdepth 1 -type f -perm -u+x \
      ! -name '*.so' ! -name '*.rlib' ! -name '*.rmeta' ! -name '*.d' -delete
  fi
  mkdir -p "$CARGO_TARGET_DIR"
  echo "disk: $(df -h --output=avail "$CARGO_TARGET_DIR" | tail -1 | tr -d ' ') free for $CARGO_TARGET_DIR"
fi
source scripts/setup.sh
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
started=$(date +%s)
step() { echo; echo "== $* ($(( $(date +%s) - started ))s)"; }

step "ui: install, type check, unit tests"
(cd ui && npm ci --no-audit --no-fund -q && npm run check -- --fail-on-warnings && npm test)

step "rustfmt"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
# The CLI's `dev fake-providers` (off by default; scripts/e2e.sh builds it).
cargo clippy -p switchboard-cli --all-targets --features fake-providers --locked -- -D warnings

step "build tests"
cargo test --workspace --locked --no-run

step "tests"
scripts/with-secret-service.sh cargo test --workspace --locked

step "Windows: clippy and builds for x86_64-pc-windows-gnu, the CLI's scenario under Wine"
scripts/windows.sh

step "desktop app end to end (screenshots in test-output/e2e)"
scripts/e2e.sh

step "desktop app packaged, installed and launched"
scripts/package-app.sh

step "done"
