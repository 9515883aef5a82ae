#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kwok, and kubectl when the machine's is missing or too far off) from their Go modules at pinned
# versions, into a cache outside the clone keyed by version. A second run with a warm cache does
# nothing and returns at once.
#
# Usage: scripts/build-control-plane.sh        prints the binary directory on its last line
# Env:   COMPOSE_OPERATOR_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/compose-operator)
#        K8S_VERSION ETCD_VERSION KWOK_VERSION  override the pins
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.34.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.5}
KWOK_VERSION=${KWOK_VERSION:-v0.7.0}
CACHE=${COMPOSE_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/compose-operator}
BIN="$CACHE/bin/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
export GOFLAGS=${GOFLAGS:--mod=mod}
export GOPROXY=${GOPROXY:-https://proxy.golang.org}
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
export CGO_ENABLED=0

log() { printf '[control-plane %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
step() { # name, command...: runs a step and prints how long it took
    local name=$1 t0=$SECONDS; shift
    log "$name ..."
    "$@"
    log "$name done in $((SECONDS - t0))s"
}

need_kubectl() {
    # The machine's kubectl is fine when its minor version is within one of the server's.
    command -v kubectl >/dev/null 2>&1 || return 0
    local minor want
    minor=$(kubectl version --client -o json 2>/dev/null | sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -1)
    want=$(echo "$K8S_VERSION" | cut -d. -f2)
    [ -n "$minor" ] || return 0
    [ $((minor > want ? minor - want : want - minor)) -le 1 ] && return 1
    return 0
}

if [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kube-controller-manager" ] && \
   [ -x "$BIN/kube-scheduler" ] && [ -x "$BIN/etcd" ] && [ -x "$BIN/kwok" ] && \
   { [ -x "$BIN/kubectl" ] || ! need_kubectl; }; then
    log "cached in $BIN"
    echo "$BIN"
    exit 0
fi

command -v go >/dev/null || { log "go is not installed; run scripts/setup.sh"; exit 1; }
mkdir -p "$BIN" "$CACHE/src"
total0=$SECONDS

# --- Kubernetes: a consumer module that replaces every staging module by its published version.
k8s_minor_patch=${K8S_VERSION#v1.}
staging_version="v0.$k8s_minor_patch"
KDIR="$CACHE/src/k8s-$K8S_VERSION"
build_k8s() {
    mkdir -p "$KDIR"
    cd "$KDIR"
    if [ ! -f go.mod ]; then
        local gomod
        gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": *"\(.*\)".*/\1/p')
        {
            echo "module compose-operator.invalid/k8sbins"
            echo
            echo "go 1.24.0"
            echo
            echo "require k8s.io/kubernetes $K8S_VERSION"
            echo
            echo "replace ("
            sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/k8s.io/.*#\1#p' "$gomod" | sort -u |
                while read -r m; do echo "    $m => $m $staging_version"; done
            echo ")"
        } > go.mod
        cat > tools.go <<'EOF'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	_ "k8s.io/kubernetes/cmd/kube-scheduler/app"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
EOF
        step "resolve k8s.io/kubernetes $K8S_VERSION modules" go mod tidy
    fi
    local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION \
-X k8s.io/component-base/version.gitMajor=1 \
-X k8s.io/component-base/version.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2) \
-X k8s.io/component-base/version.gitTreeState=clean \
-X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z \
-X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
    local c
    for c in kube-apiserver kube-controller-manager kube-scheduler; do
        [ -x "$BIN/$c" ] || step "build $c" go build -trimpath -ldflags "$ldflags" -o "$BIN/$c" "k8s.io/kubernetes/cmd/$c"
    done
    if need_kubectl && [ ! -x "$BIN/kubectl" ]; then
        step "build kubectl" go build -trimpath -ldflags "$ldflags" -o "$BIN/kubectl" "k8s.io/kubernetes/cmd/kubectl"
    fi
}

# --- etcd: the server module's main package, from a consumer module.
EDIR="$CACHE/src/etcd-$ETCD_VERSION"
build_etcd() {
    [ -x "$BIN/etcd" ] && return 0
    mkdir -p "$EDIR"
    cd "$EDIR"
    if [ ! -f go.mod ]; then
        printf 'module compose-operator.invalid/etcdbin\n\ngo 1.24.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" > go.mod
        printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3/etcdmain"\n' > tools.go
        step "resolve etcd $ETCD_VERSION modules" go mod tidy
    fi
    step "build etcd" go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
}

# --- kwok: no replace directives, so go install works.
build_kwok() {
    [ -x "$BIN/kwok" ] && return 0
    step "build kwok $KWOK_VERSION" env GOBIN="$BIN" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
}

build_etcd
build_kwok
build_k8s
log "all binaries ready in $BIN after $((SECONDS - total0))s"
echo "$BIN"
