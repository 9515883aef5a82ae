#!/usr/bin/env bash
# bench_converge: N Stacks (default 200, three services each) from `kubectl apply` to all Ready
# and their pods Running, on the local cluster; and in the same run the floor: `kubectl apply
# --server-side` of the very same objects rendered by `compose-operator convert -o manifests`,
# until the same number of pods is Running. Prints both times, the ratio, and the operator's peak
# RSS and CPU seconds.
#
#   scripts/cluster.sh up && bench/converge/bench_converge.sh [N]
#
# Env: OP_BIN (default build/src/compose-operator), BENCH_WORKERS (operator --workers, default 4),
#      BENCH_OPERATOR_FLAGS (more `run` flags, e.g. "--kube-api-qps 200 --kube-api-burst 400").
# The operator is restarted for the run (so its peak RSS and CPU are this run's) and left running.
set -euo pipefail
N=${1:-200}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DIR=${OP_CLUSTER_DIR:-$ROOT/.cluster}
export OP_BIN=${OP_BIN:-$ROOT/build/src/compose-operator}
export KUBECONFIG=$DIR/kubeconfig
[ -x "$DIR/bin/kubectl" ] && export PATH="$DIR/bin:$PATH"
kubectl get --raw /readyz >/dev/null 2>&1 || { echo "no local cluster: run scripts/cluster.sh up" >&2; exit 1; }
[ -x "$OP_BIN" ] || { echo "no binary at $OP_BIN: build first" >&2; exit 1; }
say() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }

RUN=bench-$(date +%s)
WORK=$(mktemp -d)
FLOOR_NS=$RUN-floor
OP_NS=$RUN-operator
cleanup() {
    kubectl delete namespace "$FLOOR_NS" "$OP_NS" --wait=false >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# A previous run's namespaces are deleted in the background; wait, or their pods' deletion
# competes with this run.
for _ in $(seq 1 300); do
    kubectl get namespaces -o name | grep -q '^namespace/bench-' || break
    [ "${waited:-}" ] || { say "waiting for a previous run's namespaces to be deleted"; waited=1; }
    sleep 1
done

# ---- The input: N stacks of three services (web: 2 replicas + a published port; api; cache). ----
say "rendering $N stacks and their manifests"
PODS_PER_STACK=4
for i in $(seq 1 "$N"); do
    cat > "$WORK/c.yaml" <<YAML
services:
  web$i:
    image: nginx:1.27
    ports: ["8080:80"]
    deploy: {replicas: 2}
  api$i:
    image: httpd:2.4
    ports: ["80"]
    environment: {BACKEND: cache$i}
  cache$i:
    image: redis:7
YAML
    "$OP_BIN" convert -f "$WORK/c.yaml" --name "s$i" --namespace "$OP_NS" >> "$WORK/stacks.yaml" 2>/dev/null
    echo "---" >> "$WORK/stacks.yaml"
    "$OP_BIN" convert -f "$WORK/c.yaml" --name "s$i" --namespace "$FLOOR_NS" -o manifests >> "$WORK/manifests.yaml" 2>/dev/null
done
PODS=$((N * PODS_PER_STACK))
objects=$(grep -c '^kind:' "$WORK/manifests.yaml")
say "$N stacks -> $objects objects, $PODS pods"

running_pods() { kubectl -n "$1" get pods --field-selector=status.phase=Running -o name 2>/dev/null | wc -l; }
ready_stacks() {
    kubectl -n "$OP_NS" get stacks -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null | grep -c True || true
}
# wait_until <timeout> <label> <command printing a count> <target>: progress every 5 s.
wait_until() {
    local timeout=$1 label=$2 fn=$3 target=$4 t0=$SECONDS last=-1 n
    while :; do
        n=$($fn)
        [ "$n" -ge "$target" ] && return 0
        if [ $((SECONDS - t0)) -ge "$timeout" ]; then say "$label: $n/$target after ${timeout}s: giving up"; return 1; fi
        if [ $(((SECONDS - t0) / 5)) -ne "$last" ]; then last=$(((SECONDS - t0) / 5)); say "$label: $n/$target"; fi
        sleep 0.5
    done
}

# ---- The floor: kubectl apply --server-side of the rendered objects. ----
kubectl create namespace "$FLOOR_NS" >/dev/null
say "floor: kubectl apply --server-side of $objects objects"
t0=$(now)
kubectl apply --server-side --field-manager bench-floor -f "$WORK/manifests.yaml" >/dev/null
floor_apply=$(elapsed "$t0")
floor_pods() { running_pods "$FLOOR_NS"; }
wait_until 900 "floor pods Running" floor_pods "$PODS"
floor=$(elapsed "$t0")
say "floor: ${floor}s (apply ${floor_apply}s)"
say "deleting the floor's namespace before the operator's run (not timed)"
kubectl delete namespace "$FLOOR_NS" --timeout=600s >/dev/null

# ---- The operator. ----
# shellcheck disable=SC2086
bash "$ROOT/scripts/operator.sh" restart --workers "${BENCH_WORKERS:-4}" ${BENCH_OPERATOR_FLAGS:-} >/dev/null
PID=$(bash "$ROOT/scripts/operator.sh" pid)
TICK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
c0=$(cpu_ticks)
kubectl create namespace "$OP_NS" >/dev/null
say "operator: kubectl apply --server-side of $N stacks"
t0=$(now)
kubectl apply --server-side --field-manager bench-stacks -f "$WORK/stacks.yaml" >/dev/null
op_apply=$(elapsed "$t0")
wait_until 900 "stacks Ready" ready_stacks "$N"
op_ready=$(elapsed "$t0")
op_pods() { running_pods "$OP_NS"; }
wait_until 900 "operator pods Running" op_pods "$PODS"
op=$(elapsed "$t0")
c1=$(cpu_ticks)
rss_kib=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
cpu=$(echo "scale=2; ($c1 - $c0) / $TICK" | bc)
ratio=$(echo "scale=2; $op / $floor" | bc)

printf 'stacks=%d objects=%d pods=%d workers=%s flags=[%s]\n' "$N" "$objects" "$PODS" "${BENCH_WORKERS:-4}" "${BENCH_OPERATOR_FLAGS:-}"
printf 'floor_s=%.2f (kubectl apply --server-side %.2f s, then pods Running)\n' "$floor" "$floor_apply"
printf 'operator_s=%.2f (kubectl apply of the stacks %.2f s, all stacks Ready at %.2f s, then pods Running)\n' "$op" "$op_apply" "$op_ready"
printf 'ratio=%.2f (operator / floor)\n' "$ratio"
printf 'operator_peak_rss_mib=%.1f operator_cpu_s=%s\n' "$(echo "scale=1; $rss_kib / 1024" | bc)" "$cpu"
