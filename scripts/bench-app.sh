#!/usr/bin/env bash
# Desktop app benchmarks, each next to a bare Tauri "hello" window built here in the same run
# from the same Tauri version (its Cargo.lock is the app's):
#   1. cold start to first paint: the app's numbers table from a 100,000-number workspace vs
#      the hello window's page (median of RUNS launches; page cache dropped before each when
#      the kernel lets us);
#   2. idle memory: PSS of the process and its WebKit children, 8 s after start;
#   3. keystroke to filtered table at 1,000,000 numbers (in the page, through WebDriver); with
#      EXTRA_COLUMNS (default "readiness,health"), each query is typed without those columns and
#      with them shown, taking turns (EXTRA_COLUMNS= measures without only);
#   4. installer sizes (from scripts/package-app.sh's bundle directory, when built).
# With BEFORE_APP=/path/to/an/older/switchboard-app build (and BEFORE_SEED=its `seed` example,
# so that it opens workspaces of its own schema, with the same rows), that binary is measured in
# the same run, launch for launch beside this one (start, memory, keystroke); the two take turns
# going first from one round to the next.
# STARTUP_ONLY=1 measures the cold start alone (no memory, keystroke or million-number data);
# KEYSTROKE_ONLY=1 the keystroke latency alone (no hello window, start or memory); with
# APP_PREBUILT=/path/to/switchboard-app, that binary instead of building one.
# Prints figures; writes nothing outside CARGO_TARGET_DIR and a temp dir.
source "$(dirname "$0")/app-env.sh"
cd "$ROOT"
RUNS="${RUNS:-5}"
app_deps
# APP_PREBUILT names an app binary built already (e.g. by scripts/e2e.sh from this checkout, and
# copied away): nothing is built in release then (the seed example only when there is none).
if [ -n "${APP_PREBUILT:-}" ]; then APP_BIN="$APP_PREBUILT"; else app_build; fi
SEED="$CARGO_TARGET_DIR/release/examples/seed"
[ -n "${APP_PREBUILT:-}" ] && [ -x "$SEED" ] ||
  (cd "$ROOT/src-tauri" && cargo build --release --locked -q --features custom-protocol --example seed)

# --- the bare hello window -------------------------------------------------------------------
if [ -z "${KEYSTROKE_ONLY:-}" ]; then
HELLO_SRC="$CARGO_TARGET_DIR/bench-hello"
mkdir -p "$HELLO_SRC/src" "$HELLO_SRC/dist" "$HELLO_SRC/capabilities"
cp "$ROOT/Cargo.lock" "$HELLO_SRC/Cargo.lock"
cp -r "$ROOT/icons" "$HELLO_SRC/"
cat >"$HELLO_SRC/Cargo.toml" <<'TOML'
[package]
name = "hello-tauri"
version = "0.1.0"
edition = "2024"
publish = false
[build-dependencies]
tauri-build = { version = "2", features = [] }
[dependencies]
tauri = { version = "2", features = ["custom-protocol"] }
[workspace]
[profile.release]
debug = "line-tables-only"
TOML
echo 'fn main() { tauri_build::build() }' >"$HELLO_SRC/build.rs"
cat >"$HELLO_SRC/src/main.rs" <<'RS'
use std::time::{SystemTime, UNIX_EPOCH};
#[tauri::command]
fn painted(app: tauri::AppHandle) {
    let ns = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos();
    if std::env::var_os("SWITCHBOARD_EXIT_ON_PAINT").is_some() {
        println!("painted hello unix_ns={ns}");
        app.exit(0);
    }
}
fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![painted])
        .run(tauri::generate_context!())
        .expect("hello");
}
RS
cat >"$HELLO_SRC/tauri.conf.json" <<'JSON'
{ "productName": "Hello", "version": "0.1.0", "identifier": "dev.switchboard.hello",
  "build": { "frontendDist": "dist" },
  "app": { "windows": [{ "label": "main", "title": "Hello", "width": 1280, "height": 800 }] },
  "bundle": { "icon": ["icons/32x32.png", "icons/128x128.png", "icons/icon.png"] } }
JSON
echo '{ "identifier": "main", "windows": ["main"], "permissions": ["core:default"] }' >"$HELLO_SRC/capabilities/main.json"
cat >"$HELLO_SRC/dist/index.html" <<'HTML'
<!doctype html><html><head><meta charset="utf-8"><title>Hello</title></head>
<body><h1>Hello, world</h1><script src="main.js"></script></body></html>
HTML
echo 'requestAnimationFrame(() => requestAnimationFrame(() => window.__TAURI_INTERNALS__.invoke("painted")));' >"$HELLO_SRC/dist/main.js"
(cd "$HELLO_SRC" && cargo build --release -q)
fi
HELLO_BIN="$CARGO_TARGET_DIR/release/hello-tauri"

# --- data ------------------------------------------------------------------------------------
DATA="$CARGO_TARGET_DIR/bench-data"
mkdir -p "$DATA"
[ -n "${KEYSTROKE_ONLY:-}" ] || [ -f "$DATA/100k.db" ] || "$SEED" "$DATA/100k.db" 100000 >/dev/null
[ -n "${STARTUP_ONLY:-}" ] || [ -f "$DATA/1m.db" ] || "$SEED" "$DATA/1m.db" 1000000 >/dev/null
if [ -n "${BEFORE_APP:-}" ]; then
  [ -n "${BEFORE_SEED:-}" ] || { echo "BEFORE_APP needs BEFORE_SEED (the older build's seed example)" >&2; exit 2; }
  rm -f "$DATA/before-100k.db" "$DATA/before-1m.db"
  "$BEFORE_SEED" "$DATA/before-100k.db" 100000 >/dev/null
  [ -n "${STARTUP_ONLY:-}" ] || "$BEFORE_SEED" "$DATA/before-1m.db" 1000000 >/dev/null
fi

SANDBOX="$(mktemp -d)"
cleanup() {
  [ -n "${DRIVER_PID:-}" ] && kill "$DRIVER_PID" 2>/dev/null || true
  [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true
  rm -rf "$SANDBOX"
}
trap cleanup EXIT
# A copy: the target directory's binary may be rebuilt by another checkout during the run.
cp "$APP_BIN" "$SANDBOX/switchboard-app"
APP_BIN="$SANDBOX/switchboard-app"
export HOME="$SANDBOX/home" XDG_CONFIG_HOME="$SANDBOX/home/.config" XDG_DATA_HOME="$SANDBOX/home/.local/share"
mkdir -p "$HOME"
start_xvfb

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; }
COLD=yes; drop_caches || COLD=no

# Launch-to-paint in ms, from outside the process: the app prints the wall clock at paint.
startup_ms() {
  local bin="$1" t0 out t1
  drop_caches || true
  t0=$(date +%s%N)
  out=$(SWITCHBOARD_EXIT_ON_PAINT=1 timeout 60 "$bin" 2>/dev/null | grep -m1 '^painted')
  t1=$(sed -E 's/.*unix_ns=([0-9]+).*/\1/' <<<"$out")
  echo $(( (t1 - t0) / 1000000 ))
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
spread() { sort -n | awk '{a[NR]=$1} END {printf "quartiles %d–%d, range %d–%d", a[int((NR+3)/4)], a[int((3*NR+3)/4)], a[1], a[NR]}'; }

# PSS (MB) of a process and all its descendants, with the share of each.
pss_tree() {
  local pids=("$1") i=0 total=0 kids
  while [ $i -lt ${#pids[@]} ]; do
    kids=$(pgrep -P "${pids[$i]}" || true)
    for k in $kids; do pids+=("$k"); done
    i=$((i + 1))
  done
  local parts=()
  for p in "${pids[@]}"; do
    kb=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    total=$((total + ${kb:-0}))
    parts+=("$(cat "/proc/$p/comm" 2>/dev/null) $(( ${kb:-0} / 1024 ))")
  done
  echo "$((total / 1024)) MB  ($(IFS=,; echo "${parts[*]}" | sed 's/,/, /g'))"
}
idle_pss() {
  local bin="$1" pid
  "$bin" >/dev/null 2>&1 &
  pid=$!
  sleep 8
  pss_tree "$pid"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

if [ -z "${KEYSTROKE_ONLY:-}" ]; then
export SWITCHBOARD_WORKSPACE="$SANDBOX/100k.db"
cp "$DATA/100k.db" "$SWITCHBOARD_WORKSPACE"
[ -n "${BEFORE_APP:-}" ] && cp "$DATA/before-100k.db" "$SANDBOX/before-100k.db"
before() { SWITCHBOARD_WORKSPACE="$SANDBOX/before-100k.db" "$@"; }
# One untimed launch each (creates settings, window state and WebKit caches like a real user's).
startup_ms "$HELLO_BIN" >/dev/null; startup_ms "$APP_BIN" >/dev/null
[ -n "${BEFORE_APP:-}" ] && before startup_ms "$BEFORE_APP" >/dev/null
hello_runs=(); app_runs=(); before_runs=()
for i in $(seq "$RUNS"); do
  hello_runs+=("$(startup_ms "$HELLO_BIN")")
  if [ -n "${BEFORE_APP:-}" ] && [ $((i % 2)) -eq 1 ]; then
    before_runs+=("$(before startup_ms "$BEFORE_APP")")
    app_runs+=("$(startup_ms "$APP_BIN")")
  else
    app_runs+=("$(startup_ms "$APP_BIN")")
    [ -n "${BEFORE_APP:-}" ] && before_runs+=("$(before startup_ms "$BEFORE_APP")")
  fi
done
hello_start=$(printf '%s\n' "${hello_runs[@]}" | median)
app_start=$(printf '%s\n' "${app_runs[@]}" | median)
if [ -z "${STARTUP_ONLY:-}" ]; then
  hello_pss=$(idle_pss "$HELLO_BIN")
  [ -n "${BEFORE_APP:-}" ] && before_pss=$(before idle_pss "$BEFORE_APP")
  app_pss=$(idle_pss "$APP_BIN")
fi
fi

# Keystroke latency at a million numbers. The app inherits its workspace from tauri-driver, so
# each binary gets a driver of its own.
PORT="${TAURI_DRIVER_PORT:-4464}"
keystrokes() {
  local bin="$1" workspace="$2" out
  SWITCHBOARD_WORKSPACE="$workspace" "$TAURI_DRIVER" --port "$PORT" --native-port "$((PORT + 1))" \
    >>"$SANDBOX/tauri-driver.log" 2>&1 &
  DRIVER_PID=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
  out=$(cd "$ROOT/ui" && SWITCHBOARD_APP="$bin" TAURI_DRIVER_PORT="$PORT" \
    EXTRA_COLUMNS="${EXTRA_COLUMNS-readiness,health}" node e2e/keystroke.bench.mjs | tail -1)
  kill "$DRIVER_PID" 2>/dev/null; wait "$DRIVER_PID" 2>/dev/null || true
  DRIVER_PID=
  echo "$out"
}
if [ -z "${STARTUP_ONLY:-}" ]; then
  [ -n "${BEFORE_APP:-}" ] && before_keys=$(keystrokes "$BEFORE_APP" "$DATA/before-1m.db")
  keys=$(keystrokes "$APP_BIN" "$DATA/1m.db")
fi
summary() { node -e 'const r=JSON.parse(process.argv[1]); console.log(`p50 ${r.p50} ms, p95 ${r.p95} ms, max ${r.max} ms over ${r.samples.length} keystrokes`)' "$1"; }
# The figures with the extra columns shown, when measured.
with_extra() { node -e 'const r=JSON.parse(process.argv[1]).with; if (r) console.log(`with ${r.columns.join(", ")} shown: p50 ${r.p50} ms, p95 ${r.p95} ms, max ${r.max} ms over ${r.samples.length} keystrokes`)' "$1"; }

echo
echo "== Switchboard desktop app benchmarks ($(date -u +%F), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
if [ -z "${KEYSTROKE_ONLY:-}" ]; then
echo "cold start to first paint (median of $RUNS; page cache dropped: $COLD)"
echo "  hello window            ${hello_start} ms   runs: ${hello_runs[*]}"
echo "  app, 100,000 numbers    ${app_start} ms   runs: ${app_runs[*]}"
echo "                          $(printf '%s\n' "${app_runs[@]}" | spread)"
echo "  difference              $((app_start - hello_start)) ms   (target <= 300)"
if [ -n "${BEFORE_APP:-}" ]; then
  before_start=$(printf '%s\n' "${before_runs[@]}" | median)
  echo "  before ($BEFORE_APP)  ${before_start} ms   runs: ${before_runs[*]}"
  echo "                          $(printf '%s\n' "${before_runs[@]}" | spread)"
  echo "  app - before            $((app_start - before_start)) ms"
fi
fi
if [ -z "${STARTUP_ONLY:-}" ]; then
  if [ -z "${KEYSTROKE_ONLY:-}" ]; then
  echo "idle PSS, process + WebKit children, 8 s after start"
  echo "  hello window            $hello_pss"
  echo "  app, 100,000 numbers    $app_pss"
  [ -n "${BEFORE_APP:-}" ] && echo "  before                  $before_pss"
  fi
  echo "keystroke to filtered table, 1,000,000 numbers (target <= 50 ms)"
  echo "  $(summary "$keys")"
  [ -n "$(with_extra "$keys")" ] && echo "  $(with_extra "$keys")"
  [ -n "${BEFORE_APP:-}" ] && echo "  before: $(summary "$before_keys")"
  echo "  samples: $(node -e 'const r=JSON.parse(process.argv[1]); console.log(r.samples.map(([q,m])=>`${q}=${m}`).join(" "))' "$keys")"
  [ -n "$(with_extra "$keys")" ] && echo "  samples with them: $(node -e 'const r=JSON.parse(process.argv[1]).with; console.log(r.samples.map(([q,m])=>`${q}=${m}`).join(" "))' "$keys")"
fi
echo "binaries"
[ -n "${KEYSTROKE_ONLY:-}" ] && HELLO_BIN=
ls -l "$APP_BIN" $HELLO_BIN | awk '{printf "  %-50s %6.1f MB\n", $9, $5/1048576}'
echo "installers (scripts/package-app.sh)"
if ls "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb "$CARGO_TARGET_DIR"/release/bundle/rpm/*.rpm >/dev/null 2>&1; then
  ls -l "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb "$CARGO_TARGET_DIR"/release/bundle/rpm/*.rpm | awk '{printf "  %-70s %6.1f MB\n", $9, $5/1048576}'
else
  echo "  not built; run scripts/package-app.sh first"
fi
