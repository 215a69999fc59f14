#!/usr/bin/env bash
# End-to-end tests of the desktop app in its real webview: builds the UI and the app, starts
# Xvfb and tauri-driver (which drives WebKitWebDriver), and runs ui/e2e/*.e2e.mjs with node's
# test runner against a fresh, empty workspace and a private HOME. Screenshots of every step
# go to test-output/e2e/. Installs what it needs first (Debian packages, tauri-driver).
# The provider tests (e2e/providers.e2e.mjs) need a real Secret Service and the fake providers:
# after building, the script runs itself again inside scripts/with-secret-service.sh, starts
# `switchboard-cli dev fake-providers` and points the app at it (SWITCHBOARD_*_API_URL).
# The team test (e2e/team.e2e.mjs) gets a throwaway PostgreSQL (ui/e2e/team-postgres.sh), which
# it stops and starts, and keeps the connection profile's password in that Secret Service.
source "$(dirname "$0")/app-env.sh"
cd "$ROOT"
if [ -z "${SWITCHBOARD_E2E_IN_VAULT:-}" ]; then
  app_deps
  app_build
  # The fake providers come from the CLI built with its `fake-providers` feature
  # (SWITCHBOARD_CLI may name an already built one); the app itself never links them.
  if [ -z "${SWITCHBOARD_CLI:-}" ]; then
    (cd "$ROOT" && cargo build --locked -q -p switchboard-cli --features fake-providers)
    SWITCHBOARD_CLI="$CARGO_TARGET_DIR/debug/switchboard-cli"
  fi
  export SWITCHBOARD_E2E_IN_VAULT=1 APP_BIN TAURI_DRIVER SWITCHBOARD_CLI
  exec "$ROOT/scripts/with-secret-service.sh" bash "$0" "$@"
fi

OUT="$ROOT/test-output/e2e"
rm -rf "$OUT"; mkdir -p "$OUT"
SANDBOX="$(mktemp -d)"
export HOME="$SANDBOX/home" XDG_CONFIG_HOME="$SANDBOX/home/.config" XDG_DATA_HOME="$SANDBOX/home/.local/share"
mkdir -p "$HOME"
export SWITCHBOARD_WORKSPACE="$SANDBOX/workspace.db"
# The team database: its own directory, which the postgres user must be able to enter.
E2E_PG_DIR="$(mktemp -d /tmp/switchboard-e2e-pg.XXXXXX)"
export E2E_PG_DIR E2E_PG_PASSWORD="manager-e2e-$RANDOM$RANDOM"

cleanup() {
  [ -n "${FAKES_PID:-}" ] && kill "$FAKES_PID" 2>/dev/null || true
  [ -n "${DRIVER_PID:-}" ] && kill "$DRIVER_PID" 2>/dev/null || true
  [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true
  bash "$ROOT/ui/e2e/team-postgres.sh" destroy "$E2E_PG_DIR" || true
  rm -rf "$SANDBOX"
  # WebKitGTK starts the document portal in the private session, which mounts a FUSE file
  # system in its runtime directory; unmounted, with-secret-service.sh can delete that.
  if [ -n "${XDG_RUNTIME_DIR:-}" ] && mountpoint -q "$XDG_RUNTIME_DIR/doc" 2>/dev/null; then
    fusermount -u "$XDG_RUNTIME_DIR/doc" 2>/dev/null || umount -l "$XDG_RUNTIME_DIR/doc" || true
  fi
}
trap cleanup EXIT

# The fake providers on five free consecutive ports; the app (started by tauri-driver, which
# inherits this environment) reaches them through the SWITCHBOARD_*_API_URL overrides.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
FAKES_PORT=47010
while ! { port_free "$FAKES_PORT" && port_free $((FAKES_PORT + 1)) && port_free $((FAKES_PORT + 2)) \
  && port_free $((FAKES_PORT + 3)) && port_free $((FAKES_PORT + 4)); }; do
  FAKES_PORT=$((FAKES_PORT + 5))
done
"$SWITCHBOARD_CLI" dev fake-providers --port "$FAKES_PORT" --numbers 30 \
  >"$OUT/fake-providers.log" 2>&1 &
FAKES_PID=$!
i=0
for name in TWILIO VONAGE TELNYX BANDWIDTH PLIVO; do
  export "SWITCHBOARD_${name}_API_URL=http://127.0.0.1:$((FAKES_PORT + i))"
  i=$((i + 1))
done
for _ in $(seq 100); do port_free "$FAKES_PORT" || break; sleep 0.1; done

bash "$ROOT/ui/e2e/team-postgres.sh" init "$E2E_PG_DIR" >/dev/null
E2E_PG_PORT="$(cat "$E2E_PG_DIR/port")"
export E2E_PG_PORT

start_xvfb
# WebKitWebDriver's screenshot command never answers on some screens (the welcome screen) when
# hardware acceleration is off, as the app sets it on Linux (src-tauri/src/webview.rs); the
# page itself paints (an X screenshot shows it). The tests drive WebKit's default renderer
# (set before tauri-driver starts: the app inherits its environment).
export SWITCHBOARD_GPU_COMPOSITING=1
PORT="${TAURI_DRIVER_PORT:-4444}"
"$TAURI_DRIVER" --port "$PORT" --native-port "$((PORT + 1))" >"$OUT/tauri-driver.log" 2>&1 &
DRIVER_PID=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

export SWITCHBOARD_APP="$APP_BIN" E2E_OUTPUT="$OUT" TAURI_DRIVER_PORT="$PORT"
cd "$ROOT/ui"
# node's test runner runs the files in path order, whatever order they are named in:
# a11y.e2e.mjs (axe-core on every screen and dialog; on a workspace of its own, moved aside and put
# back like alarm's), alarm.e2e.mjs (on a workspace of its own: it moves the file aside and puts it back), app.e2e.mjs
# (the first run's demo data), app_views.e2e.mjs (needs that demo data, puts the table back),
# keyboard.e2e.mjs (the main flow by keyboard alone; on a workspace of its own, and clears the fake
# Twilio account's secret it files), providers.e2e.mjs, selection.e2e.mjs ("Select all N
# matching" and Shift-click ranges; on a workspace of its own), startup.e2e.mjs (a damaged workspace file, one whose write lock another
# program holds; removes the workspace at the end), table_attention.e2e.mjs (its own
# organization, written by the CLI before the app starts), team.e2e.mjs, undo.e2e.mjs (its own
# organization, written by the CLI; puts the organization shown back), usage.e2e.mjs (its own
# organization, set up with the CLI; opens the local workspace if a team one was left open).
# E2E_SPECS runs only those files.
# shellcheck disable=SC2086
node --test --test-concurrency=1 ${E2E_SPECS:-e2e/a11y.e2e.mjs e2e/alarm.e2e.mjs e2e/app.e2e.mjs e2e/app_views.e2e.mjs e2e/keyboard.e2e.mjs e2e/providers.e2e.mjs e2e/selection.e2e.mjs e2e/startup.e2e.mjs e2e/table_attention.e2e.mjs e2e/team.e2e.mjs e2e/undo.e2e.mjs e2e/usage.e2e.mjs}
