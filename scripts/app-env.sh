# Sourced by the desktop app's scripts (e2e.sh, package-app.sh, bench-app.sh): installs what
# building and driving the app needs, idempotently, and defines helpers.
#   app_deps        Debian packages (WebKitGTK, Xvfb, WebKitWebDriver, rpm, GNOME Keyring for the
#                   e2e vault, the sqlite3 shell that holds a workspace's lock in the e2e,
#                   xdotool that chooses a file in the system's file dialog in the e2e) and
#                   tauri-driver
#   app_build_ui    npm ci + vite build of ui/ (the app embeds ui/dist)
#   app_build       app_build_ui, then the release binary; sets APP_BIN
#   start_xvfb      a private X display; sets DISPLAY
# Builds go to CARGO_TARGET_DIR (default /work/target-app if it exists, else target/).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export PATH="$HOME/.cargo/bin:$PATH"

APP_PACKAGES=(libwebkit2gtk-4.1-dev build-essential libssl-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev xvfb xauth webkit2gtk-driver rpm file
  x11-utils imagemagick gnome-keyring libsecret-tools dbus sqlite3 xdotool)

app_deps() {
  local missing=()
  for p in "${APP_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if ! command -v tauri-driver >/dev/null; then
    cargo install tauri-driver --locked -q
  fi
  TAURI_DRIVER="$(command -v tauri-driver)"
  export TAURI_DRIVER
  if ! command -v node >/dev/null; then
    echo "node (20 or newer) is required" >&2
    return 1
  fi
}

app_build_ui() {
  (cd "$ROOT/ui" && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm ci --no-audit --no-fund -q; } && npx vite build --logLevel warn)
}

app_build() {
  app_build_ui
  (cd "$ROOT/src-tauri" && cargo build --release --locked -q --features custom-protocol)
  APP_BIN="$CARGO_TARGET_DIR/release/switchboard-app"
  export APP_BIN
}

start_xvfb() {
  local n
  for n in $(seq 90 130); do
    if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then break; fi
  done
  Xvfb ":$n" -screen 0 1440x900x24 -nolisten tcp >/dev/null 2>&1 &
  XVFB_PID=$!
  export DISPLAY=":$n"
  for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
}
