#!/usr/bin/env bash
# Runs Switchboard against the local workspace (the default when no team server is configured).
#   scripts/run.sh             the desktop app (needs a display); offers demo data on first run
#   scripts/run.sh cli ARGS…   the command-line client, e.g. scripts/run.sh cli numbers list --org demo
#   scripts/run.sh fakes ARGS… local fakes of the providers' APIs (`dev fake-providers`, which
#                              only a CLI built with the `fake-providers` feature has), e.g.
#                              scripts/run.sh fakes --port 4010; prints the URLs to export
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
if [ "${1:-}" = "cli" ]; then
  shift
  cargo build --release --locked -q -p switchboard-cli
  exec "$CARGO_TARGET_DIR/release/switchboard-cli" "$@"
fi
if [ "${1:-}" = "fakes" ]; then
  shift
  # A debug build: the release CLI above stays without the test doubles.
  cargo build --locked -q -p switchboard-cli --features fake-providers
  exec "$CARGO_TARGET_DIR/debug/switchboard-cli" dev fake-providers "$@"
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run.sh: no display; the desktop app needs one (or use: scripts/run.sh cli --help)" >&2
  exit 1
fi
app_build
exec "$APP_BIN"
