#!/usr/bin/env bash
# Builds Ory Hydra (the OpenID Connect provider the single sign-on tests sign in through) from the Go module proxy,
# into a cache keyed by version:  $DOCKYARD_STATE_DIR/hydra/<version>/hydra
#   bash scripts/hydra.sh          build if missing (prints the binary's path on its last line)
#   bash scripts/hydra.sh --path   print the path, exit 3 when it is not built
# Hydra cannot be `go install`ed (its go.mod replaces a nested module by ./internal/httpclient, which module zips leave
# out): it is built through a small wrapper module requiring the published client instead. `-tags sqlite` lets
# `DSN=memory` keep everything in memory (cgo: gcc builds SQLite in). Built with `nice`, so tests running meanwhile
# keep their CPU. On 2 cores (measured 2026-12-06): 272 s with an empty Go build cache (at nice 19, other work running),
# 66 s with the Go caches the Kubernetes build left.
set -euo pipefail
HYDRA=v2.3.0 CLIENT=v2.2.1 POP=v6.2.1-0.20241121111754-e5dfc0f3344b # the last two as hydra's own go.mod pins them
RECIPE=1 # bump when this recipe changes in a way the versions do not show
STATE_DIR=${DOCKYARD_STATE_DIR:-/var/lib/dockyard}
OUT=$STATE_DIR/hydra/$HYDRA-r$RECIPE
GO_DIR=${DOCKYARD_GO_CACHE:-$STATE_DIR/build/go} # shared with scripts/kubernetes/build.sh

log() { echo "[hydra] $*" >&2; }
die() { echo "[hydra] ERROR: $*" >&2; exit 1; }
built() { [[ -x $OUT/hydra ]]; }

if [[ ${1:-} == --path ]]; then built && { echo "$OUT/hydra"; exit 0; }; exit 3; fi
if built; then log "cached: $OUT/hydra"; echo "$OUT/hydra"; exit 0; fi

command -v go >/dev/null || die "Go is not installed: Go >= 1.22 builds Hydra; put it on PATH"
command -v gcc >/dev/null || die "gcc is not installed: Hydra's in-memory SQLite store is built with cgo"
export GOFLAGS=-buildvcs=false CGO_ENABLED=1 GOMODCACHE=$GO_DIR/mod GOCACHE=$GO_DIR/cache GOTOOLCHAIN=local
WORK=$STATE_DIR/build/hydra/$HYDRA-r$RECIPE
mkdir -p "$WORK" "$OUT" "$GOMODCACHE" "$GOCACHE"
exec 9>"$STATE_DIR/build/hydra/.lock"; flock 9
built && { echo "$OUT/hydra"; exit 0; }

cd "$WORK"
if [[ ! -f go.sum ]]; then
  log "resolving github.com/ory/hydra/v2 $HYDRA"
  printf 'module dockyard.local/hydrabuild\n\ngo 1.22\n\nrequire (\n\tgithub.com/ory/hydra/v2 %s\n\tgithub.com/ory/hydra-client-go/v2 %s\n)\n\nreplace github.com/gobuffalo/pop/v6 => github.com/ory/pop/v6 %s\n' \
    "$HYDRA" "$CLIENT" "$POP" >go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/ory/hydra/v2"\n' >tools.go
  go mod tidy 2>tidy.log || { cat tidy.log >&2; rm -f go.sum; die "go mod tidy failed in $WORK"; }
fi
START=$(date +%s)
log "building hydra $HYDRA (several minutes on 2 cores the first time)"
nice -n 10 go build -trimpath -tags sqlite,sqlite_omit_load_extension \
  -ldflags "-s -w -X github.com/ory/hydra/v2/driver/config.Version=$HYDRA" -o "$OUT/hydra.tmp" github.com/ory/hydra/v2
mv "$OUT/hydra.tmp" "$OUT/hydra"
log "built in $(( $(date +%s) - START ))s: $OUT/hydra"
echo "$OUT/hydra"
