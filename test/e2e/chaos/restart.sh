#!/usr/bin/env bash
# Issue 12 chaos: the control plane goes away under the operator while 50 stacks reconcile.
# kube-apiserver is restarted once 15 of 150 Deployments exist, then etcd is stopped for 5 s once
# more exist; the operator (slowed by a low client QPS so both outages land mid-way) must survive
# both without a restart of its own (its Lease outlasts them) and converge: every stack Ready, exactly the desired children
# (no duplicates, no leftovers, one controller owner each), its watches resumed (a later change is
# reconciled) and its webhooks answering. About 2-3 min.
source "$(dirname "$0")/../lib/common.sh"
command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null || { echo "SKIP: python3-yaml missing (scripts/setup.sh)"; exit 77; }
CLUSTER=$ROOT/scripts/cluster.sh
# A stand-in holds the Lease while the 50 stacks are admitted, so reconciling starts when the test
# releases it, and the outages come mid-way.
held_lease_scenario chaos-restart
# The Lease outlasts the outages (renew deadline 45 s): a leader that cannot renew within its
# deadline stops on purpose (a restart campaigns again, as controller-runtime's managers do), which
# is not what this test is about; e2e_operator covers a leader that dies.
operator start --leader-elect --lease-duration 60 --renew-deadline 45 --retry-period 1 \
    --kube-api-qps 10 --kube-api-burst 10 >/dev/null
pid=$(operator pid)
kubectl apply -f "$gen/stacks.yaml" >/dev/null
check "the 50 stacks are admitted" bash -c "[ \"\$(kubectl -n $NS get stacks -o name | wc -l)\" = 50 ]"
release_lease

deployments() { kubectl -n "$NS" get deploy -o name 2>/dev/null | wc -l; }
wait_deployments() { # n timeout
    local t0=$SECONDS
    until [ "$(deployments)" -ge "$1" ] || [ $((SECONDS - t0)) -gt "$2" ]; do sleep 0.2; done
}

# ---- 1. kube-apiserver restart ----
wait_deployments 15 90
before=$(deployments)
bash "$CLUSTER" restart-apiserver 2>/dev/null
echo "#    kube-apiserver restarted with $before of 150 Deployments created"
check "the apiserver restart happened mid-way ($before of 150 Deployments)" bash -c "[ $before -gt 0 ] && [ $before -lt 150 ]"

# ---- 2. etcd gone for 5 s (kube-apiserver stays up and answers errors) ----
wait_deployments $((before + 15)) 120
before_etcd=$(deployments)
bash "$CLUSTER" restart-etcd 5 2>/dev/null
kubectl get --raw /readyz >/dev/null 2>&1 || sleep 5
echo "#    etcd stopped for 5 s with $before_etcd of 150 Deployments created"
check "the etcd outage happened mid-way ($before_etcd of 150 Deployments)" bash -c "[ $before_etcd -lt 150 ]"

# ---- 3. convergence ----
all_ready() { [ "$(kubectl -n "$NS" get stacks -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True)" = 50 ]; }
# A kube-apiserver that has just restarted answers 403 until its RBAC authorizer has synced. The
# worker used to drop keys that failed with 403, so they waited for the 10-minute resync (542-548 s
# here); it now retries them with backoff, and they converge in about 85 s on a loaded machine.
# 360 s fails that regression and leaves room for a slow CI machine.
eventually 360 "after both outages all 50 stacks are Ready" all_ready
check "the operator survived both outages (same process)" bash -c "[ \"$(operator pid 2>/dev/null)\" = $pid ] && kill -0 $pid"
check "exactly the desired objects of the 50 stacks, no duplicates, no leftovers" \
    bash -c "diff <(kubectl -n $NS get deploy,sts,ds,svc,cm,secret -o name | grep -vx configmap/kube-root-ca.crt | sort) $gen/want"
owners_ok() {
    kubectl -n "$NS" get deploy,svc -o jsonpath='{range .items[*]}{.metadata.labels.com\.docker\.stack\.namespace} {.metadata.ownerReferences[*].name} {.metadata.ownerReferences[*].controller}{"\n"}{end}' |
        awk '$1 != $2 || $3 != "true" || NF != 3 { bad = 1; print } END { exit bad }'
}
check "each child has exactly one controller owner, its own stack" owners_ok
check "2 pods per web Deployment, 1 per other (no duplicate ReplicaSets)" \
    bash -c "[ \"\$(kubectl -n $NS get pods --no-headers | wc -l)\" = 200 ] && [ \"\$(kubectl -n $NS get rs --no-headers | wc -l)\" = 150 ]"

# ---- 4. the watches resumed and the webhooks answer ----
sed 's/replicas: 2/replicas: 3/' "$gen/s7.yaml" > "$gen/s7b.yaml"
applied() { convert -f "$gen/s7b.yaml" --name s7 --namespace "$NS" 2>/dev/null | kubectl apply -f - >/dev/null; }
check "a change after the outages is admitted" applied
eventually 60 "... and reconciled: web7 has 3 replicas" \
    bash -c "[ \"\$(kubectl -n $NS get deploy web7 -o jsonpath='{.spec.replicas}')\" = 3 ]"
check "a v1beta1 read still converts (the conversion webhook answers)" \
    kubectl -n "$NS" get stacks.v1beta1.compose.docker.com s1 -o name
finish
