#!/usr/bin/env bash
# Installs everything the build, the tests and the demo need, from Debian packages (plus the Go
# toolchain check; the control-plane binaries themselves are built and cached by
# scripts/build-control-plane.sh). Idempotent: a second run installs nothing and takes a second.
set -euo pipefail

PACKAGES=(
    build-essential cmake ninja-build pkg-config git ccache
    libboost1.81-all-dev rapidjson-dev libyaml-cpp-dev libssl-dev libfmt-dev catch2 libcli11-dev
    curl openssl bc jq procps psmisc ca-certificates python3 python3-yaml
    clang-14 libclang-rt-14-dev  # libFuzzer targets (scripts/fuzz.sh)
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
    echo "[setup] installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "[setup] Debian packages present" >&2
fi

# Go builds the local control plane (tests, benchmarks and the demo only; never the operator).
if [ "${OP_SETUP_SKIP_GO:-0}" = 1 ]; then
    :
elif ! command -v go >/dev/null 2>&1; then
    if [ -x /usr/local/go/bin/go ]; then
        echo "[setup] go is at /usr/local/go/bin; add it to PATH" >&2
    else
        echo "[setup] Go 1.24+ is needed to build the local control plane; Debian's golang is too old." >&2
        echo "[setup] install it (e.g. /usr/local/go) and re-run; the operator itself does not need it." >&2
        exit 1
    fi
fi
echo "[setup] ok" >&2
