#!/usr/bin/env bash
# Issue 6 end to end: stacks become running workloads (kwok makes pods Running), stay in sync,
# report an honest status, and act with their author's rights.
source "$(dirname "$0")/../lib/common.sh"
new_namespace reconcile
operator restart --forbidden-retry 3 >/dev/null
ready() { kubectl -n "$NS" wait --for=condition=Ready "stack/$1" --timeout=2s >/dev/null 2>&1; }
img() { kubectl -n "$NS" get "$1" -o jsonpath='{.spec.template.spec.containers[0].image}'; }

# v1beta1 and v1beta2 stacks reach Ready; kubectl wait works on them.
kubectl -n "$NS" apply -f "$ROOT/examples/words-v1beta1.yaml" >/dev/null
kubectl -n "$NS" apply -f "$ROOT/examples/shop-v1beta2.yaml" >/dev/null
eventually 120 "v1beta1 stack words becomes Ready" ready words
eventually 120 "v1beta2 stack shop becomes Ready" ready shop
check "kubectl wait --for=condition=Ready returns" kubectl -n "$NS" wait --for=condition=Ready stack/words stack/shop --timeout=10s
# Status is written by server-side apply of the status subresource (no resourceVersion, so no 409
# from a stale cache): the only status manager is compose-operator's Apply entry.
status_managers() {
    kubectl -n "$NS" get stack/shop --show-managed-fields -o json | python3 -c '
import json, sys
mf = json.load(sys.stdin)["metadata"].get("managedFields", [])
print(" ".join(sorted("%s/%s" % (m["manager"], m["operation"]) for m in mf if m.get("subresource") == "status")))'
}
check "the stack's status has one manager, compose-operator by Apply ($(status_managers))" \
    [ "$(status_managers)" = compose-operator/Apply ]
check "words: Deployment words has 3 ready replicas" \
    [ "$(kubectl -n "$NS" get deploy words -o jsonpath='{.status.readyReplicas}')" = 3 ]
check "words: db with a named volume is a StatefulSet" kubectl -n "$NS" get statefulset db
check "shop: a global service is a DaemonSet" kubectl -n "$NS" get daemonset agent
check "shop: published ports get a <svc>-published Service" kubectl -n "$NS" get service frontend-published

# A named volume used but not declared (the reference system's own sample does this) is admitted
# with a warning that names it, and the stack becomes Ready with a claim for it.
undeclared_out=$(kubectl -n "$NS" apply -f - 2>&1 <<'YAML'
apiVersion: compose.docker.com/v1beta1
kind: Stack
metadata: {name: undeclared}
spec:
  composeFile: |
    services:
      pg:
        image: postgres:16
        volumes: ["db_data:/var/lib/postgresql/data"]
YAML
) || true
check "an undeclared named volume is admitted with a warning ($undeclared_out)" \
    contains "$undeclared_out" "stack.compose.docker.com/undeclared" 'named volume "db_data" is not declared'
eventually 120 "the stack with an undeclared named volume becomes Ready" ready undeclared
check "its volume becomes a claim template of StatefulSet pg" \
    contains "$(kubectl -n "$NS" get statefulset pg -o jsonpath='{.spec.volumeClaimTemplates[*].metadata.name}')" db-data

# A named volume two services mount is one PersistentVolumeClaim that both pods mount (not a claim
# template per service). It has no owner: deleting the stack keeps it (data is never deleted
# implicitly), and a stack deployed again under that name mounts it again.
apply_sharedvol() {
    kubectl -n "$NS" apply -f - <<'YAML'
apiVersion: compose.docker.com/v1beta1
kind: Stack
metadata: {name: sharedvol}
spec:
  composeFile: |
    services:
      app:
        image: nginx:1.27
        volumes: ["uploads:/srv/uploads"]
      worker:
        image: busybox:1.36
        command: ["sleep", "infinity"]
        volumes: ["uploads:/data:ro"]
    volumes:
      uploads: {}
YAML
}
shared_out=$(apply_sharedvol 2>&1) || true
check "the shared-volume stack is admitted ($shared_out)" contains "$shared_out" "stack.compose.docker.com/sharedvol"
eventually 120 "the stack with a shared named volume becomes Ready" ready sharedvol
check "it has exactly one PersistentVolumeClaim, sharedvol.uploads" \
    [ "$(kubectl -n "$NS" get pvc -l com.docker.stack.namespace=sharedvol -o name)" = persistentvolumeclaim/sharedvol.uploads ]
check "the claim has no owner (the garbage collector never deletes it)" \
    [ -z "$(kubectl -n "$NS" get pvc sharedvol.uploads -o jsonpath='{.metadata.ownerReferences}')" ]
check "both workloads mount that claim" bash -c "[ \"\$(kubectl -n $NS get deploy app worker -o jsonpath='{.items[*].spec.template.spec.volumes[*].persistentVolumeClaim.claimName}')\" = 'sharedvol.uploads sharedvol.uploads' ]"
check "both pods are Running" bash -c "[ \"\$(kubectl -n $NS get pods -l com.docker.stack.namespace=sharedvol -o jsonpath='{.items[*].status.phase}')\" = 'Running Running' ]"
claim_uid=$(kubectl -n "$NS" get pvc sharedvol.uploads -o jsonpath='{.metadata.uid}')
kubectl -n "$NS" delete stack sharedvol --wait=true --timeout=60s >/dev/null
eventually 60 "deleting the stack removes its Deployments" bash -c "! kubectl -n $NS get deploy app worker -o name 2>/dev/null | grep -q ."
check "and keeps the shared claim, same uid (its data)" \
    [ "$(kubectl -n "$NS" get pvc sharedvol.uploads -o jsonpath='{.metadata.uid}')" = "$claim_uid" ]
apply_sharedvol >/dev/null
eventually 120 "the stack deployed again under that name becomes Ready (no NameConflict on its kept claim)" ready sharedvol
check "and mounts the same claim" \
    [ "$(kubectl -n "$NS" get pvc sharedvol.uploads -o jsonpath='{.metadata.uid}')" = "$claim_uid" ]
check "shop: target-only ports get a <svc>-random-ports Service" kubectl -n "$NS" get service cart-random-ports
check "the status counts services (Ready column)" \
    [ "$(kubectl -n "$NS" get stack shop -o jsonpath='{.status.phase}')" = Available ]

# Change an image: the Deployment rolls out and observedGeneration follows.
kubectl -n "$NS" patch stack shop --type=json -p '[{"op":"replace","path":"/spec/services/0/image","value":"nginx:1.28"}]' >/dev/null
gen=$(kubectl -n "$NS" get stack shop -o jsonpath='{.metadata.generation}')
eventually 60 "the frontend Deployment rolls out the new image" bash -c "[ \"\$(kubectl -n $NS get deploy frontend -o jsonpath='{.spec.template.spec.containers[0].image}')\" = nginx:1.28 ]"
eventually 60 "observedGeneration follows the generation ($gen) and the stack is Ready" \
    bash -c "[ \"\$(kubectl -n $NS get stack shop -o jsonpath='{.status.observedGeneration}')\" = $gen ] && kubectl -n $NS wait --for=condition=Ready stack/shop --timeout=1s"
eventually 30 "the stack went Reconciling then Ready (a Progressing Event for generation $gen)" \
    bash -c "kubectl -n $NS get events --field-selector reason=Progressing,involvedObject.name=shop -o jsonpath='{.items[*].message}' | grep -q 'generation $gen'"

# Change replicas: scaled.
kubectl -n "$NS" patch stack shop --type=json -p '[{"op":"replace","path":"/spec/services/0/deploy/replicas","value":4}]' >/dev/null
eventually 60 "frontend is scaled to 4 ready replicas" \
    bash -c "[ \"\$(kubectl -n $NS get deploy frontend -o jsonpath='{.status.readyReplicas}')\" = 4 ]"

# Edit a child's image by hand: reverted.
kubectl -n "$NS" set image deploy/frontend frontend=evil:1 >/dev/null
eventually 60 "a hand edit of a child's image is reverted" bash -c "[ \"\$(kubectl -n $NS get deploy frontend -o jsonpath='{.spec.template.spec.containers[0].image}')\" = nginx:1.28 ]"

# Add a volume to a stateless service: it becomes a StatefulSet.
kubectl -n "$NS" patch stack shop --type=json -p '[{"op":"add","path":"/spec/services/1/volumes","value":[{"type":"volume","source":"cart-data","target":"/data"}]}]' >/dev/null
eventually 60 "cart becomes a StatefulSet" kubectl -n "$NS" get statefulset cart
eventually 60 "and its Deployment is pruned" bash -c "! kubectl -n $NS get deploy cart >/dev/null 2>&1"

# Remove a service: its objects are pruned.
kubectl -n "$NS" patch stack shop --type=json -p '[{"op":"remove","path":"/spec/services/2"}]' >/dev/null
eventually 60 "a removed service's DaemonSet is pruned" bash -c "! kubectl -n $NS get daemonset agent >/dev/null 2>&1"

# Delete the stack: children are garbage-collected, PersistentVolumeClaims remain.
eventually 60 "the cart volume claim is bound" bash -c "kubectl -n $NS get pvc -o jsonpath='{.items[*].status.phase}' | grep -q Bound"
kubectl -n "$NS" delete stack shop >/dev/null
eventually 60 "deleting the stack removes its workloads and Services" \
    bash -c "[ -z \"\$(kubectl -n $NS get deploy,sts,ds,svc -l com.docker.stack.namespace=shop -o name)\" ]"
check "its PersistentVolumeClaims remain" bash -c "kubectl -n $NS get pvc -o name | grep -q cart-data"

# alice with rights on stacks only: Stalled with the forbidden message, nothing created;
# once granted Deployments and Services (and stacks/finalizers), the same stack becomes Ready.
grant alice "$NS" stacks.compose.docker.com get,list,watch,create,update,patch,delete
cat > /tmp/e2e-alice.$$ <<YAML
apiVersion: compose.docker.com/v1beta2
kind: Stack
metadata: {name: alices}
spec:
  services:
  - {name: hello, image: nginx}
YAML
as_user alice -n "$NS" apply -f /tmp/e2e-alice.$$ >/dev/null
stalled() { [ "$(kubectl -n "$NS" get stack alices -o jsonpath='{.status.conditions[?(@.type=="Stalled")].status}')" = True ]; }
eventually 60 "alice's stack is Stalled" stalled
msg=$(kubectl -n "$NS" get stack alices -o jsonpath='{.status.conditions[?(@.type=="Stalled")].message}')
check "the Stalled message says what is forbidden ($msg)" contains "$msg" alice
check "nothing was created for alice" bash -c "[ -z \"\$(kubectl -n $NS get deploy,svc -l com.docker.stack.namespace=alices -o name)\" ]"
grant alice "$NS" deployments.apps,statefulsets.apps,daemonsets.apps,services,configmaps,secrets get,list,watch,create,update,patch,delete
# The local apiserver runs OwnerReferencesPermissionEnforcement (as OpenShift does): children's
# blockOwnerDeletion needs update on stacks/finalizers, which compose-operator-stack-editor grants.
finalizers_named() { contains "$(kubectl -n "$NS" get stack alices -o jsonpath='{.status.conditions[?(@.type=="Stalled")].message}')" finalizers; }
eventually 60 "without stacks/finalizers the Stalled message names finalizers" finalizers_named
grant alice "$NS" stacks.compose.docker.com/finalizers update
eventually 90 "once granted, alice's stack becomes Ready" ready alices
check "alice's Deployment exists" kubectl -n "$NS" get deploy hello
rm -f /tmp/e2e-alice.$$
finish
