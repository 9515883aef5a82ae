#!/usr/bin/env bash
# Issue 12 chaos: a flood of slow-body connections (one byte a second, on the webhook and the
# probe port) and of large bodies (3 MiB: at the webhook's limit, far over the probe port's) on
# both ports while /convert keeps answering with p99 under 1 s and /readyz stays green. Five
# stacks exist before the flood and one is changed during it (admitted through the flooded
# webhooks); afterwards every stack has converged to exactly its desired children. About 60 s.
# OP_FLOOD_SLOW / OP_FLOOD_LARGE / OP_FLOOD_SECONDS change the load (defaults 200 slow
# connections, 4 large-body senders per port, 20 s of timing).
source "$(dirname "$0")/../lib/common.sh"
command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null || { echo "SKIP: python3-yaml missing (scripts/setup.sh)"; exit 77; }
new_namespace chaos-flood
gen=$(mktemp -d)
trap 'kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1 || true; rm -rf "$gen"' EXIT
operator start >/dev/null

# ---- five stacks, Ready before the flood ----
make_stacks 5 "$gen" "$NS"
kubectl apply -f "$gen/stacks.yaml" >/dev/null
ready_count() { kubectl -n "$NS" get stacks -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True; }
all_ready() { [ "$(ready_count)" = 5 ]; }
eventually 120 "before the flood the 5 stacks are Ready" all_ready

# ---- the flood; s2 changes during it (web2: 2 -> 3 replicas) ----
python3 "$(dirname "$0")/flood.py" "$OP_WEBHOOK_PORT" "$PROBE_PORT" "${OP_FLOOD_SECONDS:-20}" \
    "${OP_FLOOD_SLOW:-200}" "${OP_FLOOD_LARGE:-4}" > "$gen/flood.json" &
flood=$!
sleep 7
sed 's/replicas: 2/replicas: 3/' "$gen/s2.yaml" > "$gen/s2b.yaml"
changed() { convert -f "$gen/s2b.yaml" --name s2 --namespace "$NS" 2>/dev/null | kubectl apply -f - >/dev/null; }
check "a change of s2 is admitted during the flood" changed
generation=$(kubectl -n "$NS" get stack s2 -o jsonpath='{.metadata.generation}')
wait "$flood"
out=$(cat "$gen/flood.json")
echo "  $out"
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])$1)" "$out"; }
check "/convert was timed at least 50 times under the flood" [ "$(field "['requests']")" -ge 50 ]
check "/convert p99 under 1 s ($(field "['p99_ms']") ms)" python3 -c "import sys; sys.exit(not $(field "['p99_ms']") < 1000)"
check "no /convert request failed" [ "$(field "['errors']")" = 0 ]
check "/readyz stayed green" [ "$(field "['probe_failures']")" = 0 ]
# The large bodies reached both ports and were refused: on the webhook port read whole (they are
# at its limit) and answered 400; on the probe port (1 KiB limit) 413. None was served (2xx).
answered() { # port-name: at least one large body sent, none answered 2xx
    python3 -c '
import json, sys
a = json.loads(sys.argv[1])["large"][sys.argv[2]]
print(sys.argv[2], a)
sys.exit(not (sum(a.values()) > 0 and not any(k.startswith("2") for k in a)))' "$out" "$1"
}
check "large bodies were sent to the webhook port and refused" answered webhook
check "large bodies were sent to the probe port and refused" answered probe
check "the operator is still running" operator pid

# ---- after the flood every stack converges to exactly its desired children ----
s2_done() {
    [ "$(kubectl -n "$NS" get stack s2 -o jsonpath='{.status.observedGeneration}')" = "$generation" ] &&
        [ "$(kubectl -n "$NS" get deploy web2 -o jsonpath='{.spec.replicas}')" = 3 ] && all_ready
}
eventually 90 "s2's change is reconciled (web2: 3 replicas) and all 5 stacks are Ready" s2_done
check "exactly the desired objects of the 5 stacks, no duplicates, no leftovers" \
    bash -c "diff <(kubectl -n $NS get deploy,sts,ds,svc,cm,secret -o name | grep -vx configmap/kube-root-ca.crt | sort) $gen/want"
owners_ok() {
    kubectl -n "$NS" get deploy,svc -o jsonpath='{range .items[*]}{.metadata.labels.com\.docker\.stack\.namespace} {.metadata.ownerReferences[*].name} {.metadata.ownerReferences[*].controller}{"\n"}{end}' |
        awk '$1 != $2 || $3 != "true" || NF != 3 { bad = 1; print } END { exit bad }'
}
check "each child has exactly one controller owner, its own stack" owners_ok
pods_ok() { [ "$(kubectl -n "$NS" get pods --no-headers | wc -l)" = 21 ] && [ "$(kubectl -n "$NS" get rs --no-headers | wc -l)" = 15 ]; }
eventually 60 "21 pods (web2 3, other webs 2, the rest 1) and 15 ReplicaSets" pods_ok
finish
