#!/usr/bin/env bash
# PostgreSQL in Dockyard's image for the cluster (deploy/postgres.yaml): Debian's server, its data on the pod's volume.
# On first start it makes the cluster and the login role and database `dockyard` with POSTGRES_PASSWORD; then it runs
# the server in the foreground as the postgres user, listening on every address with password (scram) logins only.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
data=${PGDATA:-/var/lib/postgresql/data/pgdata} # a folder of the volume's own: its root may hold lost+found
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set (the Secret dockyard-secrets)}"
as_postgres() { runuser -u postgres -- "$@"; }

install -d -o postgres -g postgres -m 700 "$data" /run/postgresql
if [ ! -f "$data/PG_VERSION" ]; then
  as_postgres "$bin/initdb" -D "$data" -U postgres --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  echo "host all all all scram-sha-256" >>"$data/pg_hba.conf"
  as_postgres "$bin/postgres" --single -D "$data" postgres <<<"create role dockyard login password '${POSTGRES_PASSWORD//\'/\'\'}';" >/dev/null
  as_postgres "$bin/postgres" --single -D "$data" postgres <<<"create database dockyard owner dockyard;" >/dev/null
fi
exec runuser -u postgres -- "$bin/postgres" -D "$data" -c listen_addresses='*' -c unix_socket_directories=/run/postgresql
