#!/bin/sh
# Run a command inside a private D-Bus session with a freshly unlocked GNOME Keyring,
# so that tests talk to a real Secret Service without touching the user's own keyring.
#
#   scripts/with-secret-service.sh cargo test -p switchboard-secrets
#
# Installs nothing. Needs gnome-keyring-daemon, dbus-run-session, dbus-send and secret-tool
# (Debian/Ubuntu: apt-get install gnome-keyring libsecret-tools dbus).
# A throwaway HOME (and XDG dirs inside it) is created before the session starts and
# removed afterwards; the keyring password inside it is a fixed dummy. The exit status
# is the command's.
set -eu

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi

missing_packages=""
for pair in gnome-keyring-daemon:gnome-keyring dbus-run-session:dbus dbus-send:dbus \
    secret-tool:libsecret-tools; do
    tool=${pair%%:*}
    package=${pair#*:}
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: '$tool' not found (package '$package')" >&2
        case " $missing_packages " in
            *" $package "*) ;;
            *) missing_packages="$missing_packages $package" ;;
        esac
    fi
done
if [ -n "$missing_packages" ]; then
    echo "$0: install with: sudo apt-get install -y$missing_packages" >&2
    echo "$0: (dbus-run-session comes with 'dbus' on Debian 12 — package dbus-daemon —" \
        "and with 'dbus-x11' or 'dbus' on older releases)" >&2
    exit 127
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-secret-service.XXXXXX")
cleanup() {
    rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Rust's toolchain locations default to the real HOME: pin them before HOME changes so that
# `cargo test` under this script still finds rustup's toolchains and cargo's registry cache.
if [ -z "${RUSTUP_HOME:-}" ] && [ -d "${HOME:-}/.rustup" ]; then
    export RUSTUP_HOME="${HOME:-}/.rustup"
fi
if [ -z "${CARGO_HOME:-}" ] && [ -d "${HOME:-}/.cargo" ]; then
    export CARGO_HOME="${HOME:-}/.cargo"
fi

# Everything gnome-keyring reads or writes lives under the throwaway HOME, including the
# runtime dir where it puts its control socket, so a keyring already running on a developer's
# desktop is neither reused nor disturbed.
mkdir -p "$scratch/home" "$scratch/runtime"
chmod 700 "$scratch/home" "$scratch/runtime"
export HOME="$scratch/home"
export XDG_RUNTIME_DIR="$scratch/runtime"
export XDG_DATA_HOME="$HOME/.local/share"
export XDG_CONFIG_HOME="$HOME/.config"
export XDG_CACHE_HOME="$HOME/.cache"
unset GNOME_KEYRING_CONTROL SSH_AUTH_SOCK DBUS_SESSION_BUS_ADDRESS

status=0
# Inside the session: start and unlock the keyring, wait until it owns the Secret Service bus
# name (the daemonized process registers it a moment after `--unlock` returns; a client calling
# earlier would make D-Bus auto-start a second, locked daemon), run the command, then stop the
# daemon, which otherwise may outlive the session. The command arrives as "$@" (the trailing
# "sh" is the inner shell's $0), so arguments with spaces or quotes pass through unchanged.
dbus-run-session -- sh -c '
    printf %s switchboard-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    keyring_pid=""
    tries=0
    while [ -z "$keyring_pid" ]; do
        keyring_pid=$(dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus \
            /org/freedesktop/DBus org.freedesktop.DBus.GetConnectionUnixProcessID \
            string:org.freedesktop.secrets 2>/dev/null | awk "{ print \$2 }")
        tries=$((tries + 1))
        if [ -z "$keyring_pid" ] && [ "$tries" -ge 100 ]; then
            echo "with-secret-service.sh: gnome-keyring did not take the Secret Service bus name" \
                "within 10 s" >&2
            exit 1
        fi
        [ -n "$keyring_pid" ] || sleep 0.1
    done
    trap "kill \"\$keyring_pid\" 2>/dev/null" EXIT
    trap "exit 130" INT
    trap "exit 143" TERM
    command_status=0
    "$@" || command_status=$?
    exit "$command_status"
' sh "$@" || status=$?
exit "$status"
