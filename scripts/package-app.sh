#!/usr/bin/env bash
# Builds the desktop app's Linux installers (.deb and .rpm; AppImage is configured but needs a
# download this machine cannot make), installs the .deb, launches the installed app under
# Xvfb, and checks through WebDriver that its window shows the numbers table. Prints the
# installer sizes. Output: target bundle dir, plus test-output/package/installed-app.png.
#   scripts/package-app.sh            build, install, check, uninstall
#   KEEP_INSTALLED=1 scripts/...      leave the package installed
source "$(dirname "$0")/app-env.sh"
cd "$ROOT"
app_deps
app_build_ui
# The packaged binary is stripped: the release profile keeps line tables (backtraces, and the
# binaries scripts/bench-app.sh compares), so only the app's own unit is relinked here, without
# them (`--config` applies to this build only; dependencies are not rebuilt).
(cd "$ROOT/src-tauri" && "$ROOT/ui/node_modules/.bin/tauri" build --bundles deb,rpm --ci \
  -- --config 'profile.release.package.switchboard-app.strip=true')
BUNDLE="$CARGO_TARGET_DIR/release/bundle"
DEB="$(ls -t "$BUNDLE"/deb/*.deb | head -1)"
RPM="$(ls -t "$BUNDLE"/rpm/*.rpm | head -1)"
echo "installers:"
ls -l "$DEB" "$RPM" | awk '{printf "  %-60s %8.1f MB\n", $9, $5/1048576}'
PACKAGED_BIN="$(mktemp -d)"
dpkg-deb -x "$DEB" "$PACKAGED_BIN"
if file -b "$PACKAGED_BIN"/usr/bin/* | grep -q 'not stripped'; then
  echo "the packaged binary is not stripped" >&2
  exit 1
fi
echo "packaged binary: $(du -m "$PACKAGED_BIN"/usr/bin/* | awk '{print $1}') MB, stripped"
rm -rf "$PACKAGED_BIN"

PKG="$(dpkg-deb -f "$DEB" Package)"
apt-get install -y -qq --reinstall "$DEB" >/dev/null
BIN="$(dpkg -L "$PKG" | grep '^/usr/bin/' | head -1)"
echo "installed $PKG: $BIN"

OUT="$ROOT/test-output/package"
mkdir -p "$OUT"
SANDBOX="$(mktemp -d)"
cleanup() {
  [ -n "${DRIVER_PID:-}" ] && kill "$DRIVER_PID" 2>/dev/null || true
  [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true
  rm -rf "$SANDBOX"
  if [ -z "${KEEP_INSTALLED:-}" ]; then apt-get remove -y -qq "$PKG" >/dev/null || true; fi
}
trap cleanup EXIT
export HOME="$SANDBOX/home" XDG_CONFIG_HOME="$SANDBOX/home/.config" XDG_DATA_HOME="$SANDBOX/home/.local/share"
mkdir -p "$HOME"
export SWITCHBOARD_WORKSPACE="$SANDBOX/workspace.db"
start_xvfb
PORT="${TAURI_DRIVER_PORT:-4454}"
"$TAURI_DRIVER" --port "$PORT" --native-port "$((PORT + 1))" >"$OUT/tauri-driver.log" 2>&1 &
DRIVER_PID=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
cd "$ROOT/ui"
SWITCHBOARD_APP="$BIN" E2E_OUTPUT="$OUT" TAURI_DRIVER_PORT="$PORT" node --test e2e/installed.check.mjs
