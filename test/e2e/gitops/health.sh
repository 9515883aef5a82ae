#!/usr/bin/env bash
# Argo CD's and Flux's view of a Stack's health, computed by their own code on live stacks:
# deploy/argocd/.../Stack/health.lua run by gopher-lua (Argo CD's interpreter) and kstatus
# (sigs.k8s.io/cli-utils, what Flux's kustomize-controller waits with), both from
# test/tools/gitops-check (built once from Go modules, then cached). They must agree with the
# stack's own conditions in every phase: Ready, Reconciling and Stalled, and Stalled -> Ready.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

tool=$(bash "$ROOT/scripts/build-test-tool.sh" gitops-check | tail -1) || { echo "FAIL - building gitops-check"; exit 1; }
check_dir=$ROOT/deploy/argocd/resource_customizations/compose.docker.com/Stack

# ---- 1. The shipped health_test.yaml (Argo CD's layout), and that a wrong expectation fails. ----
check "health_test.yaml passes (Healthy, Progressing, Degraded, no status, unobserved generation)" \
    "$tool" argocd-test "$check_dir"
broken=$(mktemp -d)
trap 'rm -rf "$broken"' EXIT
cp -r "$check_dir"/. "$broken"/
sed -i '0,/status: Healthy/s//status: Degraded/' "$broken/health_test.yaml"
check "a wrong expectation in health_test.yaml fails the harness" \
    bash -c "! '$tool' argocd-test '$broken' >/dev/null"

# ---- 2. Live stacks in each phase. ----
operator start >/dev/null
new_namespace gitops
grant alice "$NS" stacks.compose.docker.com get,list,watch,create,update,patch,delete
grant alice "$NS" deployments.apps,statefulsets.apps,daemonsets.apps,services,configmaps,secrets get,list,watch,create,update,patch,delete
grant alice "$NS" stacks.compose.docker.com/finalizers update
grant bob "$NS" stacks.compose.docker.com get,list,watch,create,update,patch,delete
cat <<YAML | as_user alice apply -f - >/dev/null
apiVersion: compose.docker.com/v1beta2
kind: Stack
metadata: {name: web, namespace: $NS}
spec:
  services:
  - {name: web, image: nginx:1.27, deploy: {replicas: 2}, ports: [{target: 80, published: 8080}]}
---
# Its claim names a StorageClass that does not exist: never bound, so the stack stays Reconciling.
apiVersion: compose.docker.com/v1beta2
kind: Stack
metadata: {name: db, namespace: $NS}
spec:
  services:
  - name: db
    image: postgres:16
    volumes: [{type: volume, source: data, target: /var/lib/postgresql/data}]
  volumes:
    data: {storageClassName: no-such-class}
YAML
# bob may create stacks but not what they create: Stalled.
cat <<YAML | as_user bob apply -f - >/dev/null
apiVersion: compose.docker.com/v1beta1
kind: Stack
metadata: {name: blog, namespace: $NS}
spec:
  composeFile: |
    services:
      blog: {image: "wordpress:6", ports: ["8080:80"]}
YAML

cond() { kubectl -n "$NS" get "stack/$1" -o jsonpath="{.status.conditions[?(@.type==\"$2\")].$3}"; }
cond_true() { [ "$(cond "$1" "$2" status)" = True ] && [ "$(kubectl -n "$NS" get "stack/$1" -o jsonpath='{.status.observedGeneration}')" = "$(kubectl -n "$NS" get "stack/$1" -o jsonpath='{.metadata.generation}')" ]; }
eventually 120 "web is Ready" cond_true web Ready
eventually 120 "db is Reconciling" cond_true db Reconciling
eventually 120 "blog is Stalled" cond_true blog Stalled

# judge <stack> <condition> <argo status> <kstatus>: both tools on the live object; the message
# each reports is the condition's own message.
judge() {
    local obj argo ks want_msg
    obj=$(kubectl -n "$NS" get "stack/$1" -o json)
    want_msg=$(cond "$1" "$2" message)
    argo=$(printf '%s' "$obj" | "$tool" argocd "$check_dir/health.lua" -)
    ks=$(printf '%s' "$obj" | "$tool" kstatus -)
    check "$1 ($2): Argo CD health is $3 with the condition's message (got: ${argo%%$'\t'*})" \
        [ "$argo" = "$3"$'\t'"$want_msg" ]
    if [ "$4" = Current ]; then  # kstatus prints its own message for Current
        check "$1 ($2): kstatus is Current (got: $ks)" [ "${ks%%$'\t'*}" = Current ]
    else
        check "$1 ($2): kstatus is $4 with the condition's message (got: ${ks%%$'\t'*})" \
            [ "$ks" = "$4"$'\t'"$want_msg" ]
    fi
}
judge web Ready Healthy Current
judge db Reconciling Progressing InProgress
judge blog Stalled Degraded Failed

# ---- 3. Stalled -> Ready once bob gets the rights: both views follow. ----
grant bob "$NS" deployments.apps,statefulsets.apps,daemonsets.apps,services,configmaps,secrets get,list,watch,create,update,patch,delete
grant bob "$NS" stacks.compose.docker.com/finalizers update
# The operator retries a Forbidden stack on a slow timer; bob's spec change makes it look again now
# (as bob, so the author stays bob).
as_user bob -n "$NS" patch stacks.v1beta1.compose.docker.com blog --type merge -p '{"spec":{"composeFile":"services:\n  blog: {image: \"wordpress:6.6\", ports: [\"8080:80\"]}\n"}}' >/dev/null
eventually 120 "blog becomes Ready once bob may create its children" cond_true blog Ready
judge blog Ready Healthy Current
check "blog's author is still bob" contains "$(annotation "$NS" blog compose.docker.com/owner)" '"username":"bob"'

operator stop >/dev/null
finish
