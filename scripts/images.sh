#!/usr/bin/env bash
# Builds every Dockyard image offline against Dockyard's engine (scripts/engine.sh start first):
#   dockyard/sandbox:latest      debootstrapped Debian + docker.io + lab-runner/sandbox-image/
#   <name>:latest                one per content/images/<name>/ (Dockerfile + files, optional prepare.sh)
#   course-images.tar            `docker save` of all course images, loaded by every sandbox at boot
# Each build is skipped when the hash of its inputs equals the image's dockyard.inputs-hash label.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR=${DOCKYARD_STATE_DIR:-/var/lib/dockyard}
SOCK=${DOCKYARD_ENGINE_SOCKET:-$STATE_DIR/engine/docker.sock}
BUILD_DIR=$STATE_DIR/build
IMAGES_DIR=$STATE_DIR/images
COURSE_TAR=$IMAGES_DIR/course-images.tar
SANDBOX_SRC=$REPO/lab-runner/sandbox-image
COURSE_SRC=${DOCKYARD_CONTENT_DIR:-$REPO/content}/images
SANDBOX_TAG=dockyard/sandbox:latest
SUITE=bookworm
RECIPE_VERSION=1 # bump to force a rebuild of the rootfs when this script's recipe changes

DOCKER=(/usr/bin/docker -H "unix://$SOCK")
export DOCKER_BUILDKIT=0 # classic builder: no frontend image to pull, works with userns-remap

log() { echo "[images] $*"; }
die() { echo "[images] ERROR: $*" >&2; exit 1; }

preflight() {
  [[ $(id -u) == 0 ]] || die "must run as root (debootstrap)"
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v gcc >/dev/null || missing+=(gcc)
  [[ -x /bin/busybox ]] || missing+=(busybox-static)
  [[ -x /usr/bin/docker ]] || missing+=(docker.io)
  ((${#missing[@]} == 0)) || die "missing ${missing[*]}; install with: apt-get install -y ${missing[*]}"
  timeout 10 "${DOCKER[@]}" info >/dev/null 2>&1 ||
    die "Dockyard's engine does not answer on $SOCK; run: bash scripts/engine.sh start"
  mkdir -p "$BUILD_DIR" "$IMAGES_DIR"
  chmod 0755 "$IMAGES_DIR"
}

# Stable hash of a directory tree: paths, modes, file contents and symlink targets.
hash_tree() {
  (
    cd "$1"
    find . \( -type f -o -type l \) -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
      printf '%s %s ' "$f" "$(stat -c %a "$f")"
      if [[ -L $f ]]; then readlink "$f"; else sha256sum <"$f" | cut -d' ' -f1; fi
    done
  ) | sha256sum | cut -c1-32
}

label_of() {
  "${DOCKER[@]}" image inspect -f '{{ index .Config.Labels "dockyard.inputs-hash" }}' "$1" 2>/dev/null || true
}

debian_mirror() {
  local m=""
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    m=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [[ -z $m && -f /etc/apt/sources.list ]]; then
    m=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list)
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

packages() { grep -v '^\s*#' "$SANDBOX_SRC/packages.txt" | grep -v '^\s*$' | paste -sd, -; }

build_rootfs_tarball() { # $1 = tarball path
  local tarball=$1 dir=$BUILD_DIR/rootfs.tmp mirror; mirror=$(debian_mirror)
  rm -rf "$dir"
  log "debootstrap $SUITE from $mirror (packages: $(packages))"
  if ! debootstrap --variant=minbase --include="$(packages)" "$SUITE" "$dir" "$mirror" >"$BUILD_DIR/debootstrap.log" 2>&1; then
    tail -n 20 "$BUILD_DIR/debootstrap.log" >&2
    die "debootstrap failed (log above, full log: $BUILD_DIR/debootstrap.log)"
  fi
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/debootstrap
  rm -f "$dir/etc/hostname" "$dir/usr/sbin/policy-rc.d"
  tar --numeric-owner -C "$dir" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  rm -rf "$dir"
}

build_sandbox() {
  local rootfs_hash sandbox_hash tarball rootfs_tag t0=$SECONDS
  rootfs_hash=$(printf '%s\n' "$RECIPE_VERSION" "$SUITE" "$(debian_mirror)" "$(packages)" | sha256sum | cut -c1-16)
  sandbox_hash=$(printf '%s %s' "$rootfs_hash" "$(hash_tree "$SANDBOX_SRC")" | sha256sum | cut -c1-32)
  if [[ $(label_of "$SANDBOX_TAG") == "$sandbox_hash" ]]; then
    log "sandbox: up to date"
    return 0
  fi
  rootfs_tag=dockyard/sandbox-rootfs:$rootfs_hash
  if [[ -z $("${DOCKER[@]}" image ls -q "$rootfs_tag") ]]; then
    tarball=$BUILD_DIR/sandbox-rootfs-$rootfs_hash.tar
    if [[ ! -f $tarball ]]; then
      log "building sandbox image (debootstrap, ~1 min)..."
      find "$BUILD_DIR" -maxdepth 1 -name 'sandbox-rootfs-*.tar' -delete # stale caches
      build_rootfs_tarball "$tarball"
    else
      log "sandbox: reusing cached rootfs $tarball"
    fi
    log "sandbox: importing rootfs"
    "${DOCKER[@]}" import -c 'CMD ["/bin/bash"]' "$tarball" "$rootfs_tag" >/dev/null
  fi
  log "sandbox: adding boot files"
  "${DOCKER[@]}" build -q --build-arg "ROOTFS=$rootfs_tag" --label "dockyard.inputs-hash=$sandbox_hash" \
    -t "$SANDBOX_TAG" "$SANDBOX_SRC" >/dev/null
  log "sandbox: built in $((SECONDS - t0))s"
}

# A course image folder is data: Dockerfile + files, and optionally prepare.sh, which runs in a copy of
# the folder (the build context) to add generated files (a compiled binary, a copied host binary).
build_course_image() { # $1 = folder
  local src=$1 name ctx hash t0=$SECONDS
  name=$(basename "$src")
  [[ -f $src/Dockerfile ]] || die "$src has no Dockerfile"
  ctx=$BUILD_DIR/ctx/$name
  rm -rf "$ctx"; mkdir -p "$(dirname "$ctx")"
  cp -a "$src" "$ctx"
  if [[ -f $ctx/prepare.sh ]]; then
    (cd "$ctx" && bash ./prepare.sh) || die "$name: prepare.sh failed"
  fi
  hash=$(hash_tree "$ctx")
  if [[ $(label_of "$name:latest") == "$hash" ]]; then
    log "$name: up to date"
    return 0
  fi
  log "$name: building"
  "${DOCKER[@]}" build -q --label "dockyard.inputs-hash=$hash" --label dockyard.course-image=1 \
    -t "$name:latest" "$ctx" >/dev/null
  log "$name: built in $((SECONDS - t0))s"
}

course_images() {
  local d
  for d in "$COURSE_SRC"/*/; do
    [[ -f $d/Dockerfile ]] && basename "$d"
  done
}

save_course_images() {
  local names=() ids_file=$COURSE_TAR.ids current n
  mapfile -t names < <(course_images)
  ((${#names[@]})) || { log "no course images under $COURSE_SRC"; return 0; }
  current=$(for n in "${names[@]}"; do echo "$n:latest $("${DOCKER[@]}" image inspect -f '{{.Id}}' "$n:latest")"; done)
  if [[ -f $COURSE_TAR && -f $ids_file && $(<"$ids_file") == "$current" ]]; then
    log "course-images.tar: up to date"
    return 0
  fi
  log "course-images.tar: saving ${names[*]}"
  "${DOCKER[@]}" save -o "$COURSE_TAR.tmp" "${names[@]/%/:latest}"
  chmod 0644 "$COURSE_TAR.tmp"
  # rename, never rewrite in place: running sandboxes keep the inode they bind-mounted
  mv "$COURSE_TAR.tmp" "$COURSE_TAR"
  echo "$current" >"$ids_file"
}

main() {
  local t0=$SECONDS name
  preflight
  build_sandbox
  for name in $(course_images); do build_course_image "$COURSE_SRC/$name"; done
  save_course_images
  log "done in $((SECONDS - t0))s"
}

main "$@"
