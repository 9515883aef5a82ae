#!/usr/bin/env bash
# The main job, end to end on the local control plane:
#   1. install what is needed (scripts/setup.sh) and build the operator
#   2. bring the local cluster up (scripts/cluster.sh up)
#   3. install the Stack CRD and start the operator (webhooks + reconciler) against the cluster
#   4. apply the stacks in examples/ and wait until they are Ready, showing progress
#   5. deploy a Compose application with the client (`stack deploy --wait`), then `stack
#      services` and `stack ps`
#   6. print what runs
# It leaves the cluster and the operator running; `scripts/cluster.sh down` stops both.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
[ -d /usr/local/go/bin ] && export PATH="/usr/local/go/bin:$PATH"
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

say "setup and build"
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DOP_RELEASE=ON >/dev/null
# Compiler progress lines go to a log, errors are shown; a failed build stops the demo here.
echo "building the operator (about 5-8 min on a new 2-core machine, seconds when cached; log: build/demo-build.log)"
if ! cmake --build build --target compose-operator > build/demo-build.log 2>&1; then
    grep -vE '^\[[0-9]+/[0-9]+\] ' build/demo-build.log | tail -40
    echo "the build failed (whole log: build/demo-build.log)" >&2
    exit 1
fi
OPBIN=$ROOT/build/src/compose-operator

say "local control plane"
bash scripts/cluster.sh up
eval "$(bash scripts/cluster.sh env)"

say "Stack CRD and the operator"
# operator.sh installs the CRD when absent (the running operator owns its conversion webhook
# settings afterwards) and waits for /readyz.
OP_BIN=$OPBIN bash scripts/operator.sh start

say "example stacks"
kubectl get namespace demo >/dev/null 2>&1 || kubectl create namespace demo
for f in examples/*.yaml; do kubectl -n demo apply -f "$f"; done
want=$(kubectl -n demo get stacks -o name | wc -l)
t0=$SECONDS
while :; do
    ready=$(kubectl -n demo get stacks -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True || true)
    printf '   %3ds  %d/%d stacks Ready\n' $((SECONDS - t0)) "$ready" "$want"
    [ "$ready" -ge "$want" ] && break
    if [ $((SECONDS - t0)) -ge 300 ]; then
        echo "not all stacks are Ready after 300s; their status:"
        kubectl -n demo get stacks -o yaml | sed -n '/^  status:/,/^- /p'
        echo "operator log: scripts/operator.sh log"
        exit 1
    fi
    kubectl -n demo get stacks --no-headers | sed 's/^/        /'
    sleep 2
done

say "a Compose application with the client: stack deploy --wait, as docker stack deploy did"
# A real multi-service file (awesome-compose's wordpress-mysql) from a scratch folder, found as
# docker compose finds it (compose.yaml in the current folder); the project's own e2e app when
# the corpus is not beside the repository.
CORPUS=${OP_CORPUS_DIR:-$ROOT/../shared/corpus/awesome-compose}
app=$ROOT/.cluster/demo-app
rm -rf "$app" && mkdir -p "$app"
if [ -f "$CORPUS/wordpress-mysql.yaml" ]; then
    cp "$CORPUS/wordpress-mysql.yaml" "$app/compose.yaml"; app_name=wordpress
else
    cp -r test/e2e/client/app/. "$app/"; app_name=app
fi
# Its own namespace: the example stacks in `demo` already have a service called db.
kubectl get namespace demo-client >/dev/null 2>&1 || kubectl create namespace demo-client
(cd "$app" && "$OPBIN" stack deploy --namespace demo-client --wait --timeout 5m "$app_name")
"$OPBIN" stack ls --all-namespaces
"$OPBIN" stack services --namespace demo-client "$app_name"
"$OPBIN" stack ps --namespace demo-client "$app_name"

say "what runs"
kubectl -n demo get stacks,deploy,sts,ds,svc,pods
kubectl -n demo-client get stacks,deploy,sts,ds,svc,pods
cat <<MSG

The cluster and the operator keep running. Point kubectl at them with:
    eval "\$(scripts/cluster.sh env)"
Stop everything with:
    scripts/cluster.sh down
MSG
