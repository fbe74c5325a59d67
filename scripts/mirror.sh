#!/usr/bin/env bash
# The pull-through registry mirror (README "Images beyond the offline set"): Debian's docker-registry in proxy mode,
# caching for every lab what any lab pulled from DOCKYARD_REGISTRY_MIRROR_UPSTREAM. It listens on the engine's bridge
# address only, and the firewall lets the lab bridges reach that address and port and nothing else of the host
# (scripts/engine.sh drops the rest). Its configuration is written from the settings by scripts/mirror.ts; its cache,
# log and pidfile are kept in $DOCKYARD_STATE_DIR/mirror.
#   scripts/mirror.sh start    idempotent: (re)starts it in the background as configured, or stops it when no upstream is set
#   scripts/mirror.sh stop     stops it and closes its port
#   scripts/mirror.sh status   exit 0 when it answers
#   scripts/mirror.sh run      in the foreground (the systemd unit, scripts/service.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

STATE_DIR=${DOCKYARD_STATE_DIR:-/var/lib/dockyard}
DIR=$STATE_DIR/mirror
REGISTRY=/usr/bin/docker-registry
CHAIN=DOCKYARD-MIRROR # jumped to first from DOCKYARD-INPUT (scripts/engine.sh), ahead of its drops
LAB_BRIDGES=dyl-+
START_TIMEOUT=30

log() { echo "[mirror] $*"; }
die() { echo "[mirror] ERROR: $*" >&2; exit 1; }

# "<address> <port> <directory>", or "off".
configure() {
  local line
  line=$(npx --no-install tsx scripts/mirror.ts | tail -n 1) || die "scripts/mirror.ts could not write the configuration"
  [[ $line == off ]] && return 1
  read -r ADDRESS PORT DIR <<<"$line"
}

live_pid() {
  local pid
  pid=$(cat "$DIR/registry.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/comm && $(</proc/"$pid"/comm) == docker-registry ]] || return 1
  echo "$pid"
}

answers() { timeout 2 bash -c "exec 3<>/dev/tcp/$ADDRESS/$PORT" 2>/dev/null; }

preflight() {
  [[ $(id -u) == 0 ]] || die "must run as root (it changes the firewall)"
  [[ -x $REGISTRY ]] || die "docker-registry is not installed: scripts/setup.sh installs it (apt-get install -y docker-registry)"
  [[ $(ip -4 -o addr show) == *" $ADDRESS/"* ]] ||
    die "the engine's bridge address $ADDRESS is not on this host, so the mirror has nowhere to listen: run scripts/engine.sh start first"
}

# The sandboxes may open connections to the mirror's address and port, and to nothing else of the host.
open_port() {
  local ipt=(iptables -w 10)
  "${ipt[@]}" -N "$CHAIN" 2>/dev/null || true
  "${ipt[@]}" -F "$CHAIN"
  "${ipt[@]}" -A "$CHAIN" -i "$LAB_BRIDGES" -d "$ADDRESS" -p tcp --dport "$PORT" -j ACCEPT
  # (an engine started before the mirror existed has no jump to it yet)
  "${ipt[@]}" -C DOCKYARD-INPUT -j "$CHAIN" 2>/dev/null || "${ipt[@]}" -I DOCKYARD-INPUT 1 -j "$CHAIN"
}

close_port() { iptables -w 10 -F "$CHAIN" 2>/dev/null || true; }

stop() {
  local pid
  close_port
  if ! pid=$(live_pid); then
    rm -f "$DIR/registry.pid"
    log "not running"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 40); do
    [[ -d /proc/$pid ]] || break
    sleep 0.25
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$DIR/registry.pid"
  log "stopped"
}

start() {
  configure || { stop >/dev/null; log "off: DOCKYARD_REGISTRY_MIRROR_UPSTREAM is not set"; return 0; }
  preflight
  local pid upstream
  upstream=$(grep -o '"remoteurl": *"[^"]*"' "$DIR/config.yml" | cut -d'"' -f4)
  if pid=$(live_pid) && cmp -s "$DIR/config.yml" "$DIR/config.running.yml" && answers; then
    open_port
    log "already running (pid $pid, http://$ADDRESS:$PORT, upstream $upstream)"
    return 0
  fi
  live_pid >/dev/null && { log "restarting with the new configuration"; stop >/dev/null; }
  cp "$DIR/config.yml" "$DIR/config.running.yml"
  echo "---- $(date -Is) mirror.sh start" >>"$DIR/registry.log"
  # (without job control a background job leads no process group, so setsid execs in place: $! is the registry)
  setsid "$REGISTRY" serve "$DIR/config.running.yml" >>"$DIR/registry.log" 2>&1 </dev/null &
  echo $! >"$DIR/registry.pid"
  for _ in $(seq 1 $((START_TIMEOUT * 4))); do
    answers && { open_port; log "running (pid $!, http://$ADDRESS:$PORT, upstream $upstream, cache $DIR/data)"; return 0; }
    live_pid >/dev/null || break
    sleep 0.25
  done
  tail -n 20 "$DIR/registry.log" >&2
  stop >/dev/null
  die "docker-registry did not answer on $ADDRESS:$PORT (log above, full log: $DIR/registry.log)"
}

run() {
  configure || die "DOCKYARD_REGISTRY_MIRROR_UPSTREAM is not set: there is no mirror to run"
  preflight
  live_pid >/dev/null && die "a mirror started outside this unit runs: stop it first with scripts/mirror.sh stop"
  cp "$DIR/config.yml" "$DIR/config.running.yml"
  open_port
  exec "$REGISTRY" serve "$DIR/config.running.yml"
}

status() {
  if configure && live_pid >/dev/null && answers; then
    log "running (pid $(live_pid), http://$ADDRESS:$PORT)"
  else
    log "not running"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  run) run ;;
  *) echo "usage: $0 start|stop|status|run" >&2; exit 2 ;;
esac
