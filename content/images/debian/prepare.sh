#!/usr/bin/env bash
# Run by scripts/images.sh inside a copy of this folder (the build context): adds rootfs.tar, a minbase
# debootstrap of Debian bookworm from the host's mirror without documentation (see dpkg.cfg). debootstrap
# takes a minute and its output differs on every run, so the tarball is kept in images.sh's cache, keyed by
# this script and the mirror, and reused while they stay the same.
set -euo pipefail
: "${DOCKYARD_DEBIAN_MIRROR:?set by scripts/images.sh}" "${DOCKYARD_CACHE_DIR:?set by scripts/images.sh}"
command -v debootstrap >/dev/null || { echo "debootstrap missing: apt-get install -y debootstrap" >&2; exit 1; }
key=$(cat "$0" dpkg.cfg <(echo "$DOCKYARD_DEBIAN_MIRROR") | sha256sum | cut -c1-16)
cached=$DOCKYARD_CACHE_DIR/debian-rootfs-$key.tar
if [[ ! -f $cached ]]; then
  dir=$DOCKYARD_CACHE_DIR/debian-rootfs.tmp
  rm -rf "$dir"
  mkdir -p "$DOCKYARD_CACHE_DIR"
  echo "debian: debootstrap bookworm (minbase, ~30 s) from $DOCKYARD_DEBIAN_MIRROR"
  if ! debootstrap --variant=minbase bookworm "$dir" "$DOCKYARD_DEBIAN_MIRROR" >"$dir.log" 2>&1; then
    tail -n 20 "$dir.log" >&2
    echo "debootstrap failed (full log: $dir.log)" >&2
    exit 1
  fi
  (
    cd "$dir"
    find usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
    find usr/share/doc -mindepth 1 -type d -empty -delete
    rm -rf usr/share/man/* usr/share/groff/* usr/share/info/* usr/share/lintian/* usr/share/linda/*
    find usr/share/locale -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
    rm -rf var/cache/apt/archives/*.deb var/cache/apt/*.bin var/lib/apt/lists/* debootstrap
    rm -f etc/hostname etc/resolv.conf etc/hosts var/log/*.log var/log/apt/*
  )
  # /dev: docker provides it; device nodes in a layer only get in the way
  tar --numeric-owner --exclude='./dev/*' -C "$dir" -cf "$cached.tmp" .
  rm -rf "$dir" "$dir.log"
  find "$DOCKYARD_CACHE_DIR" -maxdepth 1 -name 'debian-rootfs-*.tar' -delete # stale keys
  mv "$cached.tmp" "$cached"
fi
ln -f "$cached" rootfs.tar 2>/dev/null || cp "$cached" rootfs.tar
