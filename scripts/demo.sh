#!/usr/bin/env bash
# The main job, end to end on the local control plane:
#   1. install what is needed (scripts/setup.sh) and build the operator
#   2. bring the local cluster up (scripts/cluster.sh up)
#   3. install the Stack CRD and start the operator (webhooks + reconciler) against the cluster
#   4. apply the stacks in examples/ and wait until they are Ready, showing progress
#   5. print what runs
# It leaves the cluster and the operator running; `scripts/cluster.sh down` stops both.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
[ -d /usr/local/go/bin ] && export PATH="/usr/local/go/bin:$PATH"
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

say "setup and build"
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DOP_RELEASE=ON >/dev/null
cmake --build build --target compose-operator | grep -vE '^\[[0-9]+/[0-9]+\] ' || true
OPBIN=$ROOT/build/src/compose-operator

say "local control plane"
bash scripts/cluster.sh up
eval "$(bash scripts/cluster.sh env)"

say "Stack CRD"
kubectl apply -f crds/
kubectl wait --for=condition=Established crd/stacks.compose.docker.com --timeout=60s

if "$OPBIN" run --help >/dev/null 2>&1; then
    say "operator"
    OP_BIN=$OPBIN bash scripts/operator.sh start
fi

say "example stacks"
kubectl get namespace demo >/dev/null 2>&1 || kubectl create namespace demo
for f in examples/*.yaml; do kubectl -n demo apply -f "$f"; done
if "$OPBIN" run --help >/dev/null 2>&1; then
    t0=$SECONDS
    for s in $(kubectl -n demo get stacks -o name); do
        until kubectl -n demo wait --for=condition=Ready "$s" --timeout=5s >/dev/null 2>&1; do
            [ $((SECONDS - t0)) -lt 300 ] || { echo "$s not Ready after 300s"; kubectl -n demo get "$s" -o yaml; exit 1; }
            kubectl -n demo get stacks --no-headers | sed 's/^/   waiting: /'
        done
        echo "   $s Ready"
    done
fi

say "what runs"
kubectl -n demo get stacks,deploy,sts,ds,svc,pods
cat <<MSG

The cluster and the operator keep running. Point kubectl at them with:
    eval "\$(scripts/cluster.sh env)"
Stop everything with:
    scripts/cluster.sh down
MSG
