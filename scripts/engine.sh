#!/usr/bin/env bash
# Dockyard's own Docker engine: a dedicated, userns-remapped dockerd that runs the learners' sandboxes.
# It never touches the host's default daemon (own socket, data root, exec root, bridge, containerd namespace).
#
#   scripts/engine.sh start    idempotent: host prep + firewall + start dockerd, wait until it answers
#   scripts/engine.sh stop     stop Dockyard's dockerd (running sandboxes stop with it)
#   scripts/engine.sh status   exit 0 when the engine answers
#   scripts/engine.sh run      the same host prep, then dockerd in the foreground (the systemd unit, scripts/service.sh)
#   scripts/engine.sh firewall once the engine answers, its firewall rules (the unit's ExecStartPost)
set -euo pipefail

STATE_DIR=${DOCKYARD_STATE_DIR:-/var/lib/dockyard}
ENGINE_DIR=$STATE_DIR/engine
SOCK=${DOCKYARD_ENGINE_SOCKET:-$ENGINE_DIR/docker.sock}
PIDFILE=$ENGINE_DIR/dockerd.pid
LOG=$ENGINE_DIR/dockerd.log
CONFIG=$ENGINE_DIR/daemon.json
ANCHOR=$STATE_DIR/sysfs-anchor
DISK_IMG=$STATE_DIR/disk.ext4
DISK_DIR=$STATE_DIR/disk
NODES_IMG=$STATE_DIR/nodes.xfs
NODES_DIR=$STATE_DIR/nodes
ANCHOR_NETNS=dockyard-anchor
START_TIMEOUT=${DOCKYARD_ENGINE_START_TIMEOUT:-60}

# Address plan (all Dockyard-owned, none overlaps another or Docker's default 172.17/16):
#   10.213.0.0/24    engine default bridge dybr0 (unused by sandboxes)
#   10.213.64.0/18   engine default-address-pools (networks created without an explicit subnet)
#   10.214.0.0/16    lab networks, one /24 per sandbox, allocated by the driver (bridges named dyl-<N>)
#   10.220.0.0/24    inner daemons' docker0, 10.221.0.0/16 inner default-address-pools (sandbox image)
BRIDGE=dybr0
BRIDGE_CIDR=10.213.0.1/24
ENGINE_POOL=10.213.64.0/18
LAB_BRIDGE_PREFIX=dyl-

DOCKER=/usr/bin/docker
DOCKERD=/usr/sbin/dockerd

log() { echo "[engine] $*"; }
die() { echo "[engine] ERROR: $*" >&2; exit 1; }

require_tools() {
  local missing=()
  [[ -x $DOCKERD && -x $DOCKER ]] || missing+=(docker.io)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v nsenter >/dev/null || missing+=(util-linux)
  command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
  command -v mkfs.xfs >/dev/null || missing+=(xfsprogs)
  if ((${#missing[@]})); then
    die "missing ${missing[*]}; install with: apt-get install -y ${missing[*]}"
  fi
  [[ $(id -u) == 0 ]] || die "must run as root (it starts a dockerd and configures the host firewall)"
}

engine_answers() { timeout 5 "$DOCKER" -H "unix://$SOCK" info >/dev/null 2>&1; }

# The pid from the pidfile, only if that process is alive and really a dockerd (pidfiles go stale).
live_pid() {
  [[ -f $PIDFILE ]] || return 1
  local pid; pid=$(<"$PIDFILE")
  [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/comm ]] && [[ $(</proc/"$pid"/comm) == dockerd ]] || return 1
  [[ $(awk '{ print $3 }' /proc/"$pid"/stat 2>/dev/null) != Z ]] || return 1 # killed, not yet reaped
  echo "$pid"
}

# An rw sysfs of an empty network namespace: bind-mounted into sandboxes it lets an inner
# `docker run --privileged` mount a writable sysfs (the kernel only allows that in a userns when an
# rw sysfs is already visible). Survives re-runs: skips what is already there.
prep_sysfs_anchor() {
  mkdir -p "$ANCHOR"
  mountpoint -q "$ANCHOR" && return 0
  [[ -e /run/netns/$ANCHOR_NETNS ]] || ip netns add "$ANCHOR_NETNS"
  nsenter --net=/run/netns/$ANCHOR_NETNS mount -t sysfs -o rw,nosuid,nodev,noexec sysfs "$ANCHOR"
  log "sysfs anchor mounted at $ANCHOR"
}

# Sandboxes write only into filesystems of Dockyard's own (sparse files, loop-mounted), so nothing a learner does
# can fill the host's disk: one holds the engine's data root, the other each node's own disk
# (lab-runner/src/sandbox/docker/disk.ts: its Docker data, /root and /tmp, bounded per node) and the templates
# new node disks are cloned from (templates.ts). That one is XFS with reflink, which clones a file in O(1); the
# engine's needs no clones and stays ext4 where it was made so (a machine set up before the templates: moving the
# engine's data root would stop every lab and copy every image). Their sizes: DOCKYARD_DISK_GIB in all, else 70%
# of the space free when they are made, a quarter for the engine's; the nodes' file made beside an engine's file
# of before gets all of that.
disk_budget_gib() { echo "${DOCKYARD_DISK_GIB:-$(($(df -B1G --output=avail "$STATE_DIR" | tail -1) * 7 / 10))}"; }

# Both are mounted with discard: what is deleted inside (a removed lab's disk, an image) goes back to the host's disk
# instead of staying allocated in the sparse file (measured: 48 GiB held by a file system using 1.7 GiB, until fstrim).
prep_disk() {
  mkdir -p "$DISK_DIR"
  mountpoint -q "$DISK_DIR" && { mount -o remount,discard "$DISK_DIR" || true; fstrim "$DISK_DIR" || true; return 0; }
  if [[ ! -f $DISK_IMG ]]; then
    local gib; gib=$(($(disk_budget_gib) / 4))
    ((gib >= 10)) || gib=10
    truncate -s "${gib}G" "$DISK_IMG.tmp"
    mkfs.ext4 -q -m 0 -E lazy_itable_init=1 "$DISK_IMG.tmp"
    mv "$DISK_IMG.tmp" "$DISK_IMG"
    ENGINE_DISK_MADE=1
    log "made a ${gib} GiB filesystem (a sparse file) for the engine: $DISK_IMG"
  fi
  mount -o loop,noatime,discard "$DISK_IMG" "$DISK_DIR"
  log "the engine's filesystem is mounted at $DISK_DIR"
}

prep_nodes_disk() { # after prep_disk
  mkdir -p "$NODES_DIR"
  mountpoint -q "$NODES_DIR" && { mount -o remount,discard "$NODES_DIR" 2>/dev/null || true; fstrim "$NODES_DIR" || true; return 0; }
  if [[ ! -f $NODES_IMG ]]; then
    local gib; gib=$(disk_budget_gib) # beside an engine's file made before
    [[ -z ${ENGINE_DISK_MADE:-} ]] || gib=$((gib - $(stat -c %s "$DISK_IMG") / 1024 ** 3))
    ((gib >= 10)) || die "only ${gib} GiB would be left for the nodes' disks at $STATE_DIR: free some space or set DOCKYARD_DISK_GIB"
    truncate -s "${gib}G" "$NODES_IMG.tmp"
    mkfs.xfs -q -m reflink=1 "$NODES_IMG.tmp"
    mv "$NODES_IMG.tmp" "$NODES_IMG"
    log "made a ${gib} GiB XFS filesystem (a sparse file) for the nodes' disks: $NODES_IMG"
  fi
  mount -o loop,noatime,discard "$NODES_IMG" "$NODES_DIR"
  log "the nodes' filesystem is mounted at $NODES_DIR"
}

prep_bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  # (not `ip … | grep -q`: under pipefail, grep quitting early fails the pipe with SIGPIPE)
  [[ $(ip addr show dev "$BRIDGE") == *"inet ${BRIDGE_CIDR%/*}/"* ]] || ip addr add "$BRIDGE_CIDR" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

# Sandboxes may answer the host (replies to host-initiated connections) but may not open connections
# to any host address: platform services listen on 127.0.0.1 anyway; this also covers services that
# bind 0.0.0.0 (reachable on every bridge gateway otherwise). Link-local (cloud metadata) is dropped too.
prep_firewall() {
  local ipt=(iptables -w 10)
  "${ipt[@]}" -N DOCKYARD-INPUT 2>/dev/null || true
  "${ipt[@]}" -F DOCKYARD-INPUT
  # The one exception, when a registry mirror runs: its address and port, which scripts/mirror.sh puts in this chain.
  "${ipt[@]}" -N DOCKYARD-MIRROR 2>/dev/null || true
  "${ipt[@]}" -A DOCKYARD-INPUT -j DOCKYARD-MIRROR
  for ifc in "${LAB_BRIDGE_PREFIX}+" "$BRIDGE"; do
    "${ipt[@]}" -A DOCKYARD-INPUT -i "$ifc" -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
    "${ipt[@]}" -A DOCKYARD-INPUT -i "$ifc" -j DROP
  done
  "${ipt[@]}" -C INPUT -j DOCKYARD-INPUT 2>/dev/null || "${ipt[@]}" -I INPUT 1 -j DOCKYARD-INPUT
  # Nor may they reach the internet: what a sandbox sends stays on its lab's bridge (its nodes, its registry);
  # its inner containers install software from the package source it serves itself (scripts/packages.sh).
  # REJECT, not DROP: `apt-get update` against the internet fails at once instead of hanging. The chain hangs
  # off DOCKER-USER, which dockerd keeps ahead of the ACCEPT rules it adds to FORWARD for each new network
  # (and which exists once the engine ran).
  "${ipt[@]}" -N DOCKYARD-FORWARD 2>/dev/null || true
  "${ipt[@]}" -F DOCKYARD-FORWARD
  "${ipt[@]}" -A DOCKYARD-FORWARD -i "${LAB_BRIDGE_PREFIX}+" -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
  "${ipt[@]}" -A DOCKYARD-FORWARD -i "${LAB_BRIDGE_PREFIX}+" ! -o "${LAB_BRIDGE_PREFIX}+" -j REJECT
  "${ipt[@]}" -A DOCKYARD-FORWARD -i "$BRIDGE" -d 169.254.0.0/16 -j DROP
  "${ipt[@]}" -C DOCKER-USER -j DOCKYARD-FORWARD 2>/dev/null || "${ipt[@]}" -I DOCKER-USER 1 -j DOCKYARD-FORWARD
  prep_firewall6
}

# The same over IPv6. Dockyard's networks are IPv4 only, yet sandbox root can turn IPv6 on in its own network
# namespace (a fresh procfs mount makes its net sysctls writable) and reach the host's link-local address on the
# bridge, and through it whatever listens on [::]. Nothing of Dockyard speaks IPv6 to a sandbox: drop all of it
# that comes from or goes to a sandbox bridge, to the host and onwards.
prep_firewall6() {
  local ipt=(ip6tables -w 10)
  "${ipt[@]}" -N DOCKYARD-INPUT 2>/dev/null || true
  "${ipt[@]}" -F DOCKYARD-INPUT
  "${ipt[@]}" -N DOCKYARD-FORWARD 2>/dev/null || true
  "${ipt[@]}" -F DOCKYARD-FORWARD
  for ifc in "${LAB_BRIDGE_PREFIX}+" "$BRIDGE"; do
    "${ipt[@]}" -A DOCKYARD-INPUT -i "$ifc" -j DROP
    "${ipt[@]}" -A DOCKYARD-FORWARD -i "$ifc" -j DROP
    "${ipt[@]}" -A DOCKYARD-FORWARD -o "$ifc" -j DROP
  done
  "${ipt[@]}" -C INPUT -j DOCKYARD-INPUT 2>/dev/null || "${ipt[@]}" -I INPUT 1 -j DOCKYARD-INPUT
  "${ipt[@]}" -C FORWARD -j DOCKYARD-FORWARD 2>/dev/null || "${ipt[@]}" -I FORWARD 1 -j DOCKYARD-FORWARD
}

# The engine's configuration, written to $CONFIG.new (start() puts it in place). live-restore: sandboxes keep
# running while dockerd is down (it crashed, or restarts), and it takes them back when it is up again.
new_config() {
  cat >"$CONFIG.new" <<EOF
{
  "userns-remap": "default",
  "data-root": "$DISK_DIR/engine",
  "exec-root": "$ENGINE_DIR/exec",
  "pidfile": "$PIDFILE",
  "hosts": ["unix://$SOCK"],
  "bridge": "$BRIDGE",
  "default-address-pools": [{ "base": "$ENGINE_POOL", "size": 24 }],
  "cgroup-parent": "/dockyard",
  "containerd-namespace": "dockyard",
  "containerd-plugins-namespace": "dockyard-plugins",
  "storage-driver": "overlay2",
  "log-driver": "json-file",
  "log-opts": { "max-size": "1m", "max-file": "2" },
  "live-restore": true
}
EOF
}

# The containerd of a dockerd that was killed outlives it, yet a new dockerd cannot take it over (it times out
# waiting for it): stop it first. The sandboxes keep running (their shims outlive containerd too); the new
# containerd finds them again, and with live-restore the new dockerd takes them back.
stop_orphan_containerd() {
  local pidfile=$ENGINE_DIR/exec/containerd/containerd.pid pid
  pid=$(cat "$pidfile" 2>/dev/null) || return 0
  if [[ $pid =~ ^[0-9]+$ && -d /proc/$pid ]]; then
    log "stopping the containerd (pid $pid) its killed dockerd left"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do
      [[ -d /proc/$pid && $(awk '{ print $3 }' /proc/"$pid"/stat 2>/dev/null) != Z ]] || break
      sleep 0.25
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  # Gone or a zombie nobody reaps (where init does not), dockerd would still wait for it by this pidfile.
  rm -f "$pidfile"
}

prepare() {
  require_tools
  prep_sysfs_anchor
  prep_disk
  prep_nodes_disk
  prep_bridge
  mkdir -p "$DISK_DIR/engine" "$ENGINE_DIR/exec" "$STATE_DIR/sandboxes" "$STATE_DIR/images" "$STATE_DIR/build"
  chmod 0755 "$STATE_DIR" "$STATE_DIR/sandboxes" "$STATE_DIR/images"
  new_config
}

start() {
  prepare
  if pid=$(live_pid) && ! cmp -s "$CONFIG.new" "$CONFIG"; then
    log "dockerd runs with an older configuration: restarting it with the new one (running sandboxes may stop)"
    stop
  fi
  mv "$CONFIG.new" "$CONFIG"
  if pid=$(live_pid) && engine_answers; then
    prep_firewall
    log "already running (pid $pid, socket $SOCK)"
    return 0
  fi
  if pid=$(live_pid); then
    log "dockerd pid $pid is alive but not answering yet; waiting"
  else
    [[ -f $PIDFILE ]] && { log "removing stale pidfile"; rm -f "$PIDFILE"; }
    stop_orphan_containerd
    log "starting dockerd (log: $LOG)"
    echo "---- $(date -Is) engine.sh start" >>"$LOG"
    # setsid: the daemon must outlive this shell and its process group
    setsid -f "$DOCKERD" --config-file "$CONFIG" >>"$LOG" 2>&1 </dev/null
  fi
  local waited=0
  until engine_answers; do
    # (by its command line: it writes its pidfile only once its containerd runs, which after a crash takes a while)
    if ((waited > 2)) && ! pgrep -f -- "$DOCKERD --config-file $CONFIG" >/dev/null; then
      tail -n 30 "$LOG" >&2
      die "dockerd exited during startup (log above, full log: $LOG)"
    fi
    if ((waited >= START_TIMEOUT * 4)); then
      tail -n 30 "$LOG" >&2
      die "dockerd did not answer on $SOCK within ${START_TIMEOUT}s (log above, full log: $LOG)"
    fi
    sleep 0.25; waited=$((waited + 1))
  done
  prep_firewall
  log "running (pid $(live_pid), socket $SOCK)"
}

stop() {
  local pid
  if ! pid=$(live_pid); then
    rm -f "$PIDFILE"
    log "not running"
    return 0
  fi
  log "stopping dockerd (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 120); do
    [[ -d /proc/$pid ]] || { log "stopped"; return 0; }
    sleep 0.25
  done
  die "dockerd (pid $pid) did not stop within 30s"
}

# For systemd (Type=notify): dockerd becomes this process and tells systemd when it is ready; its output goes to the
# journal. A dockerd started by `start` is not taken over (it is not the unit's process): stop it first.
run() {
  if pid=$(live_pid); then
    die "a dockerd started outside this unit runs (pid $pid): stop it first with scripts/engine.sh stop (sandboxes keep running)"
  fi
  prepare
  mv "$CONFIG.new" "$CONFIG"
  [[ -f $PIDFILE ]] && rm -f "$PIDFILE"
  stop_orphan_containerd
  exec "$DOCKERD" --config-file "$CONFIG"
}

firewall() {
  local waited=0
  until engine_answers; do
    ((waited < START_TIMEOUT * 4)) || die "dockerd did not answer on $SOCK within ${START_TIMEOUT}s"
    sleep 0.25; waited=$((waited + 1))
  done
  prep_firewall
  log "firewall rules in place"
}

status() {
  if pid=$(live_pid) && engine_answers; then
    log "running (pid $pid, socket $SOCK)"
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
  firewall) firewall ;;
  *) echo "usage: $0 start|stop|status|run|firewall" >&2; exit 2 ;;
esac
