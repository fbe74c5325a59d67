#!/usr/bin/env bash
# The front server: Debian's Caddy serving Dockyard over HTTPS on DOCKYARD_PUBLIC_URL, and web previews on their
# own origin (DOCKYARD_PREVIEW_URL). Its Caddyfile is written from the settings (scripts/front.ts); certificates,
# its own CA and ACME account are kept under $DOCKYARD_STATE_DIR/front.
#   scripts/front.sh run     writes and validates the Caddyfile, then runs Caddy in the foreground (Ctrl-C stops it)
#   scripts/front.sh check   writes and validates it only
set -euo pipefail
cd "$(dirname "$0")/.."
command -v caddy >/dev/null || { echo "[front] caddy is not installed: scripts/setup.sh installs it" >&2; exit 1; }

caddyfile=$(npx --no-install tsx scripts/front.ts | tail -n 1)
# Caddy keeps what it would autosave beside the Caddyfile, not in root's home.
export XDG_CONFIG_HOME="$(dirname "$caddyfile")/config" XDG_DATA_HOME="$(dirname "$caddyfile")/data"
caddy validate --config "$caddyfile" --adapter caddyfile >/dev/null 2>"$caddyfile.validate.log" ||
  { cat "$caddyfile.validate.log" >&2; echo "[front] $caddyfile is not valid (above)" >&2; exit 1; }

case "${1:-run}" in
  run) exec caddy run --config "$caddyfile" --adapter caddyfile ;;
  check) echo "[front] $caddyfile is valid" >&2 ;;
  *) echo "usage: scripts/front.sh run|check" >&2; exit 2 ;;
esac
