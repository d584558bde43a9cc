#!/usr/bin/env bash
# Start a throw-away PostgreSQL server (Debian's package, installed if missing) and export
# SVETOFOR_TEST_POSTGRES_URL for the test suite. Source it; it stops the server on exit.
set -euo pipefail

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

if [ -z "$(pg_bin)" ]; then
  echo "installing PostgreSQL from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq postgresql >/dev/null
fi
PGBIN="$(pg_bin)"

# PostgreSQL refuses to run as root: use the package's `postgres` user then.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

PGROOT="$(mktemp -d /tmp/svetofor-pg.XXXXXX)"
chmod 755 "$PGROOT"
[ "$(id -u)" -eq 0 ] && chown postgres: "$PGROOT"
PGPORT="${SVETOFOR_TEST_PG_PORT:-$(( 55000 + RANDOM % 5000 ))}"
as_pg "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w \
  -o "-p $PGPORT -k $PGROOT -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
stop_postgres() { as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -m immediate stop >/dev/null 2>&1 || true; }
trap stop_postgres EXIT
as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres svetofor_test
export SVETOFOR_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/svetofor_test"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on port $PGPORT for the tests"
