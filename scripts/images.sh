#!/usr/bin/env bash
# Builds every Dockyard image offline against Dockyard's engine (scripts/engine.sh start first):
#   dockyard/sandbox:latest      debootstrapped Debian + docker.io + lab-runner/sandbox-image/
#   dockyard/registry:latest     the same rootfs + lab-runner/registry-image/ (a lab's private registry)
#   <name>:latest                one per content/images/<name>/ (Dockerfile + files, optional prepare.sh), also
#                                tagged with each line of its optional `tags` file
#   kubernetes/pause.tar         the pods' pause image of Kubernetes labs (lab-runner/pause-image/)
#   course/<name>.tar            `docker save` of each course image, loaded by the sandboxes of lessons listing it
# Each build is skipped when the hash of its inputs equals the image's dockyard.inputs-hash label.
#   scripts/images.sh                                 builds them all, as above
#   scripts/images.sh bundle NAME[:TAG]... [-o FILE]  writes a tarball of images for an offline Dockyard (image-bundle.sh)
#   scripts/images.sh load FILE                       makes a bundle's images available to lessons here
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR=${DOCKYARD_STATE_DIR:-/var/lib/dockyard}
SOCK=${DOCKYARD_ENGINE_SOCKET:-$STATE_DIR/engine/docker.sock}
BUILD_DIR=$STATE_DIR/build
IMAGES_DIR=$STATE_DIR/images
COURSE_TARS=$IMAGES_DIR/course
PACKAGES_DIR=$STATE_DIR/packages
PACKAGE_SERVER=dockyard-images-package-server
SANDBOX_SRC=$REPO/lab-runner/sandbox-image
COURSE_SRC=${DOCKYARD_CONTENT_DIR:-$REPO/content}/images
SANDBOX_TAG=dockyard/sandbox:latest
REGISTRY_SRC=$REPO/lab-runner/registry-image
REGISTRY_TAG=dockyard/registry:latest
PAUSE_SRC=$REPO/lab-runner/pause-image
PAUSE_TAG=dockyard/pause:1
PAUSE_TAR=$IMAGES_DIR/kubernetes/pause.tar
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
  mkdir -p "$BUILD_DIR" "$IMAGES_DIR" "$COURSE_TARS"
  chmod 0755 "$IMAGES_DIR" "$COURSE_TARS"
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

image_id() { "${DOCKER[@]}" image inspect -f '{{.Id}}' "$1"; }

# shellcheck source=debian-mirror.sh
source "$REPO/scripts/debian-mirror.sh"

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

rootfs_tag() {
  echo "dockyard/sandbox-rootfs:$(printf '%s\n' "$RECIPE_VERSION" "$SUITE" "$(debian_mirror)" "$(packages)" | sha256sum | cut -c1-16)"
}

ensure_rootfs() { # $1 = rootfs tag
  local tag=$1 tarball=$BUILD_DIR/sandbox-rootfs-${1##*:}.tar
  [[ -n $("${DOCKER[@]}" image ls -q "$tag") ]] && return 0
  if [[ ! -f $tarball ]]; then
    log "building sandbox rootfs (debootstrap, ~1 min)..."
    find "$BUILD_DIR" -maxdepth 1 -name 'sandbox-rootfs-*.tar' -delete # stale caches
    build_rootfs_tarball "$tarball"
  else
    log "reusing cached rootfs $tarball"
  fi
  log "importing rootfs"
  "${DOCKER[@]}" import -c 'CMD ["/bin/bash"]' "$tarball" "$tag" >/dev/null
}

# An image of Dockyard's own (the sandbox, the lab registry): a folder with a Dockerfile FROM the debootstrapped
# rootfs, which it gets as the build argument ROOTFS.
build_on_rootfs() { # $1 = name, $2 = folder, $3 = tag
  local name=$1 src=$2 tag=$3 rootfs hash t0=$SECONDS
  rootfs=$(rootfs_tag)
  hash=$(printf '%s %s' "${rootfs##*:}" "$(hash_tree "$src")" | sha256sum | cut -c1-32)
  if [[ $(label_of "$tag") == "$hash" ]]; then
    log "$name: up to date"
    return 0
  fi
  ensure_rootfs "$rootfs"
  log "$name: adding its files"
  "${DOCKER[@]}" build -q --build-arg "ROOTFS=$rootfs" --label "dockyard.inputs-hash=$hash" -t "$tag" "$src" >/dev/null
  log "$name: built in $((SECONDS - t0))s"
}

# Course images build where a sandbox's inner containers run: RUN steps reach only the offline package source
# (scripts/packages.sh) at 10.220.0.1:3142, here served in a network namespace of its own that they share.
PACKAGE_SERVER_UP=""
start_package_server() {
  [[ -n $PACKAGE_SERVER_UP ]] && return 0
  [[ -d $PACKAGES_DIR/debian && -d $PACKAGES_DIR/simple ]] || die "no package source in $PACKAGES_DIR; run: bash scripts/packages.sh"
  "${DOCKER[@]}" rm -f "$PACKAGE_SERVER" >/dev/null 2>&1 || true
  trap '"${DOCKER[@]}" rm -f "$PACKAGE_SERVER" >/dev/null 2>&1 || true' EXIT
  "${DOCKER[@]}" run -d --name "$PACKAGE_SERVER" --network none --cap-add NET_ADMIN --entrypoint sh \
    --mount "type=bind,source=$PACKAGES_DIR,target=/srv,readonly" "$SANDBOX_TAG" \
    -c 'ip addr add 10.220.0.1/32 dev lo && exec busybox httpd -f -p 10.220.0.1:3142 -h /srv -c /dev/null -u nobody:nogroup' \
    >/dev/null || die "cannot start the package server for builds"
  PACKAGE_SERVER_UP=1
}

# Course images named in FROM lines (python is FROM debian:bookworm).
course_bases() { # $1 = Dockerfile
  local ref
  for ref in $(awk 'toupper($1) == "FROM" { print $2 }' "$1"); do
    [[ -f $COURSE_SRC/${ref%%:*}/Dockerfile ]] && echo "${ref%%:*}"
  done
  return 0
}

course_refs() { # $1 = name: name:latest and name:<each line of its tags file>
  echo "$1:latest"
  [[ -f $COURSE_SRC/$1/tags ]] && grep -v '^\s*$' "$COURSE_SRC/$1/tags" | sed "s/^/$1:/"
  return 0
}

# A course image folder is data: Dockerfile + files, and optionally prepare.sh, which runs in a copy of
# the folder (the build context) to add generated files (a compiled binary, a copied host binary, a cached
# Debian rootfs: it gets the mirror and a cache directory in DOCKYARD_DEBIAN_MIRROR and DOCKYARD_CACHE_DIR).
# Course images it is built FROM come first, and their ids count as its inputs.
declare -A VISITED=()
build_course_image() { # $1 = folder
  local src=$1 name ctx hash base t0=$SECONDS
  name=$(basename "$src")
  [[ -n ${VISITED[$name]:-} ]] && return 0
  VISITED[$name]=1
  [[ -f $src/Dockerfile ]] || die "$src has no Dockerfile"
  for base in $(course_bases "$src/Dockerfile"); do build_course_image "$COURSE_SRC/$base"; done
  ctx=$BUILD_DIR/ctx/$name
  rm -rf "$ctx"; mkdir -p "$(dirname "$ctx")"
  cp -a "$src" "$ctx"
  if [[ -f $ctx/prepare.sh ]]; then
    (cd "$ctx" && DOCKYARD_DEBIAN_MIRROR=$(debian_mirror) DOCKYARD_CACHE_DIR=$BUILD_DIR/cache bash ./prepare.sh) ||
      die "$name: prepare.sh failed"
  fi
  hash=$({ hash_tree "$ctx"; for base in $(course_bases "$src/Dockerfile"); do image_id "$base:latest"; done; } |
    sha256sum | cut -c1-32)
  if [[ $(label_of "$name:latest") == "$hash" ]]; then
    log "$name: up to date"
    return 0
  fi
  start_package_server
  log "$name: building"
  "${DOCKER[@]}" build -q --network "container:$PACKAGE_SERVER" --label "dockyard.inputs-hash=$hash" \
    --label dockyard.course-image=1 $(course_refs "$name" | sed 's/^/--tag=/') "$ctx" >/dev/null ||
    die "$name: docker build failed"
  log "$name: built in $((SECONDS - t0))s"
}

course_images() {
  local d
  for d in "$COURSE_SRC"/*/; do
    [[ -f $d/Dockerfile ]] && basename "$d"
  done
}

# Saves the images REF... into TAR unless it already holds them as they are (its .ids file lists each ref's id).
# Renamed into place, never rewritten: running sandboxes keep the inode they bind-mounted.
save_tar() { # $1 = tar, rest = refs
  local tar=$1 current
  shift
  current=$(for ref in "$@"; do echo "$ref $(image_id "$ref")"; done)
  if [[ -f $tar && -f $tar.ids && $(<"$tar.ids") == "$current" ]]; then
    log "${tar#"$IMAGES_DIR"/}: up to date"
    return 0
  fi
  log "${tar#"$IMAGES_DIR"/}: saving" "$@"
  mkdir -p "$(dirname "$tar")" && chmod 0755 "$(dirname "$tar")"
  "${DOCKER[@]}" save -o "$tar.tmp" "$@"
  chmod 0644 "$tar.tmp"
  mv "$tar.tmp" "$tar"
  echo "$current" >"$tar.ids"
}

# One tarball per course image, with all its tags: a sandbox loads only those its lesson lists (a Debian-based
# image in every sandbox would add seconds to each boot).
save_course_image() { # $1 = name
  # shellcheck disable=SC2046 # one ref per word
  save_tar "$COURSE_TARS/$1.tar" $(course_refs "$1")
}

# The pause image of Kubernetes labs' pods: a static C program (pause.c) on no base, saved where their nodes mount it.
build_pause_image() {
  local ctx=$BUILD_DIR/ctx/pause hash
  hash=$(hash_tree "$PAUSE_SRC")
  if [[ $(label_of "$PAUSE_TAG") != "$hash" ]]; then
    rm -rf "$ctx" && mkdir -p "$ctx" && cp "$PAUSE_SRC/Dockerfile" "$ctx/"
    gcc -Os -static -o "$ctx/pause" "$PAUSE_SRC/pause.c" && strip "$ctx/pause" || die "pause: gcc -static failed"
    "${DOCKER[@]}" build -q --label "dockyard.inputs-hash=$hash" -t "$PAUSE_TAG" "$ctx" >/dev/null || die "pause: docker build failed"
    log "pause: built"
  fi
  save_tar "$PAUSE_TAR" "$PAUSE_TAG"
}

main() {
  local t0=$SECONDS name
  preflight
  build_on_rootfs sandbox "$SANDBOX_SRC" "$SANDBOX_TAG"
  build_on_rootfs registry "$REGISTRY_SRC" "$REGISTRY_TAG"
  build_pause_image
  for name in $(course_images); do build_course_image "$COURSE_SRC/$name"; done
  for name in $(course_images); do save_course_image "$name"; done
  log "done in $((SECONDS - t0))s"
}

# shellcheck source=image-bundle.sh
source "$REPO/scripts/image-bundle.sh"
case "${1:-}" in
  "") main ;;
  bundle) shift; bundle "$@" ;;
  load) shift; load_bundle "$@" ;;
  *) die "usage: scripts/images.sh [bundle NAME[:TAG]... [-o FILE] | load FILE]" ;;
esac
