#!/usr/bin/env bash
# Builds one Go test tool of test/tools/<name> (never part of the operator) into a cache outside
# the clone, keyed by the hash of its sources, go.mod/go.sum and the Go version. A second run with
# a warm cache does nothing and returns at once.
#
# Usage: scripts/build-test-tool.sh <name>     prints the binary's path on its last line
# Env:   COMPOSE_OPERATOR_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/compose-operator)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NAME=${1:?usage: $0 <tool under test/tools/>}
SRC=$ROOT/test/tools/$NAME
[ -f "$SRC/go.mod" ] || { echo "no Go module at $SRC" >&2; exit 2; }
source "$ROOT/scripts/go-env.sh"
log() { printf '[test-tool %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

command -v go >/dev/null || { log "go is not installed; run scripts/setup.sh"; exit 1; }
key=$( { go version; cd "$SRC" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) | sort | xargs sha256sum; } |
    sha256sum | cut -c1-16)
BIN=$CACHE/bin/tools/$NAME-$key/$NAME
if [ -x "$BIN" ]; then
    log "$NAME cached in $BIN"
    echo "$BIN"
    exit 0
fi
mkdir -p "$(dirname "$BIN")"
t0=$SECONDS
log "build $NAME ..."
# -mod=readonly: the build fails rather than resolve anything go.mod/go.sum do not pin.
(cd "$SRC" && nice go build -trimpath -ldflags "-s -w" -o "$BIN.tmp.$$" .)
mv -f "$BIN.tmp.$$" "$BIN"  # a name of its own: two builds at once each finish
log "$NAME built in $((SECONDS - t0))s: $BIN"
echo "$BIN"
