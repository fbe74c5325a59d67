#!/usr/bin/env bash
# The one place Prisma's CLI is called. Prisma's CLI wants to download native engines at first use; with the
# WASM schema engine and the JS query compiler (see prisma.config.ts) none are executed, so pointing these
# variables at any existing file skips the download. Works offline.
#
# prisma/schema.prisma is the one schema (SQLite). Its PostgreSQL twin, prisma/postgresql/schema.prisma, is
# derived from it here and committed beside the PostgreSQL migrations it describes. Besides Prisma's own commands:
#   scripts/prisma.sh generate              both clients (app/_generated/prisma and prisma-postgresql)
#   scripts/prisma.sh migrate deploy        applies the migrations of the database DATABASE_URL names
#   scripts/prisma.sh new-migration NAME    writes the SQLite and PostgreSQL migrations for a schema change
#   scripts/prisma.sh check-twin            fails if the PostgreSQL schema no longer matches the SQLite one
set -euo pipefail
cd "$(dirname "$0")/.."
export PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-$PWD/package.json}"
export PRISMA_QUERY_ENGINE_LIBRARY="${PRISMA_QUERY_ENGINE_LIBRARY:-$PWD/package.json}"
export PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1
# The schema names DATABASE_URL; its default comes from the one config module.
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(npx --no-install tsx -e 'import("./lab-runner/contract/config.ts").then(c => console.log(c.databaseUrl()))')
  export DATABASE_URL
fi
case "$DATABASE_URL" in file:*) mkdir -p "$(dirname "${DATABASE_URL#file:}")" ;; esac

prisma() { npx --no-install prisma "$@"; }
pg_schema=prisma/postgresql/schema.prisma
# The PostgreSQL twin of a SQLite schema: another provider, and its client generated beside the SQLite one.
to_postgresql() {
  sed -e 's/^\(\s*provider\s*=\s*\)"sqlite"/\1"postgresql"/' \
      -e 's#^\(\s*output\s*=\s*\)"\.\./app/_generated/prisma"#\1"../../app/_generated/prisma-postgresql"#' \
      -e '1i // Derived from prisma/schema.prisma by scripts/prisma.sh new-migration: edit that file, not this one.' "$1"
}
from_postgresql() { sed -e '1d' -e 's/"postgresql"/"sqlite"/' -e 's#"\.\./\.\./app/_generated/prisma-postgresql"#"../app/_generated/prisma"#' "$1"; }

case "${1:-} ${2:-}" in
"generate ")
  prisma generate
  prisma generate --schema "$pg_schema"
  ;;
"migrate deploy")
  case "$DATABASE_URL" in
  # Prisma's migrate cannot yet read a PostgreSQL schema through a driver adapter (prisma/orm#27403), so
  # PostgreSQL migrations are applied by our own small migrator, into Prisma's own history table.
  postgres://* | postgresql://*) exec npx --no-install tsx prisma/postgresql/migrate.ts ;;
  *) exec npx --no-install prisma migrate deploy ;;
  esac
  ;;
new-migration\ *)
  name=${2:?usage: scripts/prisma.sh new-migration NAME}
  folder="$(date -u +%Y%m%d%H%M%S)_$name"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # The committed PostgreSQL schema is the schema the migrations reach; diff from it to the edited schema.
  from_postgresql "$pg_schema" >"$tmp/before.prisma"
  to_postgresql prisma/schema.prisma >"$tmp/after.prisma"
  mkdir -p "prisma/migrations/$folder" "prisma/postgresql/migrations/$folder"
  # Prisma diffs through the driver adapter, which wants a database of the same kind to talk to (nothing in it changes).
  DATABASE_URL="file:$tmp/diff.db" prisma migrate diff --from-schema-datamodel "$tmp/before.prisma" \
    --to-schema-datamodel prisma/schema.prisma --script >"prisma/migrations/$folder/migration.sql"
  DATABASE_URL="$(bash scripts/postgres.sh start)/postgres" prisma migrate diff --from-schema-datamodel "$pg_schema" \
    --to-schema-datamodel "$tmp/after.prisma" --script >"prisma/postgresql/migrations/$folder/migration.sql"
  cp "$tmp/after.prisma" "$pg_schema"
  echo "wrote prisma/migrations/$folder and prisma/postgresql/migrations/$folder"
  ;;
"check-twin ")
  diff -u "$pg_schema" <(to_postgresql prisma/schema.prisma) >&2 ||
    { echo "prisma/schema.prisma changed without a migration: run scripts/prisma.sh new-migration NAME" >&2; exit 1; }
  ;;
*) exec npx --no-install prisma "$@" ;;
esac
