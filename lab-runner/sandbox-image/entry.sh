#!/bin/bash
# Dockyard sandbox boot (runs under docker-init as the container's main process).
# The host (lab-runner) creates this container from a userns-remapped engine, chowns its cgroup v1
# directories to our remapped root, then touches /run/.host-setup-done. Only then can our dockerd
# create cgroups for inner containers.
# In a Kubernetes pod (DOCKYARD_POD=1) there is no host side: the runtime made our cgroups for our own root, the
# disk is the pod's volume at $DISK, and the lab-runner reaches dockerd through the API's port-forward to
# 127.0.0.1:2375 (lab-runner/src/sandbox/kubernetes/forward.ts); the readinessProbe tests /run/dockyard-ready.
set -u
POD=${DOCKYARD_POD:-}
API=/run/dockyard-api          # host directory shared with the lab-runner (inner API socket + boot status)
IMAGES=/opt/dockyard/course-images # <name>.tar of each course image the lesson lists (read-only); in a pod, of many lessons
WANTED=${DOCKYARD_IMAGES-}         # in a pod: the names of those the lesson lists (the image holds every lesson's)
PACKAGES=/opt/dockyard/packages    # the offline package source (scripts/packages.sh), read-only
PACKAGES_ADDR=10.220.0.1           # docker0's address (daemon.json "bip"): local here, so every inner network reaches it
DISK=/var/lib/dockyard-disk        # this node's own disk, bounded (the lab-runner formats and mounts it)
MIRROR=${DOCKYARD_REGISTRY_MIRROR-}  # the host's registry mirror (scripts/mirror.sh), when one runs: our dockerd pulls through it
PULLS=${DOCKYARD_PULL_IMAGES-}       # the lesson's images the host has no tar of: pulled through the mirror at boot

fail() {
  echo "dockyard-entry: $*" >&2
  echo "$*" >"$API/failed" 2>/dev/null
  exit 1
}

wait_for_host() {
  local i
  for i in $(seq 1 300); do
    [ -e /run/.host-setup-done ] && return 0
    sleep 0.1
  done
  fail "the host did not delegate cgroups within 30 s"
}

# What the learner writes goes to the node's own disk: inner Docker's data (images, containers, volumes), /root
# and /tmp. It is bounded, so a full disk fails writes here ("no space left on device") and nowhere else.
use_disk() {
  mkdir -p "$DISK/docker" "$DISK/root" "$DISK/tmp" /var/lib/docker || fail "cannot write to the lab's disk"
  [ -e "$DISK/root/.bashrc" ] || cp -a /root/. "$DISK/root/" || fail "cannot copy /root to the lab's disk"
  chmod 1777 "$DISK/tmp"
  mount --bind "$DISK/docker" /var/lib/docker && mount --bind "$DISK/root" /root && mount --bind "$DISK/tmp" /tmp ||
    fail "cannot mount the lab's disk"
}

# A pod on cgroup v1 shares its node's cgroup namespace (containerd makes a private one only on v2): enter one
# rooted at our own cgroups, so mount_cgroups mounts those alone and inner containers nest below the pod's limits.
own_cgroupns() {
  grep -qv ':/$' /proc/self/cgroup || return 0
  [ -n "${DOCKYARD_CGROUPNS:-}" ] && fail "still not at the root of a cgroup namespace: $(head -n 3 /proc/self/cgroup | tr '\n' ' ')"
  DOCKYARD_CGROUPNS=1 exec unshare --cgroup /bin/bash "$0" "$@"
}

# cgroupns is private, so /proc/self/cgroup lists our own hierarchies rooted at "/"; mount each of them
# (docker mounted them read-only). The bind-mounted rw sysfs anchor at /run/sysfs-anchor stays untouched.
mount_cgroups() {
  umount -R /sys/fs/cgroup 2>/dev/null
  mount -t tmpfs -o mode=755,nosuid,nodev,noexec cgroup /sys/fs/cgroup || fail "cannot mount /sys/fs/cgroup"
  local ctrls dir opts c
  while IFS=: read -r _ ctrls _; do
    [ -z "$ctrls" ] && continue # the cgroup v2 line
    dir=${ctrls#name=}
    opts=$ctrls
    [[ $ctrls == name=* ]] && opts="none,$ctrls"
    mkdir -p "/sys/fs/cgroup/$dir"
    mount -t cgroup -o "$opts" cgroup "/sys/fs/cgroup/$dir" || fail "cannot mount cgroup $ctrls"
    if [[ $dir == *,* ]]; then # co-mounted controllers (cpu,cpuacct): docker expects one path per controller
      for c in ${dir//,/ }; do ln -sfn "$dir" "/sys/fs/cgroup/$c"; done
    fi
  done </proc/self/cgroup
}

# Inner containers share a memory cgroup below ours that the host made, with a limit it set and we cannot change
# (CONTAINERS_CGROUP in lab-runner/src/sandbox/docker/cgroups.ts): a memory bomb in a container is killed at that
# wall while this dockerd and the learner's shells keep the rest. Where the host made none, Docker's default.
cgroup_parent() {
  [ -d /sys/fs/cgroup/memory/containers ] && echo --cgroup-parent=/containers
}

# apt and pip in inner containers (content/images/debian, python) install from http://10.220.0.1:3142, served
# here on docker0's address, which exists once dockerd has created the bridge. The root is the read-only mount.
serve_packages() {
  local i
  [ -n "$POD" ] && [ ! -d "$PACKAGES" ] && return 0 # a pod whose spec mounts no package source: inner apt finds none
  for i in $(seq 1 100); do
    ip -4 -o addr show dev docker0 2>/dev/null | grep -q " $PACKAGES_ADDR/" && break
    sleep 0.05
  done
  busybox httpd -p "$PACKAGES_ADDR:3142" -h "$PACKAGES" -c /dev/null -u nobody:nogroup ||
    fail "the package server did not start on $PACKAGES_ADDR:3142"
}

# In the background: wait for dockerd, load the course images its disk lacks (no registry needed), then signal
# ready. A disk cloned from its image set's template (lab-runner/src/sandbox/docker/templates.ts) has them all.
load_images_when_up() {
  local i tar present
  for i in $(seq 1 600); do
    docker info >/dev/null 2>&1 && break
    sleep 0.05
  done
  docker info >/dev/null 2>&1 || fail "dockerd did not answer within 30 s: $(tail -n 5 /var/log/dockerd.log | tr '\n' ' ')"
  serve_packages
  present=$(docker image ls --format '{{.Repository}}:{{.Tag}}')
  for tar in "$IMAGES"/*.tar; do
    [ -r "$tar" ] || continue
    [ -n "$POD" ] && [[ " $WANTED " != *" $(basename "$tar" .tar) "* ]] && continue
    grep -qxF "$(basename "$tar" .tar):latest" <<<"$present" && continue
    docker load -q -i "$tar" >>/var/log/dockyard-images.log 2>&1 ||
      fail "docker load of $(basename "$tar") failed: $(tail -n 3 /var/log/dockyard-images.log | tr '\n' ' ')"
  done
  for image in $PULLS; do
    grep -qxF "$image:latest" <<<"$present" && continue
    docker pull -q "$image" >>/var/log/dockyard-images.log 2>&1 ||
      fail "the lesson's image $image is not on this machine, and the registry mirror could not get it (is its upstream reachable? it has not cached it): $(tail -n 1 /var/log/dockyard-images.log)"
  done
  touch /run/dockyard-ready "$API/ready"
}

if [ -n "$POD" ]; then
  own_cgroupns "$@"
else
  wait_for_host
fi
use_disk
mount_cgroups
mkdir -p "$API" /run/dockyard # /run/dockyard: the step and command log of ~/.bashrc
load_images_when_up &
# In a pod the lab-runner's port-forward reaches only the pod's loopback: dockerd listens there too (and only there).
# Docker Hub pulls go to the registry mirror first (an http:// mirror needs no insecure-registries entry).
# shellcheck disable=SC2046 # cgroup_parent prints one word or none
exec dockerd -H unix:///var/run/docker.sock -H "unix://$API/docker.sock" ${POD:+-H tcp://127.0.0.1:2375} ${MIRROR:+--registry-mirror "$MIRROR"} \
  $(cgroup_parent) >>/var/log/dockerd.log 2>&1
