#!/usr/bin/env bash
# Builds dockyard/dockyard:latest, the one image of Dockyard itself for a cluster (scripts/kubernetes/deploy/): the
# site, the lab-runner, the front server and PostgreSQL are the same image run with another command
# (`npm run start:site`, `npm run start:runner`, `bash scripts/front.sh run`, `bash scripts/kubernetes/postgres.sh`).
# Offline like scripts/images.sh, against Dockyard's engine (scripts/engine.sh start first), no registry:
#   - a debootstrapped Debian trixie rootfs (Node 20 is Debian's there; bookworm's is 18) with nodejs, npm, caddy and
#     postgresql installed by apt in it, cached as a tarball keyed by its recipe;
#   - this checkout's files (git ls-files, uncommitted changes included) with the installed node_modules, Prisma's
#     clients generated as scripts/prisma.sh does (no engine downloads), the site built (`next build`), then the
#     development packages pruned.
# The image is skipped when the hash of its inputs (the rootfs, every file, the lockfile) equals its
# dockyard.inputs-hash label. `scripts/kubernetes/image.sh --save FILE` also writes it as a tarball for
# `ctr images import` or a registry push (README, "Scale out").
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE_DIR=${DOCKYARD_STATE_DIR:-/var/lib/dockyard}
SOCK=${DOCKYARD_ENGINE_SOCKET:-$STATE_DIR/engine/docker.sock}
BUILD_DIR=$STATE_DIR/build/dockyard-image
TAG=dockyard/dockyard:latest
SUITE=trixie
PACKAGES="nodejs npm caddy postgresql ca-certificates procps"
RECIPE_VERSION=1 # bump to force a rebuild of the rootfs when this recipe changes

DOCKER=(/usr/bin/docker -H "unix://$SOCK")
export DOCKER_BUILDKIT=0 # classic builder: no frontend image to pull, works with userns-remap

log() { echo "[dockyard-image] $*" >&2; }
die() { echo "[dockyard-image] ERROR: $*" >&2; exit 1; }

# shellcheck source=../debian-mirror.sh
source "$REPO/scripts/debian-mirror.sh"

rootfs_tag() { echo "dockyard/dockyard-rootfs:$(printf '%s\n' "$RECIPE_VERSION" "$SUITE" "$(debian_mirror)" "$PACKAGES" | sha256sum | cut -c1-16)"; }

# minbase, then apt inside it: debootstrap's own resolver cannot install npm's hundreds of node-* dependencies.
build_rootfs() { # $1 = tarball
  local dir=$BUILD_DIR/rootfs.tmp mirror; mirror=$(debian_mirror)
  rm -rf "$dir"
  log "debootstrap $SUITE from $mirror, then apt-get install $PACKAGES (a few minutes)"
  debootstrap --variant=minbase "$SUITE" "$dir" "$mirror" >"$BUILD_DIR/debootstrap.log" 2>&1 ||
    { tail -n 20 "$BUILD_DIR/debootstrap.log" >&2; die "debootstrap failed (full log: $BUILD_DIR/debootstrap.log)"; }
  printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d" && chmod +x "$dir/usr/sbin/policy-rc.d" # start no service
  mkdir -p "$dir/etc/postgresql-common" && echo "create_main_cluster = false" >"$dir/etc/postgresql-common/createcluster.conf"
  # shellcheck disable=SC2086 # one package a word
  chroot "$dir" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PACKAGES" \
    >>"$BUILD_DIR/debootstrap.log" 2>&1 || { tail -n 20 "$BUILD_DIR/debootstrap.log" >&2; die "apt-get install in the rootfs failed"; }
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir/usr/sbin/policy-rc.d" "$dir/etc/hostname"
  tar --numeric-owner -C "$dir" -cf "$1.tmp" . && mv "$1.tmp" "$1"
  rm -rf "$dir"
}

ensure_rootfs() { # $1 = tag
  local tarball=$BUILD_DIR/rootfs-${1##*:}.tar
  [[ -n $("${DOCKER[@]}" image ls -q "$1") ]] && return 0
  if [[ ! -f $tarball ]]; then
    find "$BUILD_DIR" -maxdepth 1 -name 'rootfs-*.tar' -delete # stale caches
    build_rootfs "$tarball"
  fi
  "${DOCKER[@]}" import "$tarball" "$1" >/dev/null
}

# Every file of the checkout git knows or would add (not node_modules, .next or .data), NUL-separated.
source_files() { git -C "$REPO" ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do [[ -f $REPO/$f ]] && printf '%s\0' "$f"; done; }

inputs_hash() { # $1 = rootfs tag
  { echo "$1"; (cd "$REPO" && source_files | xargs -0 sha256sum); } | sha256sum | cut -c1-32
}

stage_app() { # into $BUILD_DIR/context/app
  local app=$BUILD_DIR/context/app
  rm -rf "$BUILD_DIR/context" && mkdir -p "$app"
  log "copying the checkout and its node_modules"
  (cd "$REPO" && source_files | tar --null -T - -cf -) | tar -C "$app" -xf -
  cp -a "$(readlink -f "$REPO/node_modules")" "$app/node_modules"
  log "generating Prisma's clients and building the site"
  (
    cd "$app"
    unset DATABASE_URL # the default SQLite one, for generate only
    bash scripts/prisma.sh generate >"$BUILD_DIR/prisma.log" 2>&1 || { cat "$BUILD_DIR/prisma.log" >&2; exit 1; }
    NEXT_TELEMETRY_DISABLED=1 npx --no-install next build >"$BUILD_DIR/next-build.log" 2>&1 ||
      { tail -n 30 "$BUILD_DIR/next-build.log" >&2; exit 1; }
    npm prune --omit=dev --offline --no-audit --no-fund >"$BUILD_DIR/prune.log" 2>&1
    rm -rf .next/cache
  ) || die "building the app failed"
}

main() {
  local save="" rootfs hash t0=$SECONDS
  [[ ${1:-} == --save ]] && save=${2:?usage: image.sh [--save FILE]}
  [[ $(id -u) == 0 ]] || die "must run as root (debootstrap, chroot)"
  command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install -y debootstrap"
  timeout 10 "${DOCKER[@]}" info >/dev/null 2>&1 || die "Dockyard's engine does not answer on $SOCK; run: bash scripts/engine.sh start"
  mkdir -p "$BUILD_DIR"
  rootfs=$(rootfs_tag)
  hash=$(inputs_hash "$rootfs")
  if [[ $("${DOCKER[@]}" image inspect -f '{{ index .Config.Labels "dockyard.inputs-hash" }}' "$TAG" 2>/dev/null) == "$hash" ]]; then
    log "$TAG: up to date"
  else
    ensure_rootfs "$rootfs"
    stage_app
    cat >"$BUILD_DIR/context/Dockerfile" <<'DOCKERFILE'
ARG ROOTFS
FROM ${ROOTFS}
COPY app /opt/dockyard
WORKDIR /opt/dockyard
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 DOCKYARD_DATA_DIR=/var/lib/dockyard-data
CMD ["npm", "run", "start:runner"]
DOCKERFILE
    log "$TAG: adding the app"
    "${DOCKER[@]}" build -q --build-arg "ROOTFS=$rootfs" --label "dockyard.inputs-hash=$hash" -t "$TAG" "$BUILD_DIR/context" >/dev/null
    rm -rf "$BUILD_DIR/context"
    log "$TAG: built in $((SECONDS - t0))s"
  fi
  if [[ -n $save ]]; then
    "${DOCKER[@]}" save -o "$save" "$TAG"
    log "saved to $save"
  fi
}

main "$@"
