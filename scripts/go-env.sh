# Sourced by the scripts that build Go tools for the tests (build-test-tool.sh, build-flux.sh):
# the machine's Go on PATH, the project's cache root, and reproducible, offline-friendly Go settings.
[ -d /usr/local/go/bin ] && export PATH="/usr/local/go/bin:$PATH"
CACHE=${COMPOSE_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/compose-operator}
export GOFLAGS=${GOFLAGS:--mod=readonly}
export GOPROXY=${GOPROXY:-https://proxy.golang.org}
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
export CGO_ENABLED=0
