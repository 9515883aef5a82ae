#!/usr/bin/env bash
# The local control plane is real: CRDs are accepted, Deployments get Running pods (kcm,
# scheduler, kwok), garbage collection deletes dependants, and RBAC applies to static-token users.
source "$(dirname "$0")/../lib/common.sh"
new_namespace smoke

# CRDs from crds/ are accepted and become Established.
if ls "$ROOT"/crds/*.yaml >/dev/null 2>&1; then
    # Server-side dry run of the files as they are, then create when absent: once an operator ran
    # locally it has rewritten the conversion clientConfig (Service -> URL), which a client-side
    # apply of the Service form would conflict with (see scripts/operator.sh).
    crd_dry_run() {
        if kubectl get crd stacks.compose.docker.com >/dev/null 2>&1; then
            kubectl replace --dry-run=server -f "$ROOT/crds/stacks.compose.docker.com.yaml" -o name
        else
            kubectl create --dry-run=server -f "$ROOT/crds/stacks.compose.docker.com.yaml" -o name
        fi
    }
    check "the CRDs in crds/ are accepted (server-side dry run)" crd_dry_run
    kubectl get crd stacks.compose.docker.com >/dev/null 2>&1 || kubectl create -f "$ROOT/crds/stacks.compose.docker.com.yaml" >/dev/null
    eventually 30 "Stack CRD is Established" \
        kubectl wait --for=condition=Established crd/stacks.compose.docker.com --timeout=1s
else
    fail "crds/ holds no CRD"
fi

# A Deployment with 2 replicas gets 2 Running pods within a minute.
kubectl -n "$NS" create deployment web --image=nginx:1.27 --replicas=2 >/dev/null
running() { [ "$(kubectl -n "$NS" get pods -l app=web --field-selector=status.phase=Running -o name | wc -l)" -eq 2 ]; }
eventually 60 "deployment web has 2 Running pods" running
check "pods are bound to the kwok node" \
    bash -c "[ \"\$(kubectl -n $NS get pods -l app=web -o jsonpath='{.items[*].spec.nodeName}')\" = 'kwok-node-0 kwok-node-0' ]"

# Deleting it removes its ReplicaSet and pods (garbage collection by kube-controller-manager).
kubectl -n "$NS" delete deployment web --wait=false >/dev/null
gone() { [ -z "$(kubectl -n "$NS" get replicasets,pods -l app=web -o name)" ]; }
eventually 60 "ReplicaSet and pods are garbage-collected" gone

# alice may not create a Deployment until a RoleBinding grants it.
denied() { ! as_user alice -n "$NS" create deployment alice-web --image=nginx --dry-run=server -o name 2>/tmp/e2e-alice.$$; grep -qi forbidden /tmp/e2e-alice.$$; }
check "alice is forbidden to create a Deployment" denied
kubectl -n "$NS" create role deployer --verb=create,get,list --resource=deployments.apps >/dev/null
kubectl -n "$NS" create rolebinding alice-deployer --role=deployer --user=alice >/dev/null
eventually 10 "alice may create a Deployment after the RoleBinding" \
    as_user alice -n "$NS" create deployment alice-web --image=nginx
check "bob is still forbidden" bash -c "! kubectl --kubeconfig $CLUSTER_DIR/bob.kubeconfig -n $NS get deployments 2>/dev/null"

# A PersistentVolumeClaim binds to the pre-created pool through the default StorageClass.
kubectl -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
YAML
eventually 30 "a PersistentVolumeClaim binds" \
    bash -c "[ \"\$(kubectl -n $NS get pvc data -o jsonpath='{.status.phase}')\" = Bound ]"
rm -f /tmp/e2e-alice.$$
finish
