#!/usr/bin/env bash
# Windows, proven from this Linux machine (run by scripts/test.sh; runnable alone):
#   1. clippy, warnings as errors, for the Windows target (x86_64-pc-windows-gnu, mingw-w64):
#      the whole workspace with its tests, so a Windows-only compile error or lint fails here;
#   2. the CLI and the desktop app built for Windows (switchboard-cli.exe, switchboard-app.exe
#      with WebView2Loader.dll); the app is linked, not run (Wine has no WebView2);
#   3. the Windows CLI under Wine, a manager's scenario end to end
#      (crates/cli/tests/windows.rs): the default workspace under the Windows data directory,
#      a provider account whose secret goes to Wine's Credential Manager and is read back to
#      verify and to import from the fake Twilio, CSV export and a Windows-written CSV (BOM,
#      CRLF) imported, paths with spaces and accents, a workspace held open by another
#      program, the missing-secret error, the account removed with its credential.
# Installs what it needs first (Debian packages gcc-mingw-w64-x86-64, wine, wine64; the Rust
# target). Test setup only, never shipped: a ProcessPrng shim for Wine 8 (scripts/windows/).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
TARGET=x86_64-pc-windows-gnu
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
started=$(date +%s)
say() { echo "windows: $* ($(( $(date +%s) - started ))s)"; }

missing=()
for p in gcc-mingw-w64-x86-64 wine wine64; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
rustup target list --installed | grep -qx "$TARGET" || rustup target add "$TARGET"

say "clippy for $TARGET"
cargo clippy --workspace --all-targets --locked --target "$TARGET" -- -D warnings

say "build the CLI and the app for $TARGET"
cargo build --locked -q --target "$TARGET" -p switchboard-cli -p switchboard-app
OUT="$CARGO_TARGET_DIR/$TARGET/debug"
for f in switchboard-cli.exe switchboard-app.exe WebView2Loader.dll; do
  [ -s "$OUT/$f" ] || { echo "windows: $OUT/$f was not built" >&2; exit 1; }
done

# Wine: a private prefix; the shim beside the CLI (Wine 8 lacks ProcessPrng, which Rust's
# standard library imports); a Windows program that holds a file open without sharing.
RUN="$(mktemp -d)"
cleanup() {
  WINEPREFIX="$RUN/prefix" wineserver -k 2>/dev/null || true
  rm -rf "$RUN"
}
trap cleanup EXIT
mkdir -p "$RUN/bin"
cp "$OUT/switchboard-cli.exe" "$RUN/bin/"
x86_64-w64-mingw32-gcc -O2 -shared -o "$RUN/bin/bcryptprimitives.dll" scripts/windows/process_prng.c -ladvapi32
x86_64-w64-mingw32-gcc -O2 -municode -o "$RUN/bin/hold_file.exe" scripts/windows/hold_file.c
export WINEPREFIX="$RUN/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="bcryptprimitives=n,b;mscoree,mshtml="
say "create the Wine prefix"
wineboot --init >/dev/null 2>&1 || true
wine "$RUN/bin/switchboard-cli.exe" --version

say "the manager's scenario under Wine"
SWITCHBOARD_WINDOWS_CLI="$RUN/bin/switchboard-cli.exe" \
SWITCHBOARD_WINDOWS_HOLD_FILE="$RUN/bin/hold_file.exe" \
  cargo test --locked -q -p switchboard-cli --test windows -- --ignored --nocapture
say "done"
