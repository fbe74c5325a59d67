#!/usr/bin/env bash
# Builds the offline package source that every sandbox serves to its inner containers at
# http://10.220.0.1:3142 (lab-runner/sandbox-image/entry.sh), under /var/lib/dockyard/packages:
#   debian/    a flat apt repository (bookworm, amd64) of content/packages/debian.txt and every dependency
#              that a minbase Debian (the `debian` course image) lacks
#   simple/    a PEP 503 index of wheels for content/packages/python.txt and its dependencies (CPython 3.11,
#              manylinux x86_64: the `python` course image)
# Skipped when its inputs (the two lists, this script, the Debian mirror) did not change.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR=${DOCKYARD_STATE_DIR:-/var/lib/dockyard}
PACKAGES_DIR=$STATE_DIR/packages
WORK_DIR=$STATE_DIR/build/packages
STAMP=$STATE_DIR/build/packages.inputs-hash
LISTS=${DOCKYARD_CONTENT_DIR:-$REPO/content}/packages
SUITE=bookworm
ARCH=amd64
PYTHON=/usr/bin/python3 # Debian 12's, as in the python image: dependency markers (python_full_version < "3.11.3") evaluate alike
PYTHON_VERSION=3.11
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# shellcheck source=debian-mirror.sh
source "$REPO/scripts/debian-mirror.sh"

log() { echo "[packages] $*"; }
die() { echo "[packages] ERROR: $*" >&2; exit 1; }

require_tools() {
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v apt-ftparchive >/dev/null || missing+=(apt-utils)
  "$PYTHON" -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
  [[ -f $KEYRING ]] || missing+=(debian-archive-keyring)
  ((${#missing[@]} == 0)) || die "missing ${missing[*]}; install with: apt-get install -y ${missing[*]}"
}

names() { grep -v '^\s*#' "$1" | grep -v '^\s*$'; }

inputs_hash() {
  cat "${BASH_SOURCE[0]}" "$LISTS/debian.txt" "$LISTS/python.txt" <(debian_mirror) | sha256sum | cut -c1-32
}

# apt with a root of its own: the host's apt state and its other sources stay untouched, and the index is
# the mirror's $SUITE main, the one debootstrap builds the course images' Debian from.
APT=()
prepare_apt() {
  local root=$WORK_DIR/apt
  mkdir -p "$root"/etc/apt/{apt.conf.d,preferences.d,sources.list.d} "$root"/var/lib/apt/lists/partial \
    "$root"/var/cache/apt/archives/partial "$root"/var/lib/dpkg
  : >"$root/var/lib/dpkg/status" # nothing installed: simulations list every package an install needs
  echo "deb [signed-by=$KEYRING] $(debian_mirror) $SUITE main" >"$root/etc/apt/sources.list"
  APT=(-o "Dir=$root" -o "Dir::State::status=$root/var/lib/dpkg/status" -o "APT::Architecture=$ARCH"
    -o "APT::Architectures=$ARCH" -o APT::Install-Recommends=false -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  apt-get "${APT[@]}" -qq update || die "apt-get update against $(debian_mirror) failed"
}

# "name=version" of every package an install of $@ into an empty system brings (exits non-zero on an unknown name)
closure() { apt-get "${APT[@]}" -s install "$@" | awk '/^Inst / { print $2 "=" substr($3, 2) }' | sort -u; }

build_debian() { # $1 = output directory
  local out=$1 base wanted extra
  prepare_apt
  # exactly what the `debian` course image has: debootstrap's own resolution of its minbase variant
  base=$(debootstrap --print-debs --variant=minbase "$SUITE" "$WORK_DIR/minbase" "$(debian_mirror)" 2>"$WORK_DIR/minbase.log") ||
    { tail -n 20 "$WORK_DIR/minbase.log" >&2; die "debootstrap --print-debs failed (log above)"; }
  base=$(tr ' ' '\n' <<<"$base" | grep .)
  wanted=$(closure $(names "$LISTS/debian.txt")) || die "cannot resolve the packages of $LISTS/debian.txt (unknown name?)"
  extra=$(awk -F= 'NR == FNR { base[$1]; next } !($1 in base)' <(echo "$base") <(echo "$wanted"))
  log "debian: downloading $(wc -l <<<"$extra") packages ($(names "$LISTS/debian.txt" | wc -l) listed, the rest dependencies)"
  mkdir -p "$out"
  (cd "$out" && apt-get "${APT[@]}" -qq download $extra) || die "apt-get download failed"
  (
    cd "$out"
    apt-ftparchive packages . >Packages
    gzip -9nk Packages
    apt-ftparchive -o APT::FTPArchive::Release::Suite="$SUITE" release . >"$WORK_DIR/Release"
    mv "$WORK_DIR/Release" Release
  )
}

normalized() { tr '[:upper:]' '[:lower:]' <<<"$1" | sed -E 's/[-_.]+/-/g'; }

build_python() { # $1 = output directory
  local out=$1 wheels=$WORK_DIR/wheels whl file project dir
  rm -rf "$wheels"
  "$PYTHON" -m pip download -q --disable-pip-version-check --no-cache-dir --only-binary=:all: \
    --implementation cp --python-version "$PYTHON_VERSION" --abi "cp${PYTHON_VERSION/./}" \
    --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
    -d "$wheels" -r "$LISTS/python.txt" || die "pip download of $LISTS/python.txt failed"
  for whl in "$wheels"/*.whl; do
    file=${whl##*/}
    project=$(normalized "${file%%-*}")
    mkdir -p "$out/$project"
    mv "$whl" "$out/$project/"
  done
  for dir in "$out"/*/; do
    project=$(basename "$dir")
    {
      echo "<!DOCTYPE html><html><head><title>$project</title></head><body>"
      for whl in "$dir"*.whl; do
        file=${whl##*/}
        echo "<a href=\"$file#sha256=$(sha256sum <"$whl" | cut -d' ' -f1)\">$file</a><br>"
      done
      echo "</body></html>"
    } >"$dir/index.html"
  done
  {
    echo "<!DOCTYPE html><html><head><title>Dockyard simple index</title></head><body>"
    for dir in "$out"/*/; do project=$(basename "$dir"); echo "<a href=\"$project/\">$project</a><br>"; done
    echo "</body></html>"
  } >"$out/index.html"
  log "python: $(find "$out" -name '*.whl' | wc -l) wheels"
}

# Running sandboxes bind-mount $PACKAGES_DIR itself: swap its subdirectories, never the directory.
publish() { # $1 = staged tree
  local name
  mkdir -p "$PACKAGES_DIR"
  chmod 0755 "$PACKAGES_DIR"
  for name in debian simple; do
    rm -rf "$PACKAGES_DIR/.$name.old"
    [[ -e $PACKAGES_DIR/$name ]] && mv "$PACKAGES_DIR/$name" "$PACKAGES_DIR/.$name.old"
    mv "$1/$name" "$PACKAGES_DIR/$name"
    rm -rf "$PACKAGES_DIR/.$name.old"
  done
}

main() {
  local t0=$SECONDS hash stage
  [[ $(id -u) == 0 ]] || die "must run as root (writes $PACKAGES_DIR)"
  [[ -f $LISTS/debian.txt && -f $LISTS/python.txt ]] || die "no package lists in $LISTS (debian.txt, python.txt)"
  hash=$(inputs_hash)
  if [[ -f $STAMP && $(<"$STAMP") == "$hash" && -d $PACKAGES_DIR/debian && -d $PACKAGES_DIR/simple ]]; then
    log "up to date"
    return 0
  fi
  require_tools
  rm -rf "$WORK_DIR"
  stage=$WORK_DIR/stage
  mkdir -p "$stage"
  build_debian "$stage/debian"
  build_python "$stage/simple"
  chmod -R u=rwX,go=rX "$stage"
  publish "$stage"
  echo "$hash" >"$STAMP"
  rm -rf "$WORK_DIR"
  log "built in $((SECONDS - t0))s: $(du -sh "$PACKAGES_DIR/debian" | cut -f1) debian, $(du -sh "$PACKAGES_DIR/simple" | cut -f1) python"
}

main "$@"
