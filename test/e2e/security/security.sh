#!/usr/bin/env bash
# Issue 11 end to end: a stack never acts with more rights than the person who last changed its
# effective spec, and nothing an author writes can block its deletion.
#  1. bob (get+update on stacks only) re-PUTs alice's v1beta1 stack with composeFile unchanged and
#     planted conversion annotations carrying another structured spec;
#  2. bob plants a Compose text on a v1beta2 metadata-only update, then alice labels the stack
#     through v1beta1 (which, before the fix, turned the planted text into her spec);
#  3. a stack stored while the webhooks were away, whose spec does not validate, is deleted: the
#     finalizer removal on the way is allowed.
# In 1 and 2 the stack ends re-signed as bob (Stalled: he lacks rights) or unchanged as alice's;
# alice's Deployment never runs bob's image.
source "$(dirname "$0")/../lib/common.sh"
new_namespace security
operator start >/dev/null
kubectl -n "$NS" create rolebinding alice-edit --clusterrole=edit --user=alice >/dev/null
grant alice "$NS" stacks.compose.docker.com get,list,watch,create,update,patch,delete
grant alice "$NS" stacks.compose.docker.com/finalizers update
grant bob "$NS" stacks.compose.docker.com get,update
EVIL=docker.io/evil/miner:latest
# plant <object.json> <key> <value> [<hash key> <file whose JSON path gives the hashed text> <path>]:
# sets annotations on a stack's JSON, the hash being conversion's unkeyed fnv1a64 of that text.
plant() {
    python3 - "$@" <<'PY'
import json, sys
path, key, value = sys.argv[1:4]
o = json.load(open(path))
ann = o["metadata"].setdefault("annotations", {})
ann[key] = value
if len(sys.argv) > 4:
    hash_key, src, where = sys.argv[4:7]
    text = json.load(open(src))
    for part in where.split("|"):
        text = text[part]
    h = 14695981039346656037
    for b in text.encode():
        h = ((h ^ b) * 1099511628211) % (1 << 64)
    ann[hash_key] = "fnv1a64:%016x" % h
json.dump(o, open(path, "w"))
PY
}
owner_of() { annotation "$NS" "$1" compose.docker.com/owner; }
image_of() { kubectl -n "$NS" get deploy "$1" -o jsonpath='{.spec.template.spec.containers[0].image}'; }
ready() { [ "$(kubectl -n "$NS" get stack "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]; }
stalled() { [ "$(kubectl -n "$NS" get stack "$1" -o jsonpath='{.status.conditions[?(@.type=="Stalled")].status}')" = True ]; }
# settled <stack>: the operator has observed the stack's current generation.
settled() {
    local g o
    g=$(kubectl -n "$NS" get stack "$1" -o jsonpath='{.metadata.generation}')
    o=$(kubectl -n "$NS" get stack "$1" -o jsonpath='{.status.observedGeneration}')
    [ "$g" = "$o" ]
}
# safe <stack>: owned by alice with her spec, or re-signed as bob and stalled; never bob's image
# running as alice.
safe() {
    local o; o=$(owner_of "$1")
    if contains "$o" '"username":"bob"'; then stalled "$1"; return; fi
    contains "$o" '"username":"alice"' && [ "$(image_of web-"$1" 2>/dev/null || image_of web)" != "$EVIL" ]
}
T=/tmp/e2e-sec.$$
t_start=$SECONDS

# ---- 1: v1beta1 re-PUT with a planted structured spec ------------------------------------------
cat > $T.shop.yaml <<'YAML'
apiVersion: compose.docker.com/v1beta1
kind: Stack
metadata: {name: shop}
spec:
  composeFile: |
    services:
      web:
        image: nginx:1.27
YAML
check "alice creates a v1beta1 stack" as_user alice -n "$NS" apply -f $T.shop.yaml
eventually 120 "alice's stack is Ready" ready shop
check "its Deployment runs alice's image" [ "$(image_of web)" = nginx:1.27 ]
as_user bob -n "$NS" get stacks.v1beta1.compose.docker.com shop -o json > $T.shop.json
plant $T.shop.json compose.docker.com/structured-spec \
    "{\"services\":[{\"name\":\"web\",\"image\":\"$EVIL\",\"privileged\":true}]}" \
    compose.docker.com/structured-spec-compose-hash $T.shop.json "spec|composeFile"
out=$(as_user bob -n "$NS" replace -f $T.shop.json 2>&1 || true)
echo "    bob's replace: $out"
stored=$(kubectl -n "$NS" get stacks.v1beta2.compose.docker.com shop -o jsonpath='{.spec.services[0].image}')
owner=$(owner_of shop)
check "the stored spec is not bob's while alice owns it (image $stored, owner $owner)" \
    bash -c "[ '$stored' != '$EVIL' ] || [[ '$owner' == *'\"username\":\"bob\"'* ]]"
check "no planted structured spec is stored" \
    bash -c "[ -z \"\$(kubectl -n $NS get stacks.v1beta2.compose.docker.com shop -o jsonpath='{.metadata.annotations.compose\.docker\.com/structured-spec}')\" ]"
eventually 60 "the operator has seen the stack's generation" settled shop
sleep 2  # a reconcile that would apply bob's image would have done so by now
check "alice's Deployment still runs her image, or the stack is bob's and Stalled" safe shop

# ---- 2: planted Compose text on a v1beta2 metadata-only update ----------------------------------
cat > $T.blog.yaml <<'YAML'
apiVersion: compose.docker.com/v1beta2
kind: Stack
metadata: {name: blog}
spec:
  services:
  - {name: web-blog, image: nginx:1.27}
YAML
check "alice creates a v1beta2 stack" as_user alice -n "$NS" apply -f $T.blog.yaml
eventually 120 "alice's v1beta2 stack is Ready" ready blog
# The spec's canonical JSON is what v1beta1 reads carry; its hash makes the planted text "valid".
kubectl -n "$NS" get stacks.v1beta1.compose.docker.com blog -o json > $T.blog1.json
as_user bob -n "$NS" get stacks.v1beta2.compose.docker.com blog -o json > $T.blog.json
plant $T.blog.json compose.docker.com/compose-file \
    "$(printf 'services:\n  web-blog:\n    image: %s\n    privileged: true\n' "$EVIL")" \
    compose.docker.com/compose-file-spec-hash $T.blog1.json "metadata|annotations|compose.docker.com/structured-spec"
out=$(as_user bob -n "$NS" replace -f $T.blog.json 2>&1 || true)
echo "    bob's replace: $out"
text=$(kubectl -n "$NS" get stacks.v1beta1.compose.docker.com blog -o jsonpath='{.spec.composeFile}')
owner=$(owner_of blog)
check "read as v1beta1 the stack does not show bob's Compose text while alice owns it" \
    bash -c "[[ '$text' != *evil* ]] || [[ '$owner' == *'\"username\":\"bob\"'* ]]"
# alice changes only a label, through v1beta1: her stack must stay hers, with her spec.
as_user alice -n "$NS" label stacks.v1beta1.compose.docker.com blog reviewed=yes >/dev/null
stored=$(kubectl -n "$NS" get stacks.v1beta2.compose.docker.com blog -o jsonpath='{.spec.services[0].image}')
check "after alice's v1beta1 label the stored image is hers ($stored)" [ "$stored" = nginx:1.27 ]
eventually 60 "the operator has seen the stack's generation" settled blog
sleep 2
check "alice's Deployment still runs her image, or the stack is bob's and Stalled" safe blog

# ---- header injection: an identity with CR/LF ---------------------------------------------------
# The API server percent-decodes Impersonate-Extra-* key names, so an impersonated extra KEY can
# hold CR/LF (names and values cannot: HTTP clients refuse them). The webhook refuses to record it.
kubectl config view --raw --minify | python3 -c '
import sys, yaml
c = yaml.safe_load(sys.stdin)
u = c["users"][0]["user"]
u["as"] = "alice"
u["as-user-extra"] = {"team\r\nImpersonate-Group: system:masters": ["x"]}
yaml.safe_dump(c, sys.stdout)' > $T.crlf.kubeconfig
out=$(kubectl --kubeconfig $T.crlf.kubeconfig -n "$NS" apply -f - 2>&1 <<'YAML' || true
apiVersion: compose.docker.com/v1beta2
kind: Stack
metadata: {name: crlf}
spec:
  services:
  - {name: web, image: nginx}
YAML
)
check "a requester whose extra key holds CR/LF is refused, naming the field ($out)" \
    contains "$out" denied "userInfo.extra" "control character"
check "and nothing is stored" bash -c "! kubectl -n $NS get stack crlf >/dev/null 2>&1"

# ---- 3: deletion of a stack whose spec no longer validates --------------------------------------
# Stored while the webhooks were away (the operator stopped, its configurations removed), with a
# service name the validating webhook refuses and a finalizer of someone else.
operator stop >/dev/null
kubectl get mutatingwebhookconfiguration compose-operator -o json > $T.mwc.json
kubectl get validatingwebhookconfiguration compose-operator -o json > $T.vwc.json
kubectl delete mutatingwebhookconfiguration,validatingwebhookconfiguration compose-operator >/dev/null
kubectl -n "$NS" apply -f - >/dev/null <<'YAML'
apiVersion: compose.docker.com/v1beta2
kind: Stack
metadata:
  name: legacy
  finalizers: [e2e.example.com/hold]
spec:
  services:
  - {name: Bad_Name, image: nginx}
YAML
operator start >/dev/null
eventually 60 "the webhooks are registered again" kubectl get validatingwebhookconfiguration compose-operator
out=$(kubectl -n "$NS" label stack legacy touched=yes 2>&1 || true)
check "a metadata-only update of the invalid stack is allowed ($out)" contains "$out" labeled
out=$(kubectl -n "$NS" patch stack legacy --type=merge -p '{"spec":{"services":[{"name":"Also_Bad","image":"nginx"}]}}' 2>&1 || true)
check "a spec change to another invalid spec is still denied ($out)" contains "$out" denied
kubectl -n "$NS" delete stack legacy --wait=false >/dev/null
out=$(kubectl -n "$NS" patch stack legacy --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]' 2>&1 || true)
check "removing the finalizer of the deleting stack is allowed ($out)" contains "$out" patched
eventually 60 "the stack is gone" bash -c "! kubectl -n $NS get stack legacy >/dev/null 2>&1"

rm -f $T.*
echo "    security suite: $((SECONDS - t_start))s"
finish
