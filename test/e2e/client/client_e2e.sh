#!/usr/bin/env bash
# Issue 10, the client: `compose-operator stack deploy|ls|services|ps|rm` against the local
# cluster with the operator running. A multi-service application found the way docker compose
# finds it (compose.yaml + compose.override.yaml + .env in the current folder) reaches Ready
# with --wait; ls/services/ps show it; --dry-run writes nothing; a user without rights, a stack
# the operator cannot create (Stalled) and a --timeout expiry exit 1 with a clear message;
# rm --wait removes everything but the volume claims.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=${OP_BIN:-$ROOT/build/src/compose-operator}
new_namespace client
operator start >/dev/null
T0=$SECONDS
# stack <args...>: the client as the admin user, in the test namespace; sets OUT, ERR and RC.
stack() {
    local o e
    o=$(mktemp) e=$(mktemp)
    RC=0
    "$BIN" stack "$@" >"$o" 2>"$e" || RC=$?
    OUT=$(cat "$o") ERR=$(cat "$e")
    rm -f "$o" "$e"
    return 0
}
show() { echo "   rc=$RC"; sed 's/^/   | /' <<<"$OUT"; sed 's/^/   ! /' <<<"$ERR"; }
has() { contains "$@" || { echo "   missing in: $1"; return 1; }; }
generation() { kubectl -n "$NS" get stack "$1" -o jsonpath='{.metadata.generation}'; }

# ---- deploy --wait from the project folder (no -c: compose.yaml + override + .env) ----
cd "$HERE/app"
stack deploy -n "$NS" --wait --timeout 150s
show
check "deploy --wait exits 0" [ "$RC" = 0 ]
check "deploy names the stack after the folder and reports Ready" has "$OUT" "stack.compose.docker.com/app created" "Stack app is Ready"
check "deploy wrote the packed secret first" has "$OUT" "secret/app.db-password created"
check "... as a Secret labelled with the stack" \
    bash -c "[ \"\$(kubectl -n '$NS' get secret app.db-password -o jsonpath='{.metadata.labels.com\.docker\.stack\.namespace}')\" = app ]"
check "the bind-mounted file is packed into the Stack (no local file needed by the cluster)" \
    bash -c "kubectl -n '$NS' get stack app -o json | grep -q 'location / { return 200'"
check "progress is plain lines when stdout is not a terminal" has "$OUT" "] stack: " "] web: 3/3 ready"
check "the stack is Ready in the cluster" kubectl -n "$NS" wait --for=condition=Ready stack/app --timeout=5s

stack deploy -n "$NS"
check "deploying the same files again changes nothing" has "$OUT" "secret/app.db-password unchanged" "stack.compose.docker.com/app unchanged"

# ---- ls / services / ps ----
stack ls -n "$NS"
show
check "ls shows the stack with 4/4 services ready" bash -c "grep -Eq '^app +4 +4/4 +Available' <<<'$OUT'"
check "ls has docker-style columns" has "$OUT" "NAME" "SERVICES" "READY" "PHASE" "AGE"
stack ls -A
check "ls -A adds the namespace" has "$OUT" "NAMESPACE" "$NS"
stack services app -n "$NS"
show
check "services: web has 3/3 replicas (the override), image from .env" bash -c "grep -Eq ' web +replicated +3/3 +nginx:1.27 +\*:8080->80/tcp' <<<'$OUT'"
check "services: api with its default registry and a target-only port" bash -c "grep -Eq ' api +replicated +1/1 +docker.io/library/node:22-alpine +3000/tcp' <<<'$OUT'"
check "services: db and worker" has "$OUT" " db " " worker "
stack services app -n "$NS" -o json
check "services -o json is JSON with four services" \
    bash -c "python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d)==4 and all(s[\"ready\"]==s[\"desired\"] for s in d)' <<<'$OUT'"
stack ps app -n "$NS"
show
check "ps lists the six pods, Running on the kwok node" \
    bash -c "[ \$(grep -c 'kwok-node-0 *Running *Running' <<<'$OUT') = 6 ]"
stack ps app -n "$NS" -o yaml
check "ps -o yaml" has "$OUT" "- id: " "node: kwok-node-0" "restarts: 0"
REGISTRY=registry.example/lib stack services app -n "$NS"
check "services of a missing stack exits 1" bash -c "'$BIN' stack services nope -n '$NS' 2>&1 >/dev/null | grep -q 'stack nope not found'; [ \${PIPESTATUS[0]} = 1 ]"

# ---- --dry-run writes nothing ----
gen=$(generation app)
REGISTRY=registry.example/lib stack deploy -n "$NS" --dry-run
show
check "dry run of a change exits 0 and says what would change" has "$OUT" "stack.compose.docker.com/app configured (server dry run)" "~ service api: image"
check "dry run did not change the stack (generation $gen)" [ "$(generation app)" = "$gen" ]
check "dry run did not change the Deployment" [ "$(kubectl -n "$NS" get deploy api -o jsonpath='{.spec.template.spec.containers[0].image}')" = docker.io/library/node:22-alpine ]
stack deploy -n "$NS" --dry-run --profile debug
check "dry run with --profile debug would add the profile's service" has "$OUT" "+ service adminer"
COMPOSE_PROFILES=debug stack deploy -n "$NS" --dry-run
check "... and so would COMPOSE_PROFILES=debug" has "$OUT" "+ service adminer"
COMPOSE_PROJECT_NAME=from_env stack deploy -c ../one.yaml -n "$NS" --dry-run
check "COMPOSE_PROJECT_NAME names the stack when NAME is not given" has "$OUT" "stack.compose.docker.com/from-env created (server dry run)"
stack deploy -c ../one.yaml -n "$NS" --dry-run drynew
check "dry run of a new stack says created" has "$OUT" "stack.compose.docker.com/drynew created (server dry run)"
check "dry run created nothing" bash -c "! kubectl -n '$NS' get stack drynew >/dev/null 2>&1"

# ---- rights ----
cd "$HERE"
stack deploy -c one.yaml -n "$NS" --kubeconfig "$CLUSTER_DIR/bob.kubeconfig" --wait bobs
show
check "a user without rights exits 1" [ "$RC" = 1 ]
check "... and is told which right is missing and who lacks it" has "$ERR" 'user "bob" lacks the right to' "stacks.compose.docker.com in namespace \"$NS\"" "rolebinding"
grant alice "$NS" stacks.compose.docker.com "get,list,watch,create,update,patch,delete"
stack deploy -c one.yaml -n "$NS" --kubeconfig "$CLUSTER_DIR/alice.kubeconfig" --wait --timeout 60s alices
show
check "a stack whose author may not create its workloads fails the deploy (exit 1)" [ "$RC" = 1 ]
check "... with the stack's message" has "$ERR" "stack alices failed (Forbidden)" 'User "alice" cannot patch resource "deployments"' 

# ---- --timeout expiry ----
stack deploy -c stuck.yaml -n "$NS" --timeout 6s stuck
show
check "--timeout expiry exits 1" [ "$RC" = 1 ]
check "... saying what is not ready" has "$ERR" "stack stuck is not Ready after 6s" "service pinned is not ready" "(service pinned): Pending" "Unschedulable"

# ---- two stacks, one config key, one namespace (issue 10) ----
# The ConfigMaps the operator makes (a packed file config, a packed bind mount, an inline
# `content:` config) are named <stack>.<key>: stacks sharing a key do not share the object.
cd "$HERE/pair"
stack deploy -c first.yaml -n "$NS" --wait --timeout 90s first
show
check "a stack with config nginx_conf is Ready" [ "$RC" = 0 ]
stack deploy -c second.yaml -n "$NS" --wait --timeout 90s second
show
check "a second stack with the same config key in the same namespace is Ready too" [ "$RC" = 0 ]
kubectl apply -n "$NS" -f - >/dev/null <<'YAML'
apiVersion: compose.docker.com/v1beta1
kind: Stack
metadata: {name: third}
spec:
  composeFile: |
    services:
      third:
        image: nginx:1.27
        configs: [{source: nginx_conf, target: /etc/nginx/nginx.conf}]
    configs:
      nginx_conf:
        content: "events {}  # third"
YAML
check "a raw v1beta1 stack with the same key inline (no client) is Ready" \
    kubectl -n "$NS" wait --for=condition=Ready stack/third --timeout=60s
for s in first second third; do
    DATA=$(kubectl -n "$NS" get configmap "$s.nginx-conf" -o jsonpath='{.data}' 2>&1 || true)
    check "ConfigMap $s.nginx-conf holds $s's content" contains "$DATA" "# $s"
    OWNER=$(kubectl -n "$NS" get configmap "$s.nginx-conf" -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}' 2>&1 || true)
    check "... owned by stack $s" [ "$OWNER" = "Stack/$s" ]
done
VOLS=$(kubectl -n "$NS" get deploy first -o jsonpath='{.spec.template.spec.volumes[*].configMap.name}')
check "first's pod mounts first.nginx-conf and its packed file first.bind-first-0" contains "$VOLS" "first.nginx-conf" "first.bind-first-0"
check "no unscoped ConfigMap nginx-conf was made" bash -c "! kubectl -n '$NS' get configmap nginx-conf >/dev/null 2>&1"
stack rm first second third -n "$NS" --wait --timeout 90s
show
check "rm --wait of the three stacks exits 0" [ "$RC" = 0 ]
CMS=$(kubectl -n "$NS" get configmap -o name)
check "their ConfigMaps went with them" bash -c "! grep -Eq 'configmap/(first|second|third)\.' <<<'$CMS'"
cd "$HERE"

# ---- rm --wait ----
stack rm app stuck alices -n "$NS" --wait --timeout 120s
show
check "rm --wait exits 0" [ "$RC" = 0 ]
check "rm --wait: the stacks are gone" bash -c "[ -z \"\$(kubectl -n '$NS' get stacks -o name)\" ]"
check "rm --wait: no pod or workload of app is left" \
    bash -c "[ -z \"\$(kubectl -n '$NS' get deploy,sts,ds,pods -l com.docker.stack.namespace=app -o name)\" ]"
check "rm --wait: the volume claim is kept" bash -c "kubectl -n '$NS' get pvc -o name | grep -q db-data"
check "rm --wait: the packed Secret is gone" bash -c "! kubectl -n '$NS' get secret app.db-password >/dev/null 2>&1"
stack rm app -n "$NS"
check "rm of a missing stack exits 1" bash -c "[ $RC = 1 ] && grep -q 'not found' <<<'$ERR'"

echo "client e2e took $((SECONDS - T0))s"
finish
