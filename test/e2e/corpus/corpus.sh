#!/usr/bin/env bash
# Issue 10 end to end: every real Compose file of the corpus (../shared/corpus/awesome-compose)
# on the local cluster, by each deployment path, one namespace per file and path:
#   convert: `compose-operator convert --image-prefix registry.example/demo -o yaml | kubectl
#            apply -f -` from a scratch folder (scaffold.py: the file plus generated stand-ins for
#            the local files it names; the corpus has no folders) must reach Ready (kwok runs any
#            image);
#   stack:   `compose-operator stack deploy --image-prefix registry.example/demo NAME` in that
#            folder must reach Ready; then `stack services` (every replica ready), `stack ps`
#            (Running pods) and `stack rm` (the stack goes) on it;
#   raw:     the file as it is, as a v1beta1 Stack (kubectl/GitOps, no client) must reach Ready,
#            or be denied with a message saying what to do (pack with the client, build images).
# Everything is applied first, then waited for together, so the suite takes about as long as the
# slowest stack. To add a path, write deploy_<path> NAME DIR NS and add
# <path> to PATHS: the rest (namespaces, waiting, counts, clean-up) is shared.
source "$(dirname "$0")/../lib/common.sh"
CORPUS=${OP_CORPUS_DIR:-$ROOT/../shared/corpus/awesome-compose}
[ -d "$CORPUS" ] || CORPUS=/work/shared/corpus/awesome-compose
[ -d "$CORPUS" ] || { echo "SKIP: no corpus"; exit 77; }
PATHS=${OP_CORPUS_PATHS:-"convert stack raw"}
BIN=${OP_BIN:-$ROOT/build/src/compose-operator}
TIMEOUT=${OP_CORPUS_TIMEOUT:-180}  # after everything was applied
RUN="e2e-corpus-$(date +%s)"
RID=$RANDOM  # namespaces of an earlier run may still be terminating
SCRATCH=$(mktemp -d)
trap 'kubectl delete namespace -l "$RUN" --wait=false >/dev/null 2>&1 || true; rm -rf "$SCRATCH"' EXIT
operator restart >/dev/null
t0=$SECONDS

# Variables the user would set for a file (Docker needs them too).
export PLEX_MEDIA_PATH=/srv/media

# deploy_convert NAME DIR NS: the client path through convert | kubectl apply. Prints nothing;
# returns non-zero (with the reason in $SCRATCH/NS.err) when the stack was not accepted.
deploy_convert() {
    convert -f "$2/compose.yaml" --name "$1" --namespace "$3" --image-prefix registry.example/demo \
        -o yaml 2>"$SCRATCH/$3.warn" | kubectl apply -f - >/dev/null 2>"$SCRATCH/$3.err"
    [ "${PIPESTATUS[0]}" = 0 ] || { cat "$SCRATCH/$3.warn" >> "$SCRATCH/$3.err"; return 1; }
}
# deploy_stack NAME DIR NS: the client as `docker stack` users run it, `stack deploy` in the
# file's folder (compose.yaml found there, as docker compose finds it); no --wait here: every
# stack is waited for together below, then `stack services`, `ps` and `rm` run on each.
deploy_stack() {
    (cd "$2" && "$BIN" stack deploy --namespace "$3" --image-prefix registry.example/demo "$1") \
        >"$SCRATCH/$3.warn" 2>"$SCRATCH/$3.err" || { cat "$SCRATCH/$3.warn" >> "$SCRATCH/$3.err"; return 1; }
}
# deploy_raw NAME DIR NS: the raw Compose file as a v1beta1 Stack, no client.
deploy_raw() {
    python3 - "$1" "$3" "$2/compose.yaml" <<'PY' | kubectl apply -f - >/dev/null 2>"$SCRATCH/$3.err"
import sys, yaml
name, ns, path = sys.argv[1:]
print(yaml.safe_dump({"apiVersion": "compose.docker.com/v1beta1", "kind": "Stack",
                      "metadata": {"name": name, "namespace": ns},
                      "spec": {"composeFile": open(path).read()}}))
PY
}

# one FILE INDEX: scaffolds the file's folder and deploys it by every path; records
# "<path> <ns>/<name> accepted|denied" lines in $SCRATCH/result.<index>.
one() {
    local f=$1 i=$2 base name dir p ns
    base=$(basename "$f" .yaml)
    name=$(tr 'A-Z' 'a-z' <<<"$base")
    dir="$SCRATCH/$name"
    python3 "$(dirname "$0")/scaffold.py" "$f" "$dir"
    for p in $PATHS; do
        ns="c$i-${p:0:3}-$RID-$name"; ns=${ns:0:63}; ns=${ns%-}
        kubectl create namespace "$ns" >/dev/null && kubectl label namespace "$ns" "$RUN=1" >/dev/null
        if "deploy_$p" "$name" "$dir" "$ns"; then
            echo "$p $ns/$name accepted" >> "$SCRATCH/result.$i"
        else
            echo "$p $ns/$name denied" >> "$SCRATCH/result.$i"
        fi
    done
}
files=0
for f in "$CORPUS"/*.yaml; do
    files=$((files + 1))
    one "$f" "$files" &
    # A few at a time: kubectl and the webhook share two cores with the control plane.
    [ $((files % 4)) = 0 ] && wait
done
wait
declare -A accepted denied
while read -r p s verdict; do
    if [ "$verdict" = accepted ]; then accepted[$p]+="$s "; else denied[$p]+="$s "; fi
done < <(cat "$SCRATCH"/result.*)
echo "applied $files files by ${PATHS// /, } in $((SECONDS - t0))s"

# Wait for every accepted stack together: one LIST of all stacks per poll.
not_ready() {
    kubectl get stacks -A -o json | python3 -c '
import json, sys
want = set(sys.argv[1].split())
ready = {s["metadata"]["namespace"] + "/" + s["metadata"]["name"]
         for s in json.load(sys.stdin)["items"]
         if any(c["type"] == "Ready" and c["status"] == "True"
                for c in (s.get("status") or {}).get("conditions", []))}
print(" ".join(sorted(want - ready)))' "$1"
}
all="${accepted[*]}"
t1=$SECONDS
while :; do
    left=$(not_ready "$all" || echo "$all")
    [ -z "$left" ] && break
    [ $((SECONDS - t1)) -ge "$TIMEOUT" ] && break
    sleep 2
done
echo "waited $((SECONDS - t1))s for the accepted stacks"

for p in $PATHS; do
    ok=0; n_denied=0
    for s in ${accepted[$p]:-}; do
        if [[ " $left " == *" $s "* ]]; then
            msg=$(kubectl -n "${s%/*}" get stack "${s#*/}" -o jsonpath='{.status.message}' 2>&1 || true)
            fail "$p: ${s#*/} is not Ready within ${TIMEOUT}s: $msg"
        else
            ok=$((ok + 1)); pass "$p: ${s#*/} is Ready"
        fi
    done
    for s in ${denied[$p]:-}; do
        n_denied=$((n_denied + 1))
        err=$(tr '\n' ' ' < "$SCRATCH/${s%/*}.err" || true)
        # Actionable: names the client command that packs it, the flag that names images, or
        # the variable to set.
        if [ "$p" = raw ] && { contains "$err" "compose-operator" || contains "$err" "--image-prefix" ||
                                contains "$err" "variables without a value"; }; then
            pass "$p: ${s#*/} denied with advice: ${err:0:300}"
        else
            fail "$p: ${s#*/} not accepted: ${err:0:600}"
        fi
    done
    echo "COUNT $p: $ok/$files Ready, $n_denied denied"
done
# `stack services` / `ps` / `rm` on every stack the client deployed (docker stack's habits):
# services lists each service with all its replicas ready, ps lists Running pods, rm removes it.
services_ok() { # NS NAME
    "$BIN" stack services --namespace "$1" "$2" -o json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d and all(s["ready"] == s["desired"] for s in d), d' 2>&1
}
n_stack=0; n_stack_ok=0; removed=""
for s in ${accepted[stack]:-}; do
    [[ " $left " == *" $s "* ]] && continue
    n_stack=$((n_stack + 1))
    ns=${s%/*}; name=${s#*/}
    if out=$(services_ok "$ns" "$name") && "$BIN" stack ps --namespace "$ns" "$name" | grep -q Running &&
        "$BIN" stack rm --namespace "$ns" "$name" >/dev/null; then
        n_stack_ok=$((n_stack_ok + 1)); removed+="$s "
    else
        fail "stack: services/ps/rm of $name: ${out:0:300}"
    fi
done
check "stack services, ps and rm work on each of the $n_stack Ready client stacks" [ "$n_stack_ok" = "$n_stack" ]
echo "COUNT stack services/ps/rm: $n_stack_ok/$n_stack"
gone() { for s in ${removed:-}; do ! kubectl -n "${s%/*}" get stack "${s#*/}" >/dev/null 2>&1 || return 1; done; }
eventually 120 "... and every removed stack is gone" gone
# The Secrets convert packed beside a stack are adopted by it (they go when the stack goes).
for s in ${accepted[convert]:-}; do
    [[ $s == */nginx-golang-mysql ]] || continue
    eventually 60 "convert: the packed Secret ${s#*/}.db-password of ${s#*/} is owned by its Stack" \
        bash -c "[ \"\$(kubectl -n ${s%/*} get secret ${s#*/}.db-password -o jsonpath='{.metadata.ownerReferences[0].kind}')\" = Stack ]"
done
echo "corpus suite took $((SECONDS - t0))s"
finish
