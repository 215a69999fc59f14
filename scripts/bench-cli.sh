#!/usr/bin/env bash
# The CLI's manager actions end to end, as a manager runs them, against the local fake
# providers (`dev fake-providers`, NUMBERS numbers per account) with the secret in a real
# Secret Service: per round and binary, a new workspace; add an organization and a Twilio
# account; import the account's numbers; verify them all; re-point every number's voice
# webhook; search the imported numbers; export them to CSV. Each step's wall time is printed.
#
# With BEFORE_CLI=/path/to/an/older/switchboard-cli, that binary runs the same steps in the
# same run, round for round beside this one (alternating which goes first), so the two are
# compared under the same load. Prints figures; writes nothing outside a temp dir and
# CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SWITCHBOARD_BENCH_IN_VAULT:-}" ]; then
  export SWITCHBOARD_BENCH_IN_VAULT=1
  exec scripts/with-secret-service.sh "$0" "$@"
fi
NUMBERS="${NUMBERS:-10000}"
ROUNDS="${ROUNDS:-3}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --locked -q -p switchboard-cli --features fake-providers
CLI="$CARGO_TARGET_DIR/release/switchboard-cli"
SID=AC00000000000000000000000000000001
TOKEN=fake-twilio-auth-token

TMP="$(mktemp -d)"
cleanup() {
  [ -n "${FAKES_PID:-}" ] && kill "$FAKES_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
PORT="${FAKES_PORT:-47310}"
"$CLI" dev fake-providers --port "$PORT" --numbers "$NUMBERS" >"$TMP/fakes.env" 2>"$TMP/fakes.log" &
FAKES_PID=$!
for _ in $(seq 100); do grep -q credentials "$TMP/fakes.env" 2>/dev/null && break; sleep 0.1; done
# shellcheck disable=SC1091
source <(grep '^export ' "$TMP/fakes.env")

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# One round of the steps with one binary; prints "step ms" lines.
round() {
  local bin="$1" dir="$2" t
  mkdir -p "$dir"
  export SWITCHBOARD_WORKSPACE="$dir/workspace.db" SWITCHBOARD_CACHE_DIR="$dir/caches" \
    SWITCHBOARD_LOG_FILE="$dir/cli.log" SWITCHBOARD_VAULT_SERVICE="switchboard-bench-$RANDOM$RANDOM"
  "$bin" orgs add --slug acme --name Acme >/dev/null
  echo "$TOKEN" | "$bin" accounts add --org acme --provider twilio --account-sid "$SID" >/dev/null
  t=$(date +%s%N)
  "$bin" numbers import --org acme --account "$SID" --yes >/dev/null 2>&1
  echo "import $(ms "$t")"
  t=$(date +%s%N)
  "$bin" numbers verify --all --org acme >/dev/null 2>&1 || true
  echo "verify $(ms "$t")"
  t=$(date +%s%N)
  "$bin" numbers webhook --org acme --search 1 --voice-url https://hooks.example.com/voice \
    --yes --concurrency 16 >/dev/null 2>&1 || true
  echo "webhooks $(ms "$t")"
  t=$(date +%s%N)
  for q in 4 41 415 4155 Acme; do "$bin" --json numbers list --org acme --search "$q" >/dev/null; done
  echo "search(5) $(ms "$t")"
  t=$(date +%s%N)
  "$bin" numbers export --org acme --format csv --output "$dir/out.csv" >/dev/null 2>&1
  echo "export $(ms "$t")"
  echo "rows $(( $(wc -l <"$dir/out.csv") - 1 ))"
}

declare -A after before
for r in $(seq "$ROUNDS"); do
  if [ -n "${BEFORE_CLI:-}" ] && [ $((r % 2)) -eq 1 ]; then
    while read -r k v; do before[$k]+="$v "; done < <(round "$BEFORE_CLI" "$TMP/b$r")
  fi
  while read -r k v; do after[$k]+="$v "; done < <(round "$CLI" "$TMP/a$r")
  if [ -n "${BEFORE_CLI:-}" ] && [ $((r % 2)) -eq 0 ]; then
    while read -r k v; do before[$k]+="$v "; done < <(round "$BEFORE_CLI" "$TMP/b$r")
  fi
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "== switchboard-cli end to end ($(date -u +%F\ %T) UTC, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)), $NUMBERS Twilio numbers, $ROUNDS rounds, medians in ms"
printf '  %-10s %10s %10s   %s\n' step this "${BEFORE_CLI:+before}" "runs (this | before)"
for k in import verify webhooks 'search(5)' export rows; do
  printf '  %-10s %10s %10s   %s| %s\n' "$k" "$(median <<<"${after[$k]:-}")" \
    "$( [ -n "${BEFORE_CLI:-}" ] && median <<<"${before[$k]:-}")" "${after[$k]:-}" "${before[$k]:-}"
done
