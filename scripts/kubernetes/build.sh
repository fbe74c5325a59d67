#!/usr/bin/env bash
# Builds the Kubernetes parts a `kubernetes:` lab needs, from the Go module proxy, into a cache keyed by versions:
#   $DOCKYARD_STATE_DIR/kubernetes/<key>/bin/{kube-apiserver,kube-controller-manager,kube-scheduler,kubectl,
#                                             kubelet,kube-proxy,etcd,coredns,kwok}
#   bash scripts/kubernetes/build.sh          build if missing (prints the binaries' directory on its last line)
#   bash scripts/kubernetes/build.sh --path   print the directory, exit 3 when it is not built
# k8s.io/kubernetes cannot be `go install`ed (its go.mod replaces the k8s.io/* staging modules by ./staging/src),
# nor etcd (relative replaces): each is built through a small wrapper module. Cold (empty Go caches): 466 s on 2 cores
# (measured 2026-12-06); with Go's caches kept (GO_DIR below) a rebuild only relinks.
set -euo pipefail
K8S=v1.34.4 STAGING=v0.34.4 ETCD=v3.6.8 COREDNS=v1.14.7 KWOK=v0.8.0
RECIPE=1 # bump when this recipe changes in a way the versions do not show
STATE_DIR=${DOCKYARD_STATE_DIR:-/var/lib/dockyard}
KEY=k8s-$K8S-etcd-$ETCD-coredns-$COREDNS-kwok-$KWOK-r$RECIPE
OUT=$STATE_DIR/kubernetes/$KEY
GO_DIR=${DOCKYARD_GO_CACHE:-$STATE_DIR/build/go} # Go's module and build caches: keep them, and a new version relinks
BINARIES="kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy etcd coredns kwok"

log() { echo "[kubernetes] $*" >&2; }
die() { echo "[kubernetes] ERROR: $*" >&2; exit 1; }
built() { [[ -f $OUT/bin/.complete ]]; }

if [[ ${1:-} == --path ]]; then built && { echo "$OUT/bin"; exit 0; }; exit 3; fi
if built; then log "cached: $OUT/bin"; echo "$OUT/bin"; exit 0; fi

command -v go >/dev/null || die "Go is not installed: Go >= 1.26 builds these (kwok needs it); put it on PATH"
[[ $(go env GOVERSION) =~ ^go1\.(2[6-9]|[3-9][0-9]) ]] || die "Go $(go env GOVERSION) is too old: Go >= 1.26 builds these (kwok needs it)"
export GOFLAGS=-buildvcs=false CGO_ENABLED=0 GOMODCACHE=$GO_DIR/mod GOCACHE=$GO_DIR/cache GOTOOLCHAIN=local
WORK=$STATE_DIR/build/kubernetes/$KEY
mkdir -p "$WORK/bin" "$WORK/mod"/{kube,etcd,coredns,kwok} "$GOMODCACHE" "$GOCACHE"
exec 9>"$STATE_DIR/build/kubernetes/.lock"; flock 9
built && { echo "$OUT/bin"; exit 0; }
START=$(date +%s) N=0 TOTAL=9
step() { # $1 = binary name, rest = go build arguments; skips what an interrupted run already built
  N=$((N + 1))
  if [[ -x $WORK/bin/$1 ]]; then log "[$N/$TOTAL] $1 already built"; return; fi
  log "[$N/$TOTAL] building $1 ($(( $(date +%s) - START ))s elapsed; a cold build takes ~8 min on 2 cores)"
  local s; s=$(date +%s)
  go build -trimpath -o "$WORK/bin/$1.tmp" "${@:2}"
  mv "$WORK/bin/$1.tmp" "$WORK/bin/$1"
  log "[$N/$TOTAL] $1 built in $(( $(date +%s) - s ))s"
}

tidy() { go mod tidy 2>"$WORK/tidy.log" || { cat "$WORK/tidy.log" >&2; die "go mod tidy failed in $PWD"; }; }

# Kubernetes: every staging module in k8s.io/kubernetes's own replace block becomes its published v0.X twin.
cd "$WORK/mod/kube"
if [[ ! -f go.sum ]]; then
  log "resolving k8s.io/kubernetes $K8S modules"
  go mod download -json "k8s.io/kubernetes@$K8S" >/dev/null
  kmod=$GOMODCACHE/cache/download/k8s.io/kubernetes/@v/$K8S.mod
  { printf 'module dockyard.local/kubebuild\n\ngo 1.24.0\n\ngodebug default=go1.24\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$K8S"
    sed -n '/^replace (/,/^)/p' "$kmod" | awk -v v="$STAGING" '/=>/{print "\t"$1" => "$1" "v}'
    echo ")"; } >go.mod
  { printf '//go:build tools\n\npackage tools\n\nimport (\n'
    for c in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy; do
      printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c"; done
    echo ")"; } >tools.go
  tidy
fi
# Without -X every binary reports v0.0.0-master (kubectl version, the VERSION column of kubectl get nodes).
minor=${K8S#v1.}; minor=${minor%%.*}
LD="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LD+=" -X $p.gitVersion=$K8S -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
done
for c in kube-apiserver kubectl kubelet kube-scheduler kube-proxy kube-controller-manager; do
  step "$c" -ldflags "$LD" "k8s.io/kubernetes/cmd/$c"
done

# etcd: go.etcd.io/etcd/server/v3 is itself the main package.
cd "$WORK/mod/etcd"
if [[ ! -f go.sum ]]; then
  printf 'module dockyard.local/etcdbuild\n\ngo 1.24.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD" >go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >tools.go
  tidy
fi
step etcd -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD" go.etcd.io/etcd/server/v3

# CoreDNS: cluster DNS (service names resolve in pods).
cd "$WORK/mod/coredns"
if [[ ! -f go.sum ]]; then
  printf 'module dockyard.local/corednsbuild\n\ngo 1.24.0\n\nrequire github.com/coredns/coredns %s\n' "$COREDNS" >go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/coredns/coredns"\n' >tools.go
  tidy
fi
step coredns -ldflags "-s -w" github.com/coredns/coredns

# kwok: fake nodes for scheduling lessons (brings its own k8s.io/* client libraries).
cd "$WORK/mod/kwok"
if [[ ! -f go.sum ]]; then
  printf 'module dockyard.local/kwokbuild\n\ngo 1.26.0\n\nrequire sigs.k8s.io/kwok %s\n' "$KWOK" >go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "sigs.k8s.io/kwok/cmd/kwok"\n' >tools.go
  tidy
fi
step kwok -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK" sigs.k8s.io/kwok/cmd/kwok

for b in $BINARIES; do [[ -x $WORK/bin/$b ]] || die "$b missing after the build"; done
rm -rf "$OUT" "$OUT.tmp"; mkdir -p "$OUT.tmp"
cp -a "$WORK/bin" "$OUT.tmp/bin"
touch "$OUT.tmp/bin/.complete"; mv "$OUT.tmp" "$OUT"
log "built in $(( $(date +%s) - START ))s: $OUT ($(du -sh "$OUT" | cut -f1))"
echo "$OUT/bin"
