#!/usr/bin/env bash
# A PostgreSQL server of Dockyard's own, from Debian's postgresql package: its own cluster (data in
# $DOCKYARD_STATE_DIR/postgres, 127.0.0.1 port 5433) and a login role that may create databases. The tests use it
# to run against a real PostgreSQL; anyone may point DATABASE_URL at it. Safe to run again.
#   scripts/postgres.sh start   prints the server's URL, postgresql://dockyard:dockyard@127.0.0.1:5433
#   scripts/postgres.sh stop
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "[postgres] Debian's postgresql package is not installed (apt-get install postgresql)" >&2; exit 1; }
home="${DOCKYARD_STATE_DIR:-/var/lib/dockyard}/postgres"
port="${DOCKYARD_POSTGRES_PORT:-5433}"
as_postgres() { runuser -u postgres -- "$@"; }
psql_admin() { as_postgres "$bin/psql" -h "$home" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -tAq "$@"; }

case "${1:-start}" in
start)
  install -d -m 755 "$(dirname "$home")"
  install -d -o postgres -g postgres -m 700 "$home"
  [ -f "$home/data/PG_VERSION" ] ||
    as_postgres "$bin/initdb" -D "$home/data" -U postgres --auth-local=peer --auth-host=scram-sha-256 >"$home/initdb.log"
  if ! as_postgres "$bin/pg_ctl" -D "$home/data" status >/dev/null; then
    as_postgres "$bin/pg_ctl" -D "$home/data" -l "$home/server.log" -w -t 60 \
      -o "-p $port -k $home -c listen_addresses=127.0.0.1" start >/dev/null ||
      { tail -20 "$home/server.log" >&2; exit 1; }
  fi
  [ "$(psql_admin -c "select 1 from pg_roles where rolname = 'dockyard'")" = 1 ] ||
    psql_admin -c "create role dockyard login createdb password 'dockyard'"
  echo "postgresql://dockyard:dockyard@127.0.0.1:$port"
  ;;
stop)
  [ ! -f "$home/data/PG_VERSION" ] || as_postgres "$bin/pg_ctl" -D "$home/data" -m fast stop >/dev/null || true
  ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
