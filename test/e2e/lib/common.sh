# Shared helpers for e2e shell tests. Source it; it sets up kubectl access to the local cluster
# (scripts/cluster.sh up) and exits 77 (CTest: skipped) when the cluster is not reachable.
set -euo pipefail
ROOT=${OP_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
CLUSTER_DIR=${OP_CLUSTER_DIR:-$ROOT/.cluster}
export KUBECONFIG=${OP_KUBECONFIG:-$CLUSTER_DIR/kubeconfig}
[ -x "$CLUSTER_DIR/bin/kubectl" ] && export PATH="$CLUSTER_DIR/bin:$PATH"
if [ ! -f "$KUBECONFIG" ] || ! kubectl get --raw /readyz >/dev/null 2>&1; then
    echo "SKIP: no local cluster (run scripts/cluster.sh up)"
    exit 77
fi

# The operator's ports (scripts/operator.sh reads the same variables); a second replica uses the
# next ones. Set them to run several clusters and operators side by side.
export OP_WEBHOOK_PORT=${OP_WEBHOOK_PORT:-9443} OP_PROBE_PORT=${OP_PROBE_PORT:-8080}
PROBE_PORT=$OP_PROBE_PORT
WEBHOOK_PORT_B=${OP_WEBHOOK_PORT_B:-$((OP_WEBHOOK_PORT + 1))}
PROBE_PORT_B=${OP_PROBE_PORT_B:-$((OP_PROBE_PORT + 1))}

FAILS=0
PASSES=0
pass() { PASSES=$((PASSES + 1)); echo "ok   - $*"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL - $*"; }
check() { # description command...
    local what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
# eventually <timeout_s> <description> command...: polls every 0.5 s until the command succeeds.
# Like check, it records a failure and carries on (the script's verdict comes from finish).
eventually() {
    local timeout=$1 what=$2 t0=$SECONDS; shift 2
    until "$@" >/dev/null 2>&1; do
        if [ $((SECONDS - t0)) -ge "$timeout" ]; then fail "$what (not within ${timeout}s)"; return 0; fi
        sleep 0.5
    done
    pass "$what ($((SECONDS - t0))s)"
}
as_user() { local u=$1; shift; kubectl --kubeconfig "$CLUSTER_DIR/$u.kubeconfig" "$@"; }
# new_namespace <prefix>: creates a fresh namespace, sets NS to its name, deletes it on exit.
new_namespace() {
    NS="e2e-$1-$(date +%s)-$RANDOM"
    kubectl create namespace "$NS" >/dev/null
    trap "kubectl delete namespace $NS --wait=false >/dev/null 2>&1 || true" EXIT
}
finish() {
    echo "$PASSES passed, $FAILS failed"
    [ "$FAILS" -eq 0 ]
}

# The operator under test (scripts/operator.sh with the binary CTest built).
operator() { OP_BIN=${OP_BIN:-$ROOT/build/src/compose-operator} bash "$ROOT/scripts/operator.sh" "$@"; }
# grant <user> <namespace> <resources> <verbs>: a Role and RoleBinding (names derived from the user).
grant() {
    local user=$1 ns=$2 res=$3 verbs=$4 name="e2e-$1-$RANDOM"
    kubectl -n "$ns" create role "$name" --verb="$verbs" --resource="$res" >/dev/null
    kubectl -n "$ns" create rolebinding "$name" --role="$name" --user="$user" >/dev/null
}
# The value of an annotation of a stack (jsonpath needs dots escaped).
annotation() { kubectl -n "$1" get "stack/$2" -o "jsonpath={.metadata.annotations.${3//./\\.}}"; }
# contains <text> <part>...: true when text holds every part.
contains() { local t=$1 p; shift; for p in "$@"; do [[ $t == *"$p"* ]] || return 1; done; }
# lacks <text> <part>: true when text does not hold part.
lacks() { [[ $1 != *"$2"* ]]; }

# convert <args...>: `compose-operator convert` with the binary under test.
convert() { "${OP_BIN:-$ROOT/build/src/compose-operator}" convert "$@"; }
# expected_children: reads `convert -o manifests` YAML on stdin, prints each object the way
# `kubectl get -o name` does (deployment.apps/web, service/web-published, ...), sorted.
expected_children() {
    python3 -c '
import sys, yaml
group = {"Deployment": "deployment.apps", "StatefulSet": "statefulset.apps", "DaemonSet": "daemonset.apps",
         "Service": "service", "ConfigMap": "configmap", "Secret": "secret"}
names = [group[d["kind"]] + "/" + d["metadata"]["name"] for d in yaml.safe_load_all(sys.stdin) if d]
print("\n".join(sorted(names)))'
}
# actual_children <namespace> [stack]: the operator-managed objects in the namespace (of one
# stack when given), as `kubectl get -o name` prints them, sorted.
actual_children() {
    local sel="app.kubernetes.io/managed-by=compose-operator"
    [ -n "${2:-}" ] && sel="$sel,com.docker.stack.namespace=$2"
    kubectl -n "$1" get deploy,sts,ds,svc,cm,secret -l "$sel" -o name | sort
}
# metric <probe port> <series prefix>: the sum of the matching series of the operator's /metrics
# (0 when absent).
metric() {
    curl -sf "http://127.0.0.1:$1/metrics" | awk -v p="$2" 'index($0, p) == 1 { s += $NF } END { print s + 0 }'
}

# hold_lease [holder]: another identity holds the operator's Lease, so a --leader-elect replica
# serves its webhooks (stacks are admitted) but reconciles nothing until release_lease.
hold_lease() {
    local now; now=$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)
    kubectl get namespace compose-operator >/dev/null 2>&1 || kubectl create namespace compose-operator >/dev/null
    release_lease
    kubectl -n compose-operator create -f - >/dev/null <<YAML
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: compose-operator}
spec: {holderIdentity: ${1:-e2e-stand-in}, leaseDurationSeconds: 3600, acquireTime: "$now", renewTime: "$now"}
YAML
}
release_lease() { kubectl -n compose-operator delete lease compose-operator --ignore-not-found >/dev/null 2>&1 || true; }

# held_lease_scenario <namespace suffix>: the start of the suites that reconcile 50 stacks under a
# Lease taken away from the operator: a new namespace ($NS), 50 stacks in $gen (make_stacks), the
# operator stopped and a stand-in holding the Lease; on exit the Lease is released, the operator
# restarted with its default flags for the next suite and the namespace deleted.
held_lease_scenario() {
    new_namespace "$1"
    gen=$(mktemp -d)
    trap held_lease_cleanup EXIT
    make_stacks 50 "$gen" "$NS"
    operator stop >/dev/null 2>&1 || true
    hold_lease
}
held_lease_cleanup() {
    release_lease
    operator restart >/dev/null 2>&1 || true   # back to the default flags for the next suite
    kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
    rm -rf "$gen"
}

# make_stacks <n> <dir> <namespace>: n stacks of three services (web with 2 replicas and a node
# port, api published on 8080, cache) as one `kubectl apply` file <dir>/stacks.yaml, and the
# children they should have, as expected_children prints them, in <dir>/want.
make_stacks() {
    local n=$1 dir=$2 ns=$3 i
    for i in $(seq 1 "$n"); do
        cat > "$dir/s$i.yaml" <<YAML
services:
  web$i:
    image: nginx:1.27
    ports: ["80"]
    deploy: {replicas: 2}
  api$i:
    image: httpd:2.4
    ports: ["8080:80"]
  cache$i:
    image: redis:7
YAML
        convert -f "$dir/s$i.yaml" --name "s$i" --namespace "$ns" 2>/dev/null
        echo "---"
    done > "$dir/stacks.yaml"
    for i in $(seq 1 "$n"); do convert -f "$dir/s$i.yaml" --name "s$i" -o manifests 2>/dev/null; done |
        expected_children > "$dir/want"
}
