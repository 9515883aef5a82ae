#!/usr/bin/env bash
# Issue 12: the Stack resync re-evaluates stacks, so one Stalled on a NameConflict recovers once
# the other object is gone (no event reports that deletion: the children informers only watch
# objects labelled as ours). The conflict is made while another identity holds the Lease: the
# webhook (which serves on every replica) admits the stack before the conflicting Deployment
# exists, and nothing reconciles until the Lease is released. About 30 s.
source "$(dirname "$0")/../lib/common.sh"
new_namespace resync
cleanup() {
    release_lease
    operator restart >/dev/null 2>&1 || true   # back to the default flags for the next suite
    kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT
operator stop >/dev/null
hold_lease e2e-someone-else
operator start --leader-elect --resync-period 4 >/dev/null

cat > /tmp/e2e-resync.$$ <<YAML
apiVersion: compose.docker.com/v1beta2
kind: Stack
metadata: {name: app}
spec:
  services:
  - {name: web, image: nginx}
YAML
check "the stack is admitted while no Deployment web exists" kubectl -n "$NS" apply -f /tmp/e2e-resync.$$
rm -f /tmp/e2e-resync.$$
kubectl -n "$NS" create deployment web --image=busybox >/dev/null
check "nothing reconciles while another identity holds the Lease" \
    bash -c "[ -z \"\$(kubectl -n $NS get stack app -o jsonpath='{.status.conditions}')\" ]"
release_lease

reason() { kubectl -n "$NS" get stack app -o jsonpath='{.status.conditions[?(@.type=="Stalled")].reason}'; }
stalled_on_conflict() { [ "$(reason)" = NameConflict ]; }
eventually 90 "after taking the Lease the stack is Stalled on a NameConflict" stalled_on_conflict
msg=$(kubectl -n "$NS" get stack app -o jsonpath='{.status.conditions[?(@.type=="Stalled")].message}')
check "the message names the Deployment ($msg)" contains "$msg" "Deployment" "web"
check "compose_operator_reconcile_errors_total counts it by reason" \
    [ "$(metric "$PROBE_PORT" 'compose_operator_reconcile_errors_total{reason="NameConflict"}')" != 0 ]
check "the foreign Deployment was left alone" \
    [ "$(kubectl -n "$NS" get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}')" = busybox ]

kubectl -n "$NS" delete deployment web --wait=true >/dev/null
ours() { [ "$(kubectl -n "$NS" get deploy web -o jsonpath='{.metadata.labels.com\.docker\.stack\.namespace}')" = app ]; }
eventually 60 "a resync re-evaluates the Stalled stack: it creates its own Deployment web" ours
eventually 60 "and the stack becomes Ready" kubectl -n "$NS" wait --for=condition=Ready stack/app --timeout=2s
check "Stalled is no longer True" bash -c "[ \"\$(kubectl -n $NS get stack app -o jsonpath='{.status.conditions[?(@.type==\"Stalled\")].status}')\" != True ]"

# The webhook's collision check reads its label-filtered caches (every replica runs them).
cat > /tmp/e2e-resync2.$$ <<YAML
apiVersion: compose.docker.com/v1beta2
kind: Stack
metadata: {name: other}
spec:
  services:
  - {name: web, image: nginx}
YAML
denied() { ! out=$(kubectl -n "$NS" apply -f /tmp/e2e-resync2.$$ 2>&1) && contains "$out" 'Deployment "web" already exists in stack "app"'; }
eventually 30 "a second stack naming the same Deployment is denied from the caches" denied
rm -f /tmp/e2e-resync2.$$
finish
