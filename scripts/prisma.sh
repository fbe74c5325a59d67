#!/usr/bin/env bash
# The one place Prisma's CLI is called. Prisma's CLI wants to download native engines at first use; with the
# WASM schema engine and the JS query compiler (see prisma.config.ts) none are executed, so pointing these
# variables at any existing file skips the download. Works offline.
set -euo pipefail
cd "$(dirname "$0")/.."
export PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-$PWD/package.json}"
export PRISMA_QUERY_ENGINE_LIBRARY="${PRISMA_QUERY_ENGINE_LIBRARY:-$PWD/package.json}"
export PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1
# The schema names DATABASE_URL; its default comes from the one config module.
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(npx --no-install tsx -e 'import("./lab-runner/src/shared/config.ts").then(c => console.log(c.databaseUrl()))')
  export DATABASE_URL
fi
case "$DATABASE_URL" in file:*) mkdir -p "$(dirname "${DATABASE_URL#file:}")" ;; esac
exec npx --no-install prisma "$@"
