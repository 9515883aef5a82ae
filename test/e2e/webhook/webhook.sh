#!/usr/bin/env bash
# Issue 4 end to end: conversion, owner identity, validation and failure policy through the real
# kube-apiserver calling the operator's webhooks.
source "$(dirname "$0")/../lib/common.sh"
new_namespace webhook
operator start >/dev/null
EX=$ROOT/examples/words-v1beta1.yaml
grant alice "$NS" stacks.compose.docker.com get,list,watch,create,update,patch,delete
grant bob "$NS" stacks.compose.docker.com get,list,watch,create,update,patch,delete

# alice applies a v1beta1 stack; it reads back structured (v1beta2) and byte-identical (v1beta1).
check "alice creates a v1beta1 stack" as_user alice -n "$NS" apply -f "$EX"
services=$(kubectl -n "$NS" get stacks.v1beta2.compose.docker.com words -o jsonpath='{.spec.services[*].name}')
check "read as v1beta2 it has its three services ($services)" [ "$(echo "$services" | wc -w)" -eq 3 ]
kubectl create --dry-run=client -o jsonpath='{.spec.composeFile}' -f "$EX" > /tmp/e2e-orig.$$
kubectl -n "$NS" get stacks.v1beta1.compose.docker.com words -o jsonpath='{.spec.composeFile}' > /tmp/e2e-back.$$
check "read as v1beta1 the Compose text is byte-identical" cmp -s /tmp/e2e-orig.$$ /tmp/e2e-back.$$
owner=$(annotation "$NS" words compose.docker.com/owner)
check "the owner annotation names alice and her groups ($owner)" \
    contains "$owner" '"username":"alice"' developers
check "the owner annotation is signed" [ -n "$(annotation "$NS" words compose.docker.com/owner-signature)" ]

# bob changes only a label: the owner stays alice; bob changes the spec: the owner becomes bob.
as_user bob -n "$NS" label stack/words team=blue >/dev/null
check "a label-only change by bob keeps alice as owner" \
    contains "$(annotation "$NS" words compose.docker.com/owner)" '"username":"alice"'
as_user bob -n "$NS" patch stacks.v1beta2.compose.docker.com words --type=json \
    -p '[{"op":"replace","path":"/spec/services/0/image","value":"postgres:16"}]' >/dev/null
check "a spec change by bob makes bob the owner" \
    contains "$(annotation "$NS" words compose.docker.com/owner)" '"username":"bob"'

# A forged owner annotation does not survive.
cat > /tmp/e2e-forged.$$ <<YAML
apiVersion: compose.docker.com/v1beta2
kind: Stack
metadata:
  name: forged
  annotations:
    compose.docker.com/owner: '{"username":"admin","uid":"uid-admin","groups":["system:masters"],"extra":{}}'
    compose.docker.com/owner-signature: 'AAAA'
spec:
  services:
  - {name: web, image: nginx}
YAML
as_user alice -n "$NS" apply -f /tmp/e2e-forged.$$ >/dev/null
owner=$(annotation "$NS" forged compose.docker.com/owner)
check "a planted owner annotation is replaced by the real requester ($owner)" \
    contains "$owner" '"username":"alice"'
check "the planted identity is gone" lacks "$owner" system:masters

# Invalid stacks are rejected with the field path; ignored keys give warnings.
out=$(kubectl -n "$NS" apply -f - 2>&1 <<YAML || true
apiVersion: compose.docker.com/v1beta2
kind: Stack
metadata: {name: bad-name}
spec:
  services:
  - {name: front_invalid, image: nginx}
YAML
)
check "an invalid service name is rejected naming spec.services[0].name ($out)" \
    contains "$out" denied 'spec.services[0].name'
out=$(kubectl -n "$NS" apply -f - 2>&1 <<'YAML' || true
apiVersion: compose.docker.com/v1beta1
kind: Stack
metadata: {name: bad-mount}
spec:
  composeFile: |
    services:
      web:
        image: nginx
        volumes:
          - ./html:/usr/share/nginx/html
YAML
)
check "a relative bind mount in a Compose file is rejected naming its key ($out)" \
    contains "$out" denied 'services.web.volumes[0]'
check "nothing invalid was stored" bash -c "! kubectl -n $NS get stack bad-name bad-mount 2>/dev/null | grep -q bad"
out=$(kubectl -n "$NS" apply -f - 2>&1 <<'YAML'
apiVersion: compose.docker.com/v1beta1
kind: Stack
metadata: {name: warned}
spec:
  composeFile: |
    services:
      web:
        image: nginx:${TAG}
        logging:
          driver: syslog
YAML
)
check "ignored keys and unset variables are printed as warnings ($out)" \
    contains "$out" Warning: TAG logging

# With the webhook down, writes fail (failurePolicy Fail) and nothing is stored.
operator stop >/dev/null
out=$(kubectl -n "$NS" apply -f "$ROOT/examples/shop-v1beta2.yaml" 2>&1 || true)
check "with the webhook stopped a write fails ($out)" contains "$out" "failed calling webhook"
check "and nothing is stored" bash -c "! kubectl -n $NS get stack shop >/dev/null 2>&1"
operator start >/dev/null
check "with the webhook back the same write succeeds" kubectl -n "$NS" apply -f "$ROOT/examples/shop-v1beta2.yaml"
rm -f /tmp/e2e-*.$$
finish
