#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and starts Dockyard: the lab-runner and the site, on http://localhost:3000.
# Ctrl-C stops both; sandboxes keep running and are adopted again by the next start.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NODE_ENV=production NEXT_TELEMETRY_DISABLED=1

npm run -s start:runner &
runner=$!
PORT="${PORT:-3000}" npm run -s start:site &
site=$!
trap 'kill $runner $site 2>/dev/null; wait' INT TERM EXIT
printf '\n\033[1mDockyard is starting on http://localhost:%s\033[0m (Ctrl-C stops it)\n' "${PORT:-3000}"
wait -n $runner $site
