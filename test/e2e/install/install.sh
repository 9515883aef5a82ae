#!/usr/bin/env bash
# `kubectl apply -k manifests/` on the local cluster installs a working operator identity.
# kwok runs the Deployment's pods without a kubelet, so the real process cannot run in-cluster;
# this checks what can be checked: deploy/install.yaml is current, the objects and their defaults,
# the ServiceAccount's rights (kubectl auth can-i --as), and the operator binary run out of the
# cluster through its in-cluster path (KUBERNETES_SERVICE_HOST/PORT, a token file and the CA file
# in a folder standing in for /var/run/secrets/kubernetes.io/serviceaccount) with that account's
# token: it registers its webhooks, reconciles a stack, and keeps working after its token file is
# rotated and the old token revoked.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

op_ns=compose-operator
sa=system:serviceaccount:$op_ns:compose-operator
work=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; fi
    # What would break the next suites goes (the webhooks point at pods kwok only pretends to run);
    # the CRD, namespace and RBAC stay, as scripts/operator.sh expects them.
    kubectl -n $op_ns delete deployment/compose-operator pdb/compose-operator service/compose-operator-webhook \
        --ignore-not-found >/dev/null 2>&1 || true
    kubectl delete mutatingwebhookconfiguration/compose-operator validatingwebhookconfiguration/compose-operator \
        --ignore-not-found >/dev/null 2>&1 || true
    kubectl -n $op_ns delete secret e2e-token-1 e2e-token-2 --ignore-not-found >/dev/null 2>&1 || true
    if [ -n "${NS:-}" ]; then kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# ---- 1. The rendered install.yaml is what kustomize makes of manifests/. ----
check "deploy/install.yaml is current (kubectl kustomize manifests/ > deploy/install.yaml)" \
    diff <(kubectl kustomize "$ROOT/manifests") "$ROOT/deploy/install.yaml"

# ---- 2. kubectl apply -k. ----
operator stop >/dev/null 2>&1 || true
# An operator run out of the cluster points the CRD's conversion at a URL; replace it so the
# Service form of crds/ applies (a CRD's clientConfig holds one of the two).
if kubectl get crd stacks.compose.docker.com >/dev/null 2>&1; then
    kubectl patch crd stacks.compose.docker.com --type merge \
        -p '{"spec":{"conversion":{"webhook":{"clientConfig":{"url":null,"service":{"namespace":"compose-operator","name":"compose-operator-webhook","path":"/convert","port":443}}}}}}' >/dev/null
fi
# Earlier suites' operators registered URL-form webhook configurations; they go the same way.
kubectl delete mutatingwebhookconfiguration/compose-operator validatingwebhookconfiguration/compose-operator \
    --ignore-not-found >/dev/null
check "kubectl apply -k manifests/ succeeds" bash -c "kubectl apply -k '$ROOT/manifests' > '$work/apply.log' 2>&1 || { cat '$work/apply.log'; false; }"
for o in namespace/$op_ns crd/stacks.compose.docker.com -n=$op_ns\ serviceaccount/compose-operator \
         clusterrole/compose-operator clusterrole/compose-operator-stack-editor clusterrolebinding/compose-operator \
         -n=$op_ns\ role/compose-operator -n=$op_ns\ rolebinding/compose-operator -n=$op_ns\ service/compose-operator-webhook \
         -n=$op_ns\ deployment/compose-operator -n=$op_ns\ pdb/compose-operator \
         mutatingwebhookconfiguration/compose-operator validatingwebhookconfiguration/compose-operator; do
    # shellcheck disable=SC2086
    check "installed: ${o#-n=$op_ns }" bash -c "kubectl get $o >/dev/null"
done
jp() { kubectl -n $op_ns get "$1" -o jsonpath="$2"; }
check "two replicas with leader election" \
    bash -c "[ \"\$(kubectl -n $op_ns get deploy compose-operator -o jsonpath='{.spec.replicas}')\" = 2 ] && kubectl -n $op_ns get deploy compose-operator -o jsonpath='{.spec.template.spec.containers[0].args}' | grep -q -- --leader-elect"
check "probes, requests and a memory limit set" bash -c "[ -n \"\$(kubectl -n $op_ns get deploy compose-operator -o jsonpath='{.spec.template.spec.containers[0].readinessProbe.httpGet.path}{.spec.template.spec.containers[0].livenessProbe.httpGet.path}{.spec.template.spec.containers[0].resources.requests.memory}{.spec.template.spec.containers[0].resources.limits.memory}')\" ]"
check "pod anti-affinity on the hostname" \
    bash -c "kubectl -n $op_ns get deploy compose-operator -o jsonpath='{.spec.template.spec.affinity.podAntiAffinity}' | grep -q kubernetes.io/hostname"
eventually 120 "the Deployment rolls out (2 pods under kwok)" \
    kubectl -n $op_ns rollout status deploy/compose-operator --timeout=5s
eventually 60 "the PodDisruptionBudget allows one disruption of two healthy pods" \
    bash -c "[ \"\$(kubectl -n $op_ns get pdb compose-operator -o jsonpath='{.status.currentHealthy}/{.status.disruptionsAllowed}')\" = 2/1 ]"
check "the pods run as the operator's ServiceAccount" \
    bash -c "kubectl -n $op_ns get pods -l app.kubernetes.io/name=compose-operator -o jsonpath='{.items[*].spec.serviceAccountName}' | grep -qx 'compose-operator compose-operator'"

# ---- 3. The ServiceAccount's rights: what it needs, and not more. ----
can() { kubectl auth can-i --as="$sa" "$@" >/dev/null 2>&1; }
cannot() { ! can "$@"; }
for r in "list stacks.compose.docker.com -A" "watch stacks.compose.docker.com -A" "patch stacks.compose.docker.com/status -n default" \
         "list deployments.apps -A" "watch services -A" "create events.events.k8s.io -n default" \
         "create leases.coordination.k8s.io -n $op_ns" "update leases.coordination.k8s.io -n $op_ns" \
         "create secrets -n $op_ns" "impersonate users" "impersonate groups" "impersonate serviceaccounts" \
         "patch customresourcedefinitions.apiextensions.k8s.io/stacks.compose.docker.com" \
         "patch mutatingwebhookconfigurations.admissionregistration.k8s.io/compose-operator" \
         "patch validatingwebhookconfigurations.admissionregistration.k8s.io/compose-operator"; do
    # shellcheck disable=SC2086
    check "the ServiceAccount may $r" can $r
done
for r in "create stacks.compose.docker.com -n default" "delete namespaces" "create pods -n default" \
         "create serviceaccounts/token -n kube-system" "escalate clusterroles.rbac.authorization.k8s.io" "patch customresourcedefinitions.apiextensions.k8s.io/other.example.com" \
         "patch mutatingwebhookconfigurations.admissionregistration.k8s.io/other" \
         "create clusterrolebindings.rbac.authorization.k8s.io" "update leases.coordination.k8s.io -n kube-system"; do
    # shellcheck disable=SC2086
    check "the ServiceAccount may not $r" cannot $r
done
# The edit role aggregates compose-operator-stack-editor: a user with edit may manage stacks.
# (not new_namespace: its EXIT trap would replace cleanup)
NS="e2e-install-$(date +%s)-$RANDOM"
kubectl create namespace "$NS" >/dev/null
kubectl -n "$NS" create rolebinding alice-edit --clusterrole=edit --user=alice >/dev/null
eventually 60 "alice with the edit role may create stacks and update stacks/finalizers" \
    bash -c "kubectl auth can-i --as=alice -n $NS create stacks.compose.docker.com && kubectl auth can-i --as=alice -n $NS update stacks.compose.docker.com/finalizers"

# ---- 4. The operator as that ServiceAccount, through the in-cluster configuration path. ----
api_port=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}' | sed 's/.*://')
mkdir -p "$work/sa" "$work/home" "$work/certs"
cp "$CLUSTER_DIR/pki/ca.crt" "$work/sa/ca.crt"
echo -n $op_ns > "$work/sa/namespace"
# Tokens bound to Secrets, so deleting the Secret revokes the token.
kubectl -n $op_ns delete secret e2e-token-1 e2e-token-2 --ignore-not-found >/dev/null
for i in 1 2; do kubectl -n $op_ns create secret generic e2e-token-$i >/dev/null; done
token() { kubectl -n $op_ns create token compose-operator --duration=30m --bound-object-kind=Secret --bound-object-name="$1"; }
token e2e-token-1 > "$work/sa/token"
old_token=$(cat "$work/sa/token")
authn() { curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "https://127.0.0.1:$api_port/api"; }
run_in_cluster() { # <log file>: the operator through its in-cluster path, as the ServiceAccount
    cd "$work"
    exec env -u KUBECONFIG HOME="$work/home" KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$api_port" \
        COMPOSE_OPERATOR_SERVICEACCOUNT_DIR="$work/sa" \
        "${OP_BIN:-$ROOT/build/src/compose-operator}" run --webhook-host 127.0.0.1 --webhook-address 127.0.0.1 \
        --webhook-port "$OP_WEBHOOK_PORT" --probe-address 127.0.0.1 --probe-port "$PROBE_PORT" \
        --cert-dir "$work/certs" > "$1" 2>&1
}
# The ServiceAccount may not create a missing webhook configuration (create cannot be limited to
# a name): the operator stops at start and says what the installer must create.
kubectl get validatingwebhookconfiguration compose-operator -o json > "$work/vwc.json"
kubectl delete validatingwebhookconfiguration compose-operator >/dev/null
( run_in_cluster "$work/missing.log" ) &
mpid=$!
for _ in $(seq 1 600); do kill -0 $mpid 2>/dev/null || break; sleep 0.1; done
rc=0
if kill -0 $mpid 2>/dev/null; then kill $mpid; wait $mpid || true; rc=still-running; else wait $mpid || rc=$?; fi
check "with the ValidatingWebhookConfiguration missing, the operator exits non-zero (rc $rc)" \
    bash -c "[ '$rc' != 0 ] && [ '$rc' != still-running ]"
missing=$(grep -o 'ValidatingWebhookConfiguration compose-operator does not exist[^"]*' "$work/missing.log" | head -1)
check "saying what the installer must create ($missing)" contains "$missing" "installer must create" "manifests/"
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); m=o["metadata"]; [m.pop(k, None) for k in ("resourceVersion","uid","creationTimestamp","managedFields","generation")]; json.dump(o, open(sys.argv[1], "w"))' "$work/vwc.json"
kubectl create -f "$work/vwc.json" >/dev/null
# The configurations are in the Service form kubectl apply -k wrote (another field manager); the
# operator, started with --webhook-host, switches them to its URL (a strategic merge patch: a
# server-side apply over that form was refused, 422).
run_in_cluster "$work/operator.log" &
pid=$!
eventually 90 "the operator, configured in-cluster with the ServiceAccount token, becomes ready" \
    curl -sf "http://127.0.0.1:$PROBE_PORT/readyz"
curl -sf "http://127.0.0.1:$PROBE_PORT/readyz" >/dev/null || { echo "operator log:"; tail -20 "$work/operator.log"; }
check "it registered its webhooks as the ServiceAccount (CA bundle in the CRD and both configurations)" \
    bash -c "[ -n \"\$(kubectl get crd stacks.compose.docker.com -o jsonpath='{.spec.conversion.webhook.clientConfig.caBundle}')\" ] && \
             [ -n \"\$(kubectl get mutatingwebhookconfiguration compose-operator -o jsonpath='{.webhooks[0].clientConfig.caBundle}')\" ] && \
             [ -n \"\$(kubectl get validatingwebhookconfiguration compose-operator -o jsonpath='{.webhooks[0].clientConfig.caBundle}')\" ]"
for kind in mutating validating; do
    cc=$(kubectl get ${kind}webhookconfiguration compose-operator -o jsonpath='{.webhooks[0].clientConfig.url}|{.webhooks[0].clientConfig.service}')
    check "the $kind configuration was switched from the Service form to the operator's URL ($cc)" \
        [ "$cc" = "https://127.0.0.1:$OP_WEBHOOK_PORT/$([ $kind = mutating ] && echo mutate || echo validate)|" ]
done
stack() { # name image
    cat <<YAML | as_user alice apply -f - >/dev/null
apiVersion: compose.docker.com/v1beta1
kind: Stack
metadata: {name: $1, namespace: $NS}
spec:
  composeFile: |
    services:
      web-$1: {image: "$2", ports: ["80"]}
YAML
}
ready() { [ "$(kubectl -n "$NS" get "stack/$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]; }
stack one nginx:1.27
eventually 120 "alice's stack (edit role) becomes Ready, written by the ServiceAccount as alice" ready one
check "the operator logged no authorization failure of its own" bash -c "! grep -q 'system:serviceaccount:$op_ns:compose-operator.*forbidden\|Unauthorized' '$work/operator.log'"

check "the first token authenticates before it is revoked" [ "$(authn "$old_token")" = 200 ]
authn_old() { authn "$old_token"; }
export -f authn authn_old; export old_token api_port
# Token rotation with the old token revoked at once (before the operator's periodic re-read, one
# minute): its next request is refused (401), it re-reads the token file and retries.
token e2e-token-2 > "$work/sa/token.new" && mv "$work/sa/token.new" "$work/sa/token"
kubectl -n $op_ns delete secret e2e-token-1 >/dev/null
eventually 60 "the revoked token is refused by the API server" bash -c "[ \"\$(authn_old)\" = 401 ]"
stack two nginx:1.27
eventually 120 "after the token file is rotated and the old token revoked, a new stack still becomes Ready" ready two
check "the operator re-read its token on the 401 and retried" grep -q "re-read the token and retrying" "$work/operator.log"
check "the operator is still ready" curl -sf "http://127.0.0.1:$PROBE_PORT/readyz"
kill "$pid"; wait "$pid" 2>/dev/null || true
pid=""
echo "operator log: $(wc -l < "$work/operator.log") lines; last lines:"; tail -5 "$work/operator.log"
finish
