#!/usr/bin/env bash
# Script test for `compose-operator convert`: exit codes, stderr messages, .env handling and that
# -o yaml output is YAML that means the same as -o json.
set -euo pipefail
: "${OP_BIN:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/my_app"
cat > "$tmp/my_app/compose.yaml" <<'YAML'
services:
  web:
    image: nginx:${TAG:-latest}
    ports: ["8080:80"]
    environment:
      GREETING: ${GREETING}
YAML
echo 'TAG=1.25' > "$tmp/my_app/.env"

out=$(GREETING=hi "$OP_BIN" convert -f "$tmp/my_app/compose.yaml" -o json)
grep -q '"name": "my-app"' <<<"$out" || { echo "default name not derived: $out"; exit 1; }
grep -q '"image": "nginx:1.25"' <<<"$out" || { echo ".env not used: $out"; exit 1; }
grep -q '"GREETING": "hi"' <<<"$out" || { echo "process env not used: $out"; exit 1; }

"$OP_BIN" convert -f "$tmp/my_app/compose.yaml" --name demo --namespace ns > "$tmp/out.yaml" 2> "$tmp/err"
grep -q '^apiVersion: compose.docker.com/v1beta2$' "$tmp/out.yaml"
grep -q 'GREETING' "$tmp/err" || { echo "missing unset-variable warning"; cat "$tmp/err"; exit 1; }
if command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null; then
    "$OP_BIN" convert -f "$tmp/my_app/compose.yaml" --name demo -o json > "$tmp/out.json" 2>/dev/null
    "$OP_BIN" convert -f "$tmp/my_app/compose.yaml" --name demo -o yaml > "$tmp/out2.yaml" 2>/dev/null
    python3 - "$tmp/out2.yaml" "$tmp/out.json" <<'PY'
import json, sys, yaml
a = yaml.safe_load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
assert a == b, (a, b)
PY
    for v in v1beta1 v1alpha3; do
        "$OP_BIN" convert -f "$tmp/my_app/compose.yaml" --name demo --api-version $v > "$tmp/v.yaml" 2>/dev/null
        python3 -c "import yaml,sys; d=yaml.safe_load(open('$tmp/v.yaml')); assert d['apiVersion']=='compose.docker.com/$v'"
    done
fi

printf 'services:\n  app:\n    build: .\n' > "$tmp/bad.yaml"
if "$OP_BIN" convert -f "$tmp/bad.yaml" --name x > /dev/null 2> "$tmp/err"; then
    echo "expected failure"; exit 1
fi
grep -q 'services.app' "$tmp/err" || { echo "no path in error"; cat "$tmp/err"; exit 1; }
if "$OP_BIN" convert -f "$tmp/missing.yaml" > /dev/null 2>&1; then echo "expected failure"; exit 1; fi
echo ok

# -o manifests: plain Kubernetes objects (no Stack), one YAML document each.
"$OP_BIN" convert -f "$tmp/my_app/compose.yaml" --name demo --namespace ns -o manifests > "$tmp/m.yaml" 2>/dev/null
grep -q '^kind: Deployment$' "$tmp/m.yaml" || { echo "no Deployment in -o manifests"; cat "$tmp/m.yaml"; exit 1; }
if grep -q 'compose.docker.com/v1beta2' "$tmp/m.yaml"; then echo "-o manifests printed a Stack"; exit 1; fi
if command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null; then
    python3 - "$tmp/m.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = sorted(d["kind"] for d in docs)
assert kinds == ["Deployment", "Service", "Service"], kinds
for d in docs:
    assert d["metadata"]["namespace"] == "ns", d
    assert d["metadata"]["labels"]["com.docker.stack.namespace"] == "demo", d
PY
fi
