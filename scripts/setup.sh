#!/usr/bin/env bash
# Installs what Switchboard's build and tests need on Debian/Ubuntu, idempotently: nothing is
# downloaded when everything is already there. Sourced by run.sh and test.sh.
set -euo pipefail

SWITCHBOARD_APT_PACKAGES=(
  build-essential pkg-config   # C compilers for bundled SQLite and -sys crates
  sqlite3                      # inspecting workspace files in tests
  postgresql postgresql-contrib  # throwaway test clusters (initdb, pg_ctl, pg_trgm)
  gnome-keyring libsecret-tools dbus  # a real Secret Service for vault tests
)

need_sudo() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_system_packages() {
  local missing=()
  for p in "${SWITCHBOARD_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    need_sudo apt-get update -q
    need_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

check_toolchain() {
  command -v cargo >/dev/null || { echo "setup: Rust (cargo) is required: https://rustup.rs" >&2; exit 1; }
  rustup component list --installed 2>/dev/null | grep -q clippy || rustup component add clippy rustfmt 2>/dev/null || true
}

install_system_packages
check_toolchain
# The desktop app's build and test dependencies (WebKitGTK, Xvfb, WebKitWebDriver, tauri-driver).
source "$(dirname "${BASH_SOURCE[0]}")/app-env.sh"
app_deps
