#!/usr/bin/env bash
# Stack JSON decode+encode: C++ (bench_convert's json_decode_encode) against Go's encoding/json on
# the same documents, in one run. Builds the Go harness into a cache outside the clone (keyed by
# the hash of its sources; no module downloads: it uses the standard library only).
#
# Usage: bench/gojson/run.sh [BUILD_DIR] [COMPOSE_FILE...]
#        (defaults: build, and the awesome-compose corpus under ../shared/corpus or /work/shared/corpus)
# Prints both means and `cpp_vs_go=<ratio>` (Go time / C++ time: higher is better for C++).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
shift || true
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
    for d in "$root/../shared/corpus/awesome-compose" /work/shared/corpus/awesome-compose; do
        if [ -d "$d" ]; then files=("$d"/*.yaml); break; fi
    done
fi
[ ${#files[@]} -gt 0 ] || { echo "no Compose files given" >&2; exit 2; }
export PATH=/usr/local/go/bin:$PATH GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOFLAGS=-mod=mod CGO_ENABLED=0
CACHE=${COMPOSE_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/compose-operator}
key=$(cat "$here/go.mod" "$here/main.go" | sha256sum | cut -c1-12)
bin="$CACHE/bin/gojson-$key"
if [ ! -x "$bin" ]; then
    mkdir -p "$CACHE/bin"
    (cd "$here" && go build -o "$bin.tmp" . && mv "$bin.tmp" "$bin")
fi
docs=$(mktemp -d)
trap 'rm -rf "$docs"' EXIT
iterations=${ITERATIONS:-2000}
cpp=$("$build/bench/bench_convert" --only json --iterations "$iterations" --dump-json "$docs" "${files[@]}")
go=$("$bin" -iterations "$iterations" "$docs")
c=$(echo "$cpp" | sed -n 's/.*mean_json_decode_encode_us=\([0-9.]*\).*/\1/p')
g=$(echo "$go" | sed -n 's/.*go_mean_json_decode_encode_us=\([0-9.]*\).*/\1/p')
echo "documents=$(ls "$docs" | wc -l) iterations=$iterations"
echo "cpp_mean_json_decode_encode_us=$c"
echo "go_mean_json_decode_encode_us=$g"
awk -v c="$c" -v g="$g" 'BEGIN { printf "cpp_vs_go=%.2f (Go time / C++ time; target >= 5)\n", g / c }'
