#!/usr/bin/env bash
# Issue 6 end to end, the operator as a whole: the stack matrix (web/api/db, five services,
# a stateful database; each as v1beta1 and v1beta2), --impersonation none, and (issue 12) two
# replicas with leader election: the leader is killed (kill -9) while 50 stacks reconcile and
# the follower takes over and converges them.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null || { echo "SKIP: python3-yaml missing (scripts/setup.sh)"; exit 77; }

RUN=e2e-op-$(date +%s)-$RANDOM
NAMESPACES=()
cleanup() {
    OP_INSTANCE=b operator stop >/dev/null 2>&1 || true
    operator stop >/dev/null 2>&1 || true
    operator start >/dev/null 2>&1 || true  # leave the operator as the other tests expect it
    for n in "${NAMESPACES[@]}"; do kubectl delete namespace "$n" --wait=false >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
# namespace <suffix>: creates "$RUN-<suffix>", sets ns to it, and deletes it on exit.
namespace() { ns="$RUN-$1"; kubectl create namespace "$ns" >/dev/null; NAMESPACES+=("$ns"); }
ready() { [ "$(kubectl -n "$1" get "stack/$2" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]; }
# same_children <ns> <stack> <compose file>: the stack owns exactly the objects `convert -o manifests` prints.
same_children() {
    local want got
    want=$(convert -f "$3" --name "$2" -o manifests 2>/dev/null | expected_children)
    got=$(actual_children "$1" "$2")
    [ -n "$want" ] && [ "$want" = "$got" ] || { echo "want: $want"; echo "got:  $got"; return 1; }
}

operator restart >/dev/null

# ---- 1. The stack matrix: each Compose file as v1beta1 and as v1beta2 reaches Ready. ----
declare -A MATRIX_NS
for f in webapp five database; do
    for v in v1beta1 v1beta2; do
        namespace "$f-$v"
        MATRIX_NS[$f-$v]=$ns
        convert -f "$HERE/stacks/$f.yaml" --name "$f" --namespace "$ns" --api-version "$v" 2>/dev/null |
            kubectl apply -f - >/dev/null
    done
done
for key in "${!MATRIX_NS[@]}"; do
    ns=${MATRIX_NS[$key]}
    eventually 180 "$key becomes Ready" ready "$ns" "${key%-*}"
done
for key in "${!MATRIX_NS[@]}"; do
    ns=${MATRIX_NS[$key]} f=${key%-*}
    check "$key: kubectl wait --for=condition=Ready returns" \
        kubectl -n "$ns" wait --for=condition=Ready "stack/$f" --timeout=30s
    check "$key: exactly the objects of convert -o manifests" same_children "$ns" "$f" "$HERE/stacks/$f.yaml"
done
ns=${MATRIX_NS[five-v1beta2]}
check "five: frontend has 3 ready replicas" \
    bash -c "[ \"\$(kubectl -n $ns get deploy frontend -o jsonpath='{.status.readyReplicas}')\" = 3 ]"
check "five: published ports on one LoadBalancer Service" \
    bash -c "[ \"\$(kubectl -n $ns get svc proxy-published -o jsonpath='{.spec.type} {.spec.ports[*].port}')\" = 'LoadBalancer 80 443' ]"
ns=${MATRIX_NS[database-v1beta1]}
check "database: postgres is a StatefulSet with 1 ready replica" \
    bash -c "[ \"\$(kubectl -n $ns get sts postgres -o jsonpath='{.status.readyReplicas}')\" = 1 ]"
eventually 60 "database: its volume claim is Bound" \
    bash -c "kubectl -n $ns get pvc -o jsonpath='{.items[*].status.phase}' | grep -qx Bound"
ns=${MATRIX_NS[webapp-v1beta1]}
check "webapp: phase is Available" \
    bash -c "[ \"\$(kubectl -n $ns get stack webapp -o jsonpath='{.status.phase}')\" = Available ]"
# /metrics carries controller-runtime's, client-go's and the process collector's names (README table).
positive() { [ "$(metric "$PROBE_PORT" "$1")" != 0 ]; }
for series in 'controller_runtime_reconcile_total{controller="stack",result="success"}' \
              'controller_runtime_reconcile_time_seconds_count{controller="stack"}' \
              'controller_runtime_max_concurrent_reconciles{controller="stack"}' \
              'workqueue_adds_total{name="stack",controller="stack"}' \
              'workqueue_work_duration_seconds_count{name="stack",controller="stack"}' \
              'rest_client_requests_total{code="200",method="GET"' \
              'rest_client_requests_total{code="200",method="PATCH"' \
              'controller_runtime_webhook_requests_total{webhook="/convert",code="200"}' \
              'controller_runtime_webhook_requests_total{webhook="/validate",code="200"}' \
              'leader_election_master_status{name="compose-operator"}' \
              'compose_operator_build_info{version=' \
              'process_resident_memory_bytes' 'process_cpu_seconds_total' 'process_open_fds' \
              'process_max_fds' 'process_start_time_seconds'; do
    check "metrics: $series > 0" positive "$series"
done
check "metrics: workqueue_depth is exposed" bash -c "curl -sf http://127.0.0.1:$PROBE_PORT/metrics | grep -q '^workqueue_depth{name=\"stack\",controller=\"stack\"} '"

# A quiet operator: once Ready, a resync pass (no change) writes nothing. Counted: applies the API
# server accepted. A stack another suite left Stalled on Forbidden (alice's) is retried with backoff
# (5 ms doubling, capped at --forbidden-retry), and those refused applies are not re-applies.
before=$(metric "$PROBE_PORT" 'compose_operator_writes_total{verb="apply",result="ok"}')
sleep 3
after=$(metric "$PROBE_PORT" 'compose_operator_writes_total{verb="apply",result="ok"}')
check "no re-applies while nothing changes ($before -> $after)" [ "$before" = "$after" ]

# A restart re-reads everything (LIST, whose items lack apiVersion/kind) and must re-apply nothing.
operator restart >/dev/null
sleep 3
check "a restarted operator re-applies nothing ($(metric "$PROBE_PORT" 'compose_operator_writes_total{verb="apply",result="ok"}') applies)" \
    bash -c "[ \"\$(curl -sf http://127.0.0.1:$PROBE_PORT/metrics | grep -c 'compose_operator_writes_total{verb=\"apply\",result=\"ok\"}')\" = 0 ]"

# ---- 2. --impersonation none: the operator's own account does the work. ----
operator restart --impersonation none >/dev/null
namespace imp-none
grant alice "$ns" stacks.compose.docker.com "get,list,watch,create,update,patch,delete"
cat <<YAML | as_user alice apply -f - >/dev/null
apiVersion: compose.docker.com/v1beta2
kind: Stack
metadata: {name: hello, namespace: $ns}
spec:
  services:
  - name: hello
    image: nginx:1.27
    ports: [{target: 80, published: 8080}]
YAML
eventually 90 "impersonation none: alice's stack (stacks rights only) becomes Ready" ready "$ns" hello
check "impersonation none: its Deployment exists" kubectl -n "$ns" get deploy hello
check "impersonation none: alice herself still may not read Deployments" \
    bash -c "! kubectl --kubeconfig $CLUSTER_DIR/alice.kubeconfig -n $ns get deploy hello >/dev/null 2>&1"
operator restart >/dev/null

# ---- 3. kill -9 of the leader while 50 stacks reconcile; the follower takes over and converges. ----
# Replica a leads and reconciles 50 stacks slowly (a low client QPS) while replica b follows; a
# is killed (SIGKILL) once some but not all children exist, and b, which wrote nothing until
# then, takes the Lease and converges every stack to exactly its desired children. The Lease is
# handed to a by name (the stand-in's Lease given a's identity, host-pid, which a then renews),
# so which replica leads first is not left to a race, and nothing reconciles before all 50
# stacks are admitted.
namespace crash
gen=$(mktemp -d)
make_stacks 50 "$gen" "$ns"
LE=(--leader-elect --lease-duration 6 --renew-deadline 4 --retry-period 1)
operator stop >/dev/null
hold_lease
operator start "${LE[@]}" --kube-api-qps 10 --kube-api-burst 10 >/dev/null
pid_a=$(operator pid)
# b starts second, so the webhooks point at b's port and keep working when a dies.
OP_INSTANCE=b OP_WEBHOOK_PORT=$WEBHOOK_PORT_B OP_PROBE_PORT=$PROBE_PORT_B operator start "${LE[@]}" >/dev/null
kubectl apply -f "$gen/stacks.yaml" >/dev/null
check "two followers admit the 50 stacks but create nothing" \
    bash -c "[ \"\$(kubectl -n $ns get stacks -o name | wc -l)\" = 50 ] && [ -z \"\$(kubectl -n $ns get deploy -o name)\" ]"
leader_gauge() { curl -sf "http://127.0.0.1:$1/metrics" | awk '/^compose_operator_leader /{print $2}'; }
leads() { [ "$(leader_gauge "$1")" = 1 ]; }
# Patched, not deleted and made again: b campaigns every second and could take a deleted Lease.
now=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
kubectl -n compose-operator patch lease compose-operator --type merge -p \
    "{\"spec\":{\"holderIdentity\":\"$(hostname)-$pid_a\",\"renewTime\":\"$now\"}}" >/dev/null
eventually 30 "replica a leads" leads "$PROBE_PORT"
check "replica b is ready (webhooks) but follows" [ "$(leader_gauge "$PROBE_PORT_B")" = 0 ]
# style.md 2.2: caches start before the Lease is sought, so the follower already holds the 50
# stacks (their keys wait in its queue, with no worker to take them) and takes over warm.
# (At least 50: it watches every namespace, and other suites' stacks may be there too.)
check "the follower's caches hold the 50 stacks, queued for when it leads" \
    bash -c "[ \"\$(curl -sf http://127.0.0.1:$PROBE_PORT_B/metrics | awk '/^workqueue_depth\{name=\"stack\"/{print \$NF}')\" -ge 50 ]"
holder_a=$(kubectl -n compose-operator get lease compose-operator -o jsonpath='{.spec.holderIdentity}')
t0=$SECONDS
until [ "$(kubectl -n "$ns" get deploy -o name 2>/dev/null | wc -l)" -ge 15 ] || [ $((SECONDS - t0)) -gt 60 ]; do sleep 0.1; done
a_writes=$(metric "$PROBE_PORT" compose_operator_writes_total)
b_writes=$(metric "$PROBE_PORT_B" compose_operator_writes_total)
operator kill >/dev/null
t_kill=$SECONDS
partial=$(kubectl -n "$ns" get deploy -o name | wc -l)
ready_then=$(kubectl -n "$ns" get stacks -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True || true)
echo "#    a killed with $partial of 150 Deployments created, $ready_then of 50 stacks Ready"
check "the kill happened mid-way ($partial of 150 Deployments)" bash -c "[ $partial -gt 0 ] && [ $partial -lt 150 ]"
check "until then only the leader wrote (a: $a_writes writes, b: $b_writes)" bash -c "[ $a_writes -gt 0 ] && [ $b_writes = 0 ]"
all_ready() { [ "$(kubectl -n "$ns" get stacks -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True)" = 50 ]; }
eventually 240 "replica b takes over: all 50 stacks become Ready" all_ready
echo "#    b converged the 50 stacks $((SECONDS - t_kill))s after a was killed (lease 6s)"
holder_b=$(kubectl -n compose-operator get lease compose-operator -o jsonpath='{.spec.holderIdentity}')
check "the Lease moved from a to b ($holder_a -> $holder_b)" bash -c "[ -n '$holder_b' ] && [ '$holder_a' != '$holder_b' ]"
check "b leads" leads "$PROBE_PORT_B"
check "b wrote ($(metric "$PROBE_PORT_B" compose_operator_writes_total) writes)" \
    bash -c "[ \$(curl -sf http://127.0.0.1:$PROBE_PORT_B/metrics | awk '/^compose_operator_writes_total/{s+=\$NF} END{print s+0}') -gt 0 ]"
check "exactly the desired objects of the 50 stacks, no duplicates, no leftovers" \
    bash -c "diff <(kubectl -n $ns get deploy,sts,ds,svc,cm,secret -o name | grep -vx configmap/kube-root-ca.crt | sort) $gen/want"
owners_ok() {
    # every child: one controller ownerReference, to a Stack whose name is its stack label
    kubectl -n "$ns" get deploy,svc -o jsonpath='{range .items[*]}{.metadata.labels.com\.docker\.stack\.namespace} {.metadata.ownerReferences[*].name} {.metadata.ownerReferences[*].controller}{"\n"}{end}' |
        awk '$1 != $2 || $3 != "true" || NF != 3 { bad = 1; print } END { exit bad }'
}
check "each child has exactly one controller owner, its own stack" owners_ok
check "2 pods per web Deployment, 1 per other (no duplicate ReplicaSets)" \
    bash -c "[ \"\$(kubectl -n $ns get pods --no-headers | wc -l)\" = 200 ] && [ \"\$(kubectl -n $ns get rs --no-headers | wc -l)\" = 150 ]"
rm -rf "$gen"
OP_INSTANCE=b operator stop >/dev/null
release_lease

finish
