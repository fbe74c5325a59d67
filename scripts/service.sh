#!/usr/bin/env bash
# Dockyard as systemd services: the engine (Dockyard's own dockerd), the lab-runner, the site, the front server when
# DOCKYARD_PUBLIC_URL is set and the registry mirror when DOCKYARD_REGISTRY_MIRROR_UPSTREAM is set. They start at boot,
# restart after a crash, log to the journal, run from this repository and read their settings from one environment file.
#
#   scripts/service.sh install    writes the environment file (from this shell's DOCKYARD_*, DATABASE_URL and PORT,
#                                 mode 0600: it may hold secrets) and the units, verifies them with systemd-analyze,
#                                 and enables them when systemd runs
#   scripts/service.sh uninstall  stops and disables the units and removes them (the environment file stays)
#   scripts/service.sh status     the units and what systemd says of them
# Options (before or after the command): --unit-dir DIR (/etc/systemd/system), --env-file FILE (/etc/dockyard/dockyard.env).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
unit_dir=/etc/systemd/system
env_file=/etc/dockyard/dockyard.env
command=
while (($#)); do
  case "$1" in
    --unit-dir) unit_dir=${2:?--unit-dir needs a directory}; shift 2 ;;
    --env-file) env_file=${2:?--env-file needs a file}; shift 2 ;;
    install | uninstall | status) command=$1; shift ;;
    *) echo "usage: $0 install|uninstall|status [--unit-dir DIR] [--env-file FILE]" >&2; exit 2 ;;
  esac
done

log() { echo "[service] $*"; }
die() { echo "[service] ERROR: $*" >&2; exit 1; }
systemd_runs() { [[ -d /run/systemd/system ]]; } # what sd_booted() checks
not_systemd() { echo "systemd is not running on this machine (PID 1 is $(cat /proc/1/comm 2>/dev/null || echo unknown))"; }

# The units, in start order. The front unit only for a public address (scripts/front.sh serves it), the mirror's only
# for an upstream (scripts/mirror.sh).
units() { echo "dockyard-engine${DOCKYARD_REGISTRY_MIRROR_UPSTREAM:+ dockyard-mirror} dockyard-runner dockyard-site${DOCKYARD_PUBLIC_URL:+ dockyard-front}"; }
ALL_UNITS=(dockyard-engine dockyard-mirror dockyard-runner dockyard-site dockyard-front)
PATH_DIRS=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# The one template every unit comes from: unit NAME DESCRIPTION "UNITS IT NEEDS" TYPE COMMAND [SERVICE LINES…]
unit() {
  local name=$1 description=$2 needs=$3 type=$4 command=$5
  shift 5
  cat <<EOF
# Written by scripts/service.sh install from $root: change that script and install again, not this file.
[Unit]
Description=Dockyard: $description
Documentation=file://$root/README.md
After=network.target${needs:+ $needs}
${needs:+Wants=$needs
}StartLimitIntervalSec=120
StartLimitBurst=10

[Service]
Type=$type
WorkingDirectory=$root
EnvironmentFile=$env_file
Environment=NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PATH=$search_path
ExecStart=$command
Restart=always
RestartSec=2
SyslogIdentifier=$name
EOF
  printf '%s\n' "$@"
  cat <<EOF

[Install]
WantedBy=multi-user.target
EOF
}

write_units() {
  local npm bash
  npm=$(command -v npm) || die "npm is not installed"
  node_dir=$(dirname "$(command -v node)")
  # (npm's scripts find node on PATH, which is systemd's own unless a unit sets it)
  [[ :$PATH_DIRS: == *:$node_dir:* ]] && search_path=$PATH_DIRS || search_path=$node_dir:$PATH_DIRS
  bash=$(command -v bash)
  mkdir -p "$unit_dir"
  # dockerd itself is the engine unit's process (engine.sh run execs it) and tells systemd when it is ready. Its
  # containerd shims must outlive it (live-restore: the sandboxes keep running while it restarts), so only it is
  # signalled, and it manages the cgroups of its own children.
  unit dockyard-engine "Docker engine of its own (the learners' sandboxes)" "" notify "$bash scripts/engine.sh run" \
    "ExecStartPost=$bash scripts/engine.sh firewall" "NotifyAccess=main" "KillMode=process" "Delegate=yes" \
    "LimitNOFILE=infinity" "TasksMax=infinity" "TimeoutStartSec=300" >"$unit_dir/dockyard-engine.service"
  # The registry mirror listens on the engine's bridge address, which the engine unit makes.
  if [[ -n ${DOCKYARD_REGISTRY_MIRROR_UPSTREAM:-} ]]; then
    unit dockyard-mirror "registry mirror (docker-registry, proxy of $DOCKYARD_REGISTRY_MIRROR_UPSTREAM)" dockyard-engine.service exec \
      "$bash scripts/mirror.sh run" >"$unit_dir/dockyard-mirror.service"
  else
    rm -f "$unit_dir/dockyard-mirror.service"
  fi
  # The lab-runner's terminals live in its own process: stopping it ends them (the learners' pages reconnect).
  unit dockyard-runner "lab-runner (sandboxes, terminals, checks)" dockyard-engine.service exec "$npm run -s start:runner" \
    "LimitNOFILE=65536" >"$unit_dir/dockyard-runner.service"
  unit dockyard-site "site (Next.js)" dockyard-runner.service exec "$npm run -s start:site" >"$unit_dir/dockyard-site.service"
  if [[ -n ${DOCKYARD_PUBLIC_URL:-} ]]; then
    [[ -f scripts/front.sh ]] || log "warning: scripts/front.sh is not in this checkout: dockyard-front will fail until it is"
    unit dockyard-front "front server (Caddy, HTTPS at $DOCKYARD_PUBLIC_URL)" "dockyard-site.service dockyard-runner.service" exec \
      "$bash scripts/front.sh run" "AmbientCapabilities=CAP_NET_BIND_SERVICE" >"$unit_dir/dockyard-front.service"
  else
    rm -f "$unit_dir/dockyard-front.service"
  fi
}

# systemd's environment file syntax: one KEY="value" a line, backslash and double quote escaped. A value with a
# line break cannot be written so; it is refused rather than cut.
write_env_file() {
  local name value tmp
  mkdir -p "$(dirname "$env_file")"
  tmp=$(mktemp "$env_file.XXXXXX")
  chmod 0600 "$tmp"
  {
    echo "# Dockyard's settings for its systemd units (README: Settings), written by scripts/service.sh install."
    for name in $(compgen -e | grep -E '^(DOCKYARD_[A-Z0-9_]+|DATABASE_URL|PORT)$' | sort); do
      value=${!name}
      [[ $value != *$'\n'* ]] || { rm -f "$tmp"; die "$name holds a line break, which an environment file cannot hold"; }
      value=${value//\\/\\\\}
      printf '%s="%s"\n' "$name" "${value//\"/\\\"}"
    done
  } >"$tmp"
  if [[ -f $env_file ]] && ! cmp -s "$tmp" "$env_file"; then
    cp -p "$env_file" "$env_file.old"
    log "the previous $env_file is kept as $env_file.old"
  fi
  mv "$tmp" "$env_file"
  log "settings: $env_file ($(grep -c '^[A-Z]' "$env_file") variables, mode 0600)"
}

verify() {
  local files=() out
  for u in $(units); do files+=("$unit_dir/$u.service"); done
  out=$(systemd-analyze verify "${files[@]}" 2>&1) || die "systemd-analyze verify refused the units:"$'\n'"$out"
  [[ -z $out ]] || die "systemd-analyze verify warned about the units:"$'\n'"$out"
  log "units verified (systemd-analyze verify): ${files[*]}"
}

install_units() {
  [[ -f .next/BUILD_ID ]] || die "the site is not built: run scripts/setup.sh first"
  command -v systemd-analyze >/dev/null || die "systemd-analyze is missing: apt-get install -y systemd"
  write_env_file
  write_units
  verify
  if ! systemd_runs; then
    log "$(not_systemd): the units are written and verified, but nothing is enabled or started."
    log "On a host booted with systemd, run this again, or: systemctl daemon-reload && systemctl enable --now $(units)"
    return 0
  fi
  systemctl daemon-reload
  systemctl enable $(units)
  log "enabled: $(units). They start at boot; to start them now (after stopping scripts/start.sh and scripts/engine.sh stop):"
  log "  systemctl start $(units)"
}

uninstall_units() {
  if systemd_runs; then
    systemctl disable --now "${ALL_UNITS[@]/%/.service}" 2>/dev/null || true
  else
    log "$(not_systemd): nothing to stop or disable"
  fi
  for u in "${ALL_UNITS[@]}"; do rm -f "$unit_dir/$u.service"; done
  ! systemd_runs || systemctl daemon-reload
  log "units removed from $unit_dir; the settings stay in $env_file"
}

status_units() {
  local installed=()
  for u in "${ALL_UNITS[@]}"; do
    if [[ -f $unit_dir/$u.service ]]; then installed+=("$u"); log "$u: $unit_dir/$u.service"; else log "$u: not installed"; fi
  done
  if ! systemd_runs; then
    log "$(not_systemd): no unit runs under it"
    return 1
  fi
  ((${#installed[@]} == 0)) || systemctl --no-pager status "${installed[@]}"
}

case "$command" in
  install) install_units ;;
  uninstall) uninstall_units ;;
  status) status_units ;;
  *) echo "usage: $0 install|uninstall|status [--unit-dir DIR] [--env-file FILE]" >&2; exit 2 ;;
esac
