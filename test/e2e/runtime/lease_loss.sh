#!/usr/bin/env bash
# Issue 12: losing the Lease stops all writes. A --leader-elect operator, slowed by a low client
# QPS, is reconciling 50 stacks when the test takes its Lease away (another holderIdentity, a
# fresh renewTime, an hour's leaseDurationSeconds). The leader sees the loss at its next renew,
# logs "leadership lost" and exits 1 (a restart campaigns again). Nothing else writes in the
# test's namespace meanwhile (the thief is no operator), so any managedFields entry of the
# operator's field manager, on a child or on a Stack's status, or of one of its Events, stamped
# later than that log line is a write after the loss. The operator is then started as usual and
# every stack converges to exactly its desired children. About 1.5 min.
source "$(dirname "$0")/../lib/common.sh"
command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null || { echo "SKIP: python3-yaml missing (scripts/setup.sh)"; exit 77; }
held_lease_scenario lease-loss   # 50 stacks in $gen, the operator stopped, a stand-in holds the Lease
LOG=$CLUSTER_DIR/logs/compose-operator.log
from=$(($(wc -l < "$LOG" 2>/dev/null || echo 0) + 1))   # this run's lines of the (appended) log
# QPS 3: four workers and the elector share the client's token bucket, so the loss lands while
# writes are being made (and queued). The renew deadline is long enough for a renew that waits
# its turn in that bucket; the loss itself is seen at once (another holder, a valid lease).
operator start --leader-elect --lease-duration 30 --renew-deadline 20 --retry-period 1 \
    --kube-api-qps 3 --kube-api-burst 3 >/dev/null
pid=$(operator pid)
kubectl apply -f "$gen/stacks.yaml" >/dev/null
check "the 50 stacks are admitted while a stand-in holds the Lease" \
    bash -c "[ \"\$(kubectl -n $NS get stacks -o name | wc -l)\" = 50 ]"
release_lease

children() { kubectl -n "$NS" get deploy,svc -l app.kubernetes.io/managed-by=compose-operator -o name 2>/dev/null | wc -l; }
t0=$SECONDS
until [ "$(children)" -ge 30 ] || [ $((SECONDS - t0)) -gt 90 ]; do sleep 0.2; done
identity=$(kubectl -n compose-operator get lease compose-operator -o jsonpath='{.spec.holderIdentity}')

# ---- the Lease is taken away ----
now=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
kubectl -n compose-operator patch lease compose-operator --type merge -p \
    "{\"spec\":{\"holderIdentity\":\"e2e-thief\",\"leaseDurationSeconds\":3600,\"acquireTime\":\"$now\",\"renewTime\":\"$now\"}}" >/dev/null
at_theft=$(children)
echo "#    Lease taken from $identity with $at_theft of 300 Deployments and Services created"
check "the Lease was taken mid-reconcile ($at_theft of 300 children)" bash -c "[ $at_theft -gt 0 ] && [ $at_theft -lt 300 ]"
# /metrics while the old leader stops (its probe server stops last): the last scrape holds its
# final write count.
scrapes=$gen/scrapes
( while kill -0 "$pid" 2>/dev/null; do
      m=$(curl -sf "http://127.0.0.1:$PROBE_PORT/metrics" | awk '/^compose_operator_writes_total/ { s += $NF } END { print s + 0 }') &&
          echo "$(date +%s.%N) $m" >> "$scrapes"
      sleep 0.1
  done ) &
scraper=$!
t0=$SECONDS
while kill -0 "$pid" 2>/dev/null && [ $((SECONDS - t0)) -lt 60 ]; do sleep 0.1; done
check "the old leader exited within 60 s of the theft" bash -c "! kill -0 $pid 2>/dev/null"
wait "$scraper" 2>/dev/null || true
tail -n +"$from" "$LOG" > "$gen/log"
check "it exited 1 (a restart campaigns again)" grep -q ' stopped exit_code=1' "$gen/log"
lost_line=$(grep -m1 ' leadership lost' "$gen/log" || true)
check "it logged that it lost leadership ($lost_line)" [ -n "$lost_line" ]
lost_at=${lost_line%% *}
lost_epoch=$(date -d "${lost_at:-1970-01-01T00:00:00Z}" +%s.%N)
fenced=$(grep -c 'no longer writes' "$gen/log" || true)
echo "#    loss logged at $lost_at; $fenced reconcile(s) refused by the write fence after it"
if [ -s "$scrapes" ]; then
    echo "#    writes_total: $(awk -v t="$lost_epoch" '$1 <= t { b = $2 } END { print b + 0 }' "$scrapes") at the last scrape before the loss, $(tail -1 "$scrapes" | cut -d' ' -f2) at the last one ($(wc -l < "$scrapes") scrapes)"
fi

# ---- no write after the loss ----
# managedFields times have a resolution of one second, truncated: a write stamped T happened at
# T or later. So a stamp later than the loss time (ms, same host clock as the API server) is a
# write that certainly came after the loss, and one stamped in the loss's own second passes (it
# may have been before). That leaves a write in the last fraction of that second unseen; the
# check still fails on anything a second or more late, e.g. writes queued in the client when
# the loss was seen, which at QPS 3 wait up to about 2 s for their turn.
late_writes() {
    { kubectl -n "$NS" get deploy,sts,ds,svc,cm,secret,pvc,stacks --show-managed-fields -o json
      kubectl -n "$NS" get events.events.k8s.io --show-managed-fields -o json; } | python3 -c '
import json, sys, datetime
loss, manager, instance = float(sys.argv[1]), sys.argv[2], sys.argv[3]
dec, text, pos, late, seen = json.JSONDecoder(), sys.stdin.read(), 0, [], 0
while pos < len(text.rstrip()):
    doc, pos = dec.raw_decode(text, pos)
    while pos < len(text) and text[pos].isspace(): pos += 1
    for o in doc["items"]:
        ours_event = o.get("reportingInstance") == instance
        for m in o["metadata"].get("managedFields", []):
            if m.get("manager") != manager and not ours_event: continue
            seen += 1
            t = datetime.datetime.strptime(m["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()
            if t > loss:
                late.append("%s/%s %s%s at %s" % (o["kind"], o["metadata"]["name"], m["operation"],
                            " " + m["subresource"] if m.get("subresource") else "", m["time"]))
print("%d entries of the operator checked" % seen, file=sys.stderr)
print("\n".join(late))
sys.exit(1 if late or seen == 0 else 0)' "$lost_epoch" compose-operator "$identity"
}
check "no child, Stack status or Event of the old leader is stamped after the loss" late_writes

# ---- a restarted operator converges every stack ----
release_lease
operator start >/dev/null
all_ready() { [ "$(kubectl -n "$NS" get stacks -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True)" = 50 ]; }
eventually 180 "after a restart all 50 stacks are Ready" all_ready
check "exactly the desired objects of the 50 stacks, no duplicates, no leftovers" \
    bash -c "diff <(kubectl -n $NS get deploy,sts,ds,svc,cm,secret -o name | grep -vx configmap/kube-root-ca.crt | sort) $gen/want"
finish
