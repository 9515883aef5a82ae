#!/usr/bin/env bash
# Builds Flux's source-controller and kustomize-controller (test tools for test/e2e/flux, never
# shipped) from the wrapper modules in test/tools/flux/<controller>, which repeat the controllers'
# replace directives with published versions. Cached outside the clone keyed by version and by the
# wrapper's go.mod/go.sum; a second run with a warm cache does nothing and returns at once.
#
# Usage: scripts/build-flux.sh        prints the binary directory on its last line
#        scripts/build-flux.sh crds   prints the CRD directories (config/crd/bases in the module cache)
# Env:   COMPOSE_OPERATOR_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/compose-operator)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FLUX_VERSION=v1.9.6   # both controllers; must match test/tools/flux/*/go.mod
CONTROLLERS="source-controller kustomize-controller"
source "$ROOT/scripts/go-env.sh"
log() { printf '[flux %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
command -v go >/dev/null || { log "go is not installed; run scripts/setup.sh"; exit 1; }

key=$( { go version; cd "$ROOT/test/tools/flux" && sha256sum */go.mod */go.sum; } | sha256sum | cut -c1-12)
BIN=$CACHE/bin/flux-$FLUX_VERSION-$key

if [ "${1:-}" = crds ]; then
    for c in $CONTROLLERS; do
        dir=$(cd "$ROOT/test/tools/flux/$c" && go mod download -json "github.com/fluxcd/$c" | sed -n 's/.*"Dir": *"\(.*\)".*/\1/p')
        [ -d "$dir/config/crd/bases" ] || { log "no CRDs for $c in the module cache ($dir)"; exit 1; }
        echo "$dir/config/crd/bases"
    done
    exit 0
fi

t0=$SECONDS
mkdir -p "$BIN"
for c in $CONTROLLERS; do
    if [ -x "$BIN/$c" ]; then log "$c cached in $BIN"; continue; fi
    t1=$SECONDS
    log "build $c $FLUX_VERSION ..."
    # -mod=readonly: the build fails rather than resolve anything go.mod/go.sum do not pin.
    (cd "$ROOT/test/tools/flux/$c" && nice go build -trimpath -ldflags "-s -w" -o "$BIN/$c.tmp.$$" "github.com/fluxcd/$c")
    mv -f "$BIN/$c.tmp.$$" "$BIN/$c"  # a name of its own: two builds at once each finish
    log "$c built in $((SECONDS - t1))s"
done
log "flux controllers ready in $BIN after $((SECONDS - t0))s"
echo "$BIN"
