#!/usr/bin/env bash
# A throwaway PostgreSQL for the team end-to-end test (team.e2e.mjs), driven by scripts/e2e.sh
# and by the test itself (it stops and starts the server to take the app offline and back).
#
#   team-postgres.sh init DIR     initdb in DIR, start on a free port of 127.0.0.1, create
#                                 database "switchboard" with migrations/ applied, organization
#                                 "acme" with 200 numbers, and manager role "manager"; prints
#                                 PORT=… and writes DIR/port
#   team-postgres.sh stop DIR     pg_ctl stop (fast)
#   team-postgres.sh start DIR    pg_ctl start on the same port
#   team-postgres.sh sql DIR SQL  runs SQL as the superuser in "switchboard"; prints rows
#   team-postgres.sh destroy DIR  stops the server (immediate) and deletes DIR
#
# As root, the server runs as the "postgres" system user (PostgreSQL refuses root), which owns
# DIR. Local socket connections are trusted; TCP needs the manager's SCRAM password, as a
# real team database would. The manager's password is $E2E_PG_PASSWORD (default below).
set -euo pipefail
cmd="${1:?usage: team-postgres.sh init|start|stop|sql|destroy DIR}"
dir="${2:?DIR}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
PASSWORD="${E2E_PG_PASSWORD:-manager-e2e-secret}"

as_server() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
pg() { (cd "$dir" && as_server "$PG_BIN/$1" "${@:2}"); }
sql() {
  (cd "$dir" && PGOPTIONS="-c client_min_messages=warning" as_server "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$dir" -p "$(cat "$dir/port")" \
    -U postgres "$@")
}
start() {
  pg pg_ctl --pgdata "$dir/data" --log "$dir/postgres.log" --wait --timeout=60 --silent \
    --options="-p $(cat "$dir/port")" start
}

case "$cmd" in
  init)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    pg initdb --pgdata "$dir/data" --username postgres --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --no-locale --no-sync --no-instructions >/dev/null
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' >"$dir/port"
    chmod a+r "$dir/port"
    start
    sql -d postgres -c "CREATE DATABASE switchboard"
    for f in $(ls "$ROOT"/migrations/*.sql | sort); do
      sql -d switchboard --single-transaction -f - <"$f" >/dev/null
    done
    sql -d switchboard -v password="$PASSWORD" <<'SQL'
INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme Inc.');
INSERT INTO agents (organization_id, name) SELECT id, 'Ava' FROM organizations WHERE slug = 'acme';
CREATE ROLE manager LOGIN PASSWORD :'password'
  NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT;
GRANT switchboard_manager TO manager;
INSERT INTO users (role_name, display_name) VALUES ('manager', 'Manager');
INSERT INTO user_organizations (user_id, organization_id)
SELECT u.id, o.id FROM users u, organizations o WHERE u.role_name = 'manager' AND o.slug = 'acme';
INSERT INTO phone_numbers (organization_id, provider, phone_number, friendly_name, credentials, metadata)
SELECT o.id, 'twilio', '+1415' || (5550000 + g)::text, 'Team line ' || g, '{}',
       '{"capabilities": {"voice": true, "sms": true}}'
FROM organizations o, generate_series(1, 200) g WHERE o.slug = 'acme';
SQL
    echo "PORT=$(cat "$dir/port")"
    ;;
  start) start ;;
  stop) pg pg_ctl --pgdata "$dir/data" --mode=fast --wait --silent stop ;;
  sql) sql -d switchboard -c "${3:?SQL}" ;;
  destroy)
    if [ -d "$dir/data" ]; then
      pg pg_ctl --pgdata "$dir/data" --mode=immediate --wait --silent stop 2>/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
