#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and starts Dockyard: the lab-runner and the site, on http://localhost:3000; with
# DOCKYARD_PUBLIC_URL=https://labs.example.org also the front server (scripts/front.sh), which serves it all there.
# Ctrl-C stops them; sandboxes keep running and are adopted again by the next start.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
# A public address that cannot work (a preview address same-site with it, say) stops here, before anything starts.
[ -z "${DOCKYARD_PUBLIC_URL:-}" ] || bash scripts/front.sh check

npm run -s start:runner &
runner=$!
PORT="${PORT:-3000}" npm run -s start:site &
site=$!
services=($runner $site)
address="http://localhost:${PORT:-3000}"
if [ -n "${DOCKYARD_PUBLIC_URL:-}" ]; then
  bash scripts/front.sh run &
  services+=($!)
  address=$DOCKYARD_PUBLIC_URL
fi
trap 'kill ${services[*]} 2>/dev/null; wait' INT TERM EXIT
printf '\n\033[1mDockyard is starting on %s\033[0m (Ctrl-C stops it)\n' "$address"
wait -n "${services[@]}"
