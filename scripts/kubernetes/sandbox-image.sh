#!/usr/bin/env bash
# The sandbox image a cluster's labs run (DOCKYARD_KUBERNETES_IMAGE): dockyard/sandbox:latest plus the tarballs of
# course images (saved by scripts/images.sh), since a cluster's nodes share no files with the lab-runner. Each pod's
# entry loads only the images its lesson lists (DOCKYARD_IMAGES), so one image serves every lesson.
#   usage: sandbox-image.sh [--tag TAG] [IMAGE...]   (default: every course image, as dockyard/sandbox-cluster:latest)
# Prints the tag. Skipped when the sandbox image and the tarballs are those it was built from (its inputs-hash label).
set -euo pipefail

STATE_DIR=${DOCKYARD_STATE_DIR:-/var/lib/dockyard}
SOCK=${DOCKYARD_ENGINE_SOCKET:-$STATE_DIR/engine/docker.sock}
COURSE_TARS=$STATE_DIR/images/course
BASE=dockyard/sandbox:latest
DOCKER=(docker -H "unix://$SOCK")

die() {
  echo "sandbox-image: $*" >&2
  exit 1
}

tag=dockyard/sandbox-cluster:latest
if [[ ${1:-} == --tag ]]; then
  tag=${2:?--tag needs a value}
  shift 2
fi
if (($#)); then
  images=("$@")
else
  mapfile -t images < <(find "$COURSE_TARS" -maxdepth 1 -name '*.tar' -printf '%f\n' 2>/dev/null | sed 's/\.tar$//' | sort)
fi
base_id=$("${DOCKER[@]}" image inspect -f '{{.Id}}' "$BASE" 2>/dev/null) || die "no $BASE on Dockyard's engine: run scripts/images.sh first"
for image in "${images[@]}"; do
  [[ -r $COURSE_TARS/$image.tar && -r $COURSE_TARS/$image.tar.ids ]] || die "no tarball of the course image $image in $COURSE_TARS: run scripts/images.sh"
done

hash=$({
  echo "$base_id"
  for image in "${images[@]}"; do echo "$image $(<"$COURSE_TARS/$image.tar.ids")"; done
} | sha256sum | cut -c1-16)
if [[ $("${DOCKER[@]}" image inspect -f '{{index .Config.Labels "dockyard.inputs-hash"}}' "$tag" 2>/dev/null) != "$hash" ]]; then
  ctx=$(mktemp -d "$STATE_DIR/build/sandbox-image.XXXXXX")
  trap 'rm -rf "$ctx"' EXIT
  echo "FROM $BASE" >"$ctx/Dockerfile"
  for image in "${images[@]}"; do
    ln "$COURSE_TARS/$image.tar" "$ctx/" 2>/dev/null || cp "$COURSE_TARS/$image.tar" "$ctx/"
    echo "COPY $image.tar /opt/dockyard/course-images/$image.tar" >>"$ctx/Dockerfile"
  done
  "${DOCKER[@]}" build -q --label "dockyard.inputs-hash=$hash" -t "$tag" "$ctx" >/dev/null || die "docker build of $tag failed"
fi
echo "$tag"
