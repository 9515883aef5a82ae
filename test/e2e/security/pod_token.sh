#!/usr/bin/env bash
# Issue 11 / 14 end to end: a stack written with a pod-bound ServiceAccount token (what a CI pod,
# Argo CD or Flux uses) reaches Ready, with the operator running as its own ServiceAccount
# (scripts/operator.sh) and exactly manifests/' RBAC.
#  1. ServiceAccount ci-bot with the edit role; a Pod using it, scheduled on the kwok node; a token
#     bound to that Pod (its extras: pod-name, pod-uid, node-name, node-uid) in a kubeconfig that
#     applies a Stack: Ready; the owner annotation records ci-bot and the four extras.
#  2. The children are written as ci-bot: in a second namespace ci-bot may write stacks and
#     workloads but not Services; a stack there goes Stalled naming ci-bot and services, although
#     the operator's own account could create them.
#  3. The Pod is deleted, so its token no longer authenticates; the signed stack still reconciles
#     (the operator impersonates the recorded identity, it never uses the author's token): a
#     deleted child comes back.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
t_start=$SECONDS
T=$(mktemp -d)
NS="e2e-podtoken-$(date +%s)-$RANDOM"
NS2=$NS-nosvc
cleanup() {
    kubectl delete namespace "$NS" "$NS2" --wait=false >/dev/null 2>&1 || true
    rm -rf "$T"
}
trap cleanup EXIT
kubectl create namespace "$NS" >/dev/null
kubectl create namespace "$NS2" >/dev/null
operator start >/dev/null
op_sa=system:serviceaccount:compose-operator:compose-operator
bot=system:serviceaccount:$NS:ci-bot
op_kc=$(operator kubeconfig)
check "the operator runs with its ServiceAccount's kubeconfig, not admin's" \
    bash -c "tr '\\0' ' ' < /proc/$(operator pid)/cmdline | grep -q -- '--kubeconfig $op_kc' && \
             [ \"\$(kubectl --kubeconfig $op_kc auth whoami -o jsonpath='{.status.userInfo.username}')\" = $op_sa ]"

# ---- 1. A stack from a pod-bound token reaches Ready. ----
kubectl -n "$NS" create serviceaccount ci-bot >/dev/null
kubectl -n "$NS" create rolebinding ci-bot-edit --clusterrole=edit --serviceaccount="$NS:ci-bot" >/dev/null
kubectl -n "$NS" apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: ci-runner}
spec:
  serviceAccountName: ci-bot
  containers: [{name: runner, image: debian:bookworm, command: [sleep, infinity]}]
YAML
eventually 60 "the CI pod is scheduled on the kwok node" \
    bash -c "[ -n \"\$(kubectl -n $NS get pod ci-runner -o jsonpath='{.spec.nodeName}')\" ]"
node=$(kubectl -n "$NS" get pod ci-runner -o jsonpath='{.spec.nodeName}')
pod_uid=$(kubectl -n "$NS" get pod ci-runner -o jsonpath='{.metadata.uid}')
node_uid=$(kubectl get node "$node" -o jsonpath='{.metadata.uid}')
kubectl -n "$NS" create token ci-bot --bound-object-kind Pod --bound-object-name ci-runner --duration=1h > "$T/token"
server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
cat > "$T/ci-bot.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "$server", certificate-authority: "$CLUSTER_DIR/pki/ca.crt"}}]
users: [{name: ci-bot, user: {token: "$(cat "$T/token")"}}]
contexts: [{name: ci, context: {cluster: local, user: ci-bot, namespace: $NS}}]
current-context: ci
YAML
as_bot() { kubectl --kubeconfig "$T/ci-bot.kubeconfig" "$@"; }
whoami=$(as_bot auth whoami -o jsonpath='{.status.userInfo.username} {.status.userInfo.extra.authentication\.kubernetes\.io/pod-name[0]}' 2>&1 || true)
check "the token authenticates as ci-bot, bound to the pod ($whoami)" [ "$whoami" = "$bot ci-runner" ]
stack() { # <namespace> <name>: a one-service v1beta1 stack applied with ci-bot's token
    as_bot -n "$1" apply -f - <<YAML
apiVersion: compose.docker.com/v1beta1
kind: Stack
metadata: {name: $2}
spec:
  composeFile: |
    services:
      web: {image: "nginx:1.27", ports: ["80"]}
YAML
}
out=$(stack "$NS" app 2>&1 || true)
check "ci-bot applies a Stack ($out)" contains "$out" created
cond() { kubectl -n "$1" get "stack/$2" -o jsonpath="{.status.conditions[?(@.type==\"$3\")].status}"; }
ready() { [ "$(cond "$1" "$2" Ready)" = True ]; }
eventually 120 "the stack written with the pod-bound token becomes Ready" ready "$NS" app
owner=$(annotation "$NS" app compose.docker.com/owner)
check "the owner annotation records ci-bot ($owner)" python3 - "$owner" "$bot" <<'PY'
import json, sys
o = json.loads(sys.argv[1])
sys.exit(0 if o.get("username") == sys.argv[2] and
         "system:serviceaccounts" in o.get("groups", []) else 1)
PY
check "and the pod-bound extras: pod-name, pod-uid, node-name, node-uid" python3 - "$owner" "$pod_uid" "$node" "$node_uid" <<'PY'
import json, sys
extra = json.loads(sys.argv[1]).get("extra", {})
want = {"pod-name": "ci-runner", "pod-uid": sys.argv[2], "node-name": sys.argv[3], "node-uid": sys.argv[4]}
bad = {k: extra.get("authentication.kubernetes.io/" + k) for k, v in want.items()
       if extra.get("authentication.kubernetes.io/" + k) != [v]}
print(bad or "all four present")
sys.exit(1 if bad else 0)
PY
check "its Deployment and Service exist" bash -c "kubectl -n $NS get deploy/web service/web >/dev/null"

# ---- 2. The children are written as ci-bot, not as the operator. ----
kubectl -n "$NS2" apply -f - >/dev/null <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: ci-bot-no-services}
rules:
- {apiGroups: [compose.docker.com], resources: [stacks], verbs: [get, list, watch, create, update, patch, delete]}
- {apiGroups: [compose.docker.com], resources: [stacks/finalizers], verbs: [update]}
- {apiGroups: [apps], resources: [deployments, statefulsets], verbs: [get, list, watch, create, update, patch, delete]}
- {apiGroups: [""], resources: [configmaps, secrets], verbs: [get, list, watch, create, update, patch, delete]}
YAML
kubectl -n "$NS2" create rolebinding ci-bot-no-services --role=ci-bot-no-services --serviceaccount="$NS:ci-bot" >/dev/null
out=$(stack "$NS2" nosvc 2>&1 || true)
check "ci-bot applies a stack where it may not create Services ($out)" contains "$out" created
stalled() { [ "$(cond "$NS2" nosvc Stalled)" = True ]; }
eventually 90 "that stack goes Stalled" stalled
msg=$(kubectl -n "$NS2" get stack nosvc -o jsonpath='{.status.conditions[?(@.type=="Stalled")].message}')
check "the message names ci-bot and services ($msg)" contains "$msg" "$bot" services
check "no Service was created there" bash -c "[ -z \"\$(kubectl -n $NS2 get svc -o name)\" ]"
check "although the operator's own account may create Services there" \
    bash -c "kubectl auth can-i --as=$op_sa -n $NS2 create services >/dev/null"
check "and ci-bot may not" bash -c "! kubectl auth can-i --as=$bot -n $NS2 create services >/dev/null"

# ---- 3. The pod goes; its token with it; the stack keeps reconciling. ----
kubectl -n "$NS" delete pod ci-runner --grace-period=0 --force >/dev/null 2>&1
eventually 60 "the pod is gone" bash -c "! kubectl -n $NS get pod ci-runner >/dev/null 2>&1"
eventually 60 "the pod-bound token is refused (401) once the pod is gone" \
    bash -c "as_out=\$(kubectl --kubeconfig $T/ci-bot.kubeconfig -n $NS get stacks 2>&1); [[ \$as_out == *nauthorized* ]]"
old_uid=$(kubectl -n "$NS" get deploy web -o jsonpath='{.metadata.uid}')
kubectl -n "$NS" delete deployment web >/dev/null
eventually 90 "a deleted child of the signed stack is recreated, as ci-bot (impersonation, not its token)" \
    bash -c "u=\$(kubectl -n $NS get deploy web -o jsonpath='{.metadata.uid}'); [ -n \"\$u\" ] && [ \"\$u\" != $old_uid ]"
eventually 90 "and the stack is Ready again" ready "$NS" app
check "the owner is still ci-bot with the pod's extras" \
    contains "$(annotation "$NS" app compose.docker.com/owner)" "$bot" ci-runner "$pod_uid"
echo "    pod-token suite: $((SECONDS - t_start))s"
finish
