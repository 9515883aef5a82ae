#!/usr/bin/env bash
# bench_converge: N Stacks (default 200, three services each) from `kubectl apply` to all Ready
# and their pods Running, on the local cluster; and in the same run the floor: `kubectl apply
# --server-side` of the very same objects rendered by `compose-operator convert -o manifests`,
# until the same number of pods is Running. Prints both times, the ratio, the operator's peak RSS
# and CPU seconds, what its /metrics say about the run (webhook p99 and /validate mean during the
# applies, status writes and their 409s), and then restarts it once with every stack in place:
# time from process start to ready (caches synced) and the writes it sends afterwards (goal: none).
#
#   scripts/cluster.sh up && bench/converge/bench_converge.sh [N]
#
# Env: OP_BIN (default build/src/compose-operator), BENCH_WORKERS (operator --workers, default 4),
#      BENCH_OPERATOR_FLAGS (more `run` flags, e.g. "--kube-api-qps 200 --kube-api-burst 400"),
#      BENCH_NODES (kwok nodes added for the run, default max(1, N/200); removed at the end),
#      OP_PROBE_PORT (the operator's probe/metrics port, 8080).
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
NODES=${BENCH_NODES:-$(( N / 200 > 1 ? N / 200 : 1 ))}
PROBE=${OP_PROBE_PORT:-8080}
cleanup() {
    kubectl delete namespace "$FLOOR_NS" "$OP_NS" --wait=false >/dev/null 2>&1 || true
    kubectl delete nodes -l compose-operator.bench/node=true --wait=false >/dev/null 2>&1 || true
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

# ---- kwok nodes: 1,000 pods each, so N stacks' pods fit (kwok manages every node). ----
for i in $(seq 1 "$NODES"); do
    cat <<YAML
apiVersion: v1
kind: Node
metadata:
  name: bench-node-$i
  annotations: {node.alpha.kubernetes.io/ttl: "0", kwok.x-k8s.io/node: fake}
  labels: {compose-operator.bench/node: "true", type: kwok, kubernetes.io/os: linux, kubernetes.io/arch: amd64, kubernetes.io/hostname: bench-node-$i}
status:
  allocatable: {cpu: "64", memory: 512Gi, pods: "1000"}
  capacity: {cpu: "64", memory: 512Gi, pods: "1000"}
---
YAML
done > "$WORK/nodes.yaml"
kubectl apply -f "$WORK/nodes.yaml" >/dev/null
say "$NODES kwok nodes added"

# The operator's /metrics as one JSON object {series: value} (labels sorted as printed).
metrics() { curl -sf "http://127.0.0.1:$PROBE/metrics"; }
# summary <metrics file>: the figures this bench reports, computed from the Prometheus text.
summary() {
    python3 - "$1" <<'PY'
import re, sys
series = {}
for line in open(sys.argv[1]):
    if line.startswith('#') or not line.strip():
        continue
    m = re.match(r'([a-zA-Z_:]+)(\{([^}]*)\})?\s+(\S+)', line)
    if not m:
        continue
    labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(3) or ''))
    series.setdefault(m.group(1), []).append((labels, float(m.group(4))))
def total(name, **want):
    return sum(v for l, v in series.get(name, []) if all(l.get(k) == w for k, w in want.items()))
def quantile(q, webhook=None):
    buckets = {}
    for l, v in series.get('controller_runtime_webhook_latency_seconds_bucket', []):
        if webhook and l.get('webhook') != webhook:
            continue
        le = float('inf') if l['le'] == '+Inf' else float(l['le'])
        buckets[le] = buckets.get(le, 0) + v
    if not buckets:
        return None, 0
    count = buckets[float('inf')]
    for le in sorted(buckets):
        if count and buckets[le] >= q * count:
            return le, count
    return None, count
p99, n = quantile(0.99)
vp99, vn = quantile(0.99, '/validate')
vsum = total('controller_runtime_webhook_latency_seconds_sum', webhook='/validate')
vcount = total('controller_runtime_webhook_latency_seconds_count', webhook='/validate')
status = total('compose_operator_writes_total', verb='status')
status_conflict = total('compose_operator_writes_total', verb='status', result='conflict')
print(f'webhook_requests={int(n)} webhook_p99_le_s={p99} validate_requests={int(vn)} validate_p99_le_s={vp99} '
      f'validate_mean_ms={1000 * vsum / vcount if vcount else 0:.2f}')
print(f'status_writes={int(status)} status_409={int(status_conflict)} '
      f'status_409_pct={100 * status_conflict / status if status else 0:.2f} '
      f'rest_409_total={int(total("rest_client_requests_total", code="409"))} '
      f'applies={int(total("compose_operator_writes_total", verb="apply"))} '
      f'deletes={int(total("compose_operator_writes_total", verb="delete"))}')
PY
}

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
rss_idle_kib=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
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
printf 'operator_cpu_ms_per_stack=%.1f operator_idle_rss_mib=%.1f\n' "$(echo "scale=3; 1000 * $cpu / $N" | bc)" "$(echo "scale=1; $rss_idle_kib / 1024" | bc)"
metrics > "$WORK/run.metrics"
summary "$WORK/run.metrics"

# ---- A restart with every stack in place: caches synced, then (goal) no writes. ----
say "restarting the operator with $N stacks in place"
bash "$ROOT/scripts/operator.sh" restart --workers "${BENCH_WORKERS:-4}" ${BENCH_OPERATOR_FLAGS:-} >/dev/null
ready_at=$(now)
PID=$(bash "$ROOT/scripts/operator.sh" pid)
start=$(metrics | awk '/^process_start_time_seconds/ {print $2}')
# Every stack reconciled once after the restart (or 300 s), the queue empty.
passes() { metrics | awk '/^controller_runtime_reconcile_total/ {s += $2} END {print int(s)}'; }
wait_until 300 "passes after the restart" passes "$N" || true
for _ in $(seq 1 60); do
    [ "$(metrics | awk '/^workqueue_depth/ {s += $2} END {print int(s)}')" = 0 ] && break
    sleep 1
done
sleep 5
metrics > "$WORK/restart.metrics"
rss_synced_kib=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
printf 'restart_ready_s=%.2f (process start to /readyz, caches synced; polled every 0.2 s)\n' "$(echo "$ready_at - $start" | bc)"
printf 'restart_rss_mib=%.1f rss_per_cached_stack_kib=%.1f (RSS after the restart minus the idle RSS, over N)\n' \
    "$(echo "scale=1; $rss_synced_kib / 1024" | bc)" "$(echo "scale=1; ($rss_synced_kib - $rss_idle_kib) / $N" | bc)"
echo "after the restart:"
summary "$WORK/restart.metrics"
