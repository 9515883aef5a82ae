#!/usr/bin/env bash
# Issue 10, the client on the real Compose files: for every file of the corpus
# (../shared/corpus/awesome-compose), from its scratch folder (test/e2e/corpus/scaffold.py: the
# file as compose.yaml plus stand-ins for the local files it names), the way a user would:
#   cd <folder> && compose-operator stack deploy --image-prefix registry.example/demo --wait NAME
# must exit 0 with the stack Ready; then `stack services` shows every service with all replicas
# ready, `stack ps` lists Running pods, and `stack rm --wait` removes it. One namespace per file;
# the deploys (and the removals) run side by side, so the suite takes about as long as the
# slowest stack. Prints "COUNT stack: N/M Ready".
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
CORPUS=${OP_CORPUS_DIR:-$ROOT/../shared/corpus/awesome-compose}
[ -d "$CORPUS" ] || CORPUS=/work/shared/corpus/awesome-compose
[ -d "$CORPUS" ] || { echo "SKIP: no corpus"; exit 77; }
SCAFFOLD=${OP_SCAFFOLD:-$ROOT/test/e2e/corpus/scaffold.py}
[ -f "$SCAFFOLD" ] || { echo "SKIP: no $SCAFFOLD"; exit 77; }
command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null || { echo "SKIP: python3-yaml missing (scripts/setup.sh)"; exit 77; }
BIN=${OP_BIN:-$ROOT/build/src/compose-operator}
TIMEOUT=${OP_CORPUS_TIMEOUT:-240}
RUN="e2e-corpus-stack-$(date +%s)"
SCRATCH=$(mktemp -d)
trap 'kubectl delete namespace -l "$RUN" --wait=false >/dev/null 2>&1 || true; rm -rf "$SCRATCH"' EXIT
operator start >/dev/null
t0=$SECONDS
# Variables the user would set for a file (Docker needs them too).
export PLEX_MEDIA_PATH=/srv/media

declare -A pid_of ns_of
names=()
for f in "$CORPUS"/*.yaml; do
    name=$(basename "$f" .yaml | tr 'A-Z' 'a-z')
    names+=("$name")
    ns="s${#names[@]}-$name"; ns=${ns:0:63}; ns=${ns%-}
    ns_of[$name]=$ns
    python3 "$SCAFFOLD" "$f" "$SCRATCH/$name"
done
# All namespaces in one request.
for name in "${names[@]}"; do
    printf -- '---\napiVersion: v1\nkind: Namespace\nmetadata: {name: %s, labels: {%s: "1"}}\n' "${ns_of[$name]}" "$RUN"
done | kubectl apply -f - >/dev/null
for name in "${names[@]}"; do
    (cd "$SCRATCH/$name" && exec "$BIN" stack deploy --namespace "${ns_of[$name]}" \
        --image-prefix registry.example/demo --wait --timeout "${TIMEOUT}s" "$name" \
        >"$SCRATCH/$name.out" 2>"$SCRATCH/$name.err") &
    pid_of[$name]=$!
done
echo "started ${#names[@]} deploys in $((SECONDS - t0))s"

ready=0
ready_names=()
for name in "${names[@]}"; do
    if wait "${pid_of[$name]}"; then
        rc=0
    else
        rc=$?
    fi
    if [ "$rc" = 0 ] && grep -q "Stack $name is Ready" "$SCRATCH/$name.out"; then
        ready=$((ready + 1)); ready_names+=("$name")
        pass "stack deploy --wait: $name is Ready"
    else
        fail "stack deploy --wait: $name exited $rc: $(tr '\n' ' ' < "$SCRATCH/$name.err" | grep -o 'error: .*' | cut -c1-500)"
    fi
done
echo "deploys done in $((SECONDS - t0))s"
t1=$SECONDS

# services / ps on each Ready stack (side by side, then checked in order).
for name in "${ready_names[@]}"; do
    "$BIN" stack services --namespace "${ns_of[$name]}" -o json "$name" >"$SCRATCH/$name.svc" 2>&1 &
    "$BIN" stack ps --namespace "${ns_of[$name]}" "$name" >"$SCRATCH/$name.ps" 2>&1 &
done
wait
for name in "${ready_names[@]}"; do
    check "stack services $name: every service has all its replicas ready" python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert rows and all(r["ready"] == r["desired"] and r["desired"] > 0 for r in rows), rows' "$SCRATCH/$name.svc"
    check "stack ps $name: its pods are Running" bash -c '
        [ "$(grep -c " Running " "$1")" -ge 1 ] && ! grep -q " Pending " "$1"' _ "$SCRATCH/$name.ps"
done
echo "services and ps in $((SECONDS - t1))s"
t1=$SECONDS
# rm --wait, side by side.
declare -A rm_pid
for name in "${ready_names[@]}"; do
    "$BIN" stack rm --namespace "${ns_of[$name]}" --wait --timeout 120s "$name" >"$SCRATCH/$name.rm" 2>&1 &
    rm_pid[$name]=$!
done
for name in "${ready_names[@]}"; do
    if wait "${rm_pid[$name]}"; then rc=0; else rc=$?; fi
    check "stack rm --wait $name exits 0 and leaves no workload or pod" bash -c "[ $rc = 0 ] &&
        [ -z \"\$(kubectl -n '${ns_of[$name]}' get stacks,deploy,sts,ds,pods -l com.docker.stack.namespace=$name -o name 2>&1)\" ]"
done

echo "rm --wait in $((SECONDS - t1))s"
echo "COUNT stack: $ready/${#names[@]} Ready"
echo "corpus stack suite took $((SECONDS - t0))s"
finish
