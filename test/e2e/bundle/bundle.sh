#!/usr/bin/env bash
# The OLM bundle (bundle/): the committed files are what bundle/generate.py makes of crds/ and
# manifests/, and operator-framework's validators (github.com/operator-framework/api v0.31.0, the
# default bundle validators plus the operatorframework suite) accept it. Needs no cluster; the
# validator is test/tools/bundle-validate, built once from Go modules, then cached.
set -euo pipefail
ROOT=${OP_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
FAILS=0 PASSES=0
check() { local what=$1; shift; if "$@"; then PASSES=$((PASSES + 1)); echo "ok   - $what"; else FAILS=$((FAILS + 1)); echo "FAIL - $what"; fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tool=$(bash "$ROOT/scripts/build-test-tool.sh" bundle-validate | tail -1) || { echo "FAIL - building bundle-validate"; exit 1; }

python3 "$ROOT/bundle/generate.py" "$tmp/gen"
check "bundle/ is current (python3 bundle/generate.py)" \
    diff -r -x generate.py -x icon.svg "$tmp/gen" "$ROOT/bundle"
"$tool" "$ROOT/bundle" > "$tmp/validate.out" 2>&1 || true
cat "$tmp/validate.out"
check "operator-framework's validators report no error" grep -q ': 0 errors' "$tmp/validate.out"
csv=$ROOT/bundle/manifests/compose-operator.clusterserviceversion.yaml
check "the CSV installs in AllNamespaces mode only, with three webhook definitions" python3 - "$csv" <<'PY'
import sys, yaml
csv = yaml.safe_load(open(sys.argv[1]))
modes = {m["type"]: m["supported"] for m in csv["spec"]["installModes"]}
types = sorted(w["type"] for w in csv["spec"]["webhookdefinitions"])
args = csv["spec"]["install"]["spec"]["deployments"][0]["spec"]["template"]["spec"]["containers"][0]["args"]
assert modes == {"OwnNamespace": False, "SingleNamespace": False, "MultiNamespace": False, "AllNamespaces": True}, modes
assert types == ["ConversionWebhook", "MutatingAdmissionWebhook", "ValidatingAdmissionWebhook"], types
assert "--manage-webhooks=false" in args, args
PY
# The validators can fail: a conversion webhook with another install mode is refused by OLM.
cp -r "$ROOT/bundle" "$tmp/broken"
python3 - "$tmp/broken/manifests/compose-operator.clusterserviceversion.yaml" <<'PY'
import sys, yaml
p = sys.argv[1]
csv = yaml.safe_load(open(p))
for m in csv["spec"]["installModes"]:
    m["supported"] = True
yaml.safe_dump(csv, open(p, "w"))
PY
check "a CSV with a conversion webhook and OwnNamespace mode is rejected" \
    bash -c "! '$tool' '$tmp/broken' > '$tmp/broken.out' 2>&1"
grep '^error' "$tmp/broken.out" | head -3 || true
echo "$PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
