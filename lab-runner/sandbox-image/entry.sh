#!/bin/bash
# Dockyard sandbox boot (runs under docker-init as the container's main process).
# The host (lab-runner) creates this container from a userns-remapped engine, chowns its cgroup v1
# directories to our remapped root, then touches /run/.host-setup-done. Only then can our dockerd
# create cgroups for inner containers.
set -u
API=/run/dockyard-api          # host directory shared with the lab-runner (inner API socket + boot status)
IMAGES=/opt/dockyard/course-images.tar

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

# In the background: wait for dockerd, load the course images (no registry needed), then signal ready.
load_images_when_up() {
  local i
  for i in $(seq 1 600); do
    docker info >/dev/null 2>&1 && break
    sleep 0.05
  done
  docker info >/dev/null 2>&1 || fail "dockerd did not answer within 30 s: $(tail -n 5 /var/log/dockerd.log | tr '\n' ' ')"
  if [ -r "$IMAGES" ]; then
    docker load -q -i "$IMAGES" >/var/log/dockyard-images.log 2>&1 ||
      fail "docker load of course images failed: $(tail -n 3 /var/log/dockyard-images.log | tr '\n' ' ')"
  fi
  touch /run/dockyard-ready "$API/ready"
}

wait_for_host
mount_cgroups
mkdir -p "$API" /run/dockyard # /run/dockyard: the step and command log of ~/.bashrc
load_images_when_up &
exec dockerd -H unix:///var/run/docker.sock -H "unix://$API/docker.sock" >>/var/log/dockerd.log 2>&1
