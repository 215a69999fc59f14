#!/usr/bin/env bash
# Runs Switchboard against the local workspace (the default when no team server is
# configured). Until the desktop app lands, that is the command-line client: with no
# arguments it seeds a demo organization on first use and lists its numbers; with
# arguments it runs them, e.g. scripts/run.sh numbers list --org demo --search 415
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo build --release --locked -q -p switchboard-cli
cli=target/release/switchboard-cli
if [ "${CARGO_TARGET_DIR:-}" != "" ]; then cli="$CARGO_TARGET_DIR/release/switchboard-cli"; fi
if [ $# -gt 0 ]; then
  exec "$cli" "$@"
fi
if ! "$cli" orgs list | grep -q '^demo '; then
  "$cli" dev seed --org demo --numbers 10000
fi
"$cli" numbers list --org demo --limit 20
echo
echo "Try: scripts/run.sh numbers list --org demo --search 415"
echo "     scripts/run.sh numbers show +1... | scripts/run.sh --help"
