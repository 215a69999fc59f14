#!/usr/bin/env bash
# End-to-end tests of the desktop app in its real webview: builds the UI and the app, starts
# Xvfb and tauri-driver (which drives WebKitWebDriver), and runs ui/e2e/*.e2e.mjs with node's
# test runner against a fresh, empty workspace and a private HOME. Screenshots of every step
# go to test-output/e2e/. Installs what it needs first (Debian packages, tauri-driver).
source "$(dirname "$0")/app-env.sh"
cd "$ROOT"
app_deps
app_build

OUT="$ROOT/test-output/e2e"
rm -rf "$OUT"; mkdir -p "$OUT"
SANDBOX="$(mktemp -d)"
export HOME="$SANDBOX/home" XDG_CONFIG_HOME="$SANDBOX/home/.config" XDG_DATA_HOME="$SANDBOX/home/.local/share"
mkdir -p "$HOME"
export SWITCHBOARD_WORKSPACE="$SANDBOX/workspace.db"

cleanup() {
  [ -n "${DRIVER_PID:-}" ] && kill "$DRIVER_PID" 2>/dev/null || true
  [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true
  rm -rf "$SANDBOX"
}
trap cleanup EXIT

start_xvfb
PORT="${TAURI_DRIVER_PORT:-4444}"
"$TAURI_DRIVER" --port "$PORT" --native-port "$((PORT + 1))" >"$OUT/tauri-driver.log" 2>&1 &
DRIVER_PID=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

export SWITCHBOARD_APP="$APP_BIN" E2E_OUTPUT="$OUT" TAURI_DRIVER_PORT="$PORT"
cd "$ROOT/ui"
node --test --test-concurrency=1 e2e/app.e2e.mjs
