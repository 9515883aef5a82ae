#!/usr/bin/env bash
# Issue 11 "Time bomb": the self-made webhook certificate is renewed, and its CA rotated, through the
# real API server with no failed request. Two replicas run with a serving lifetime of 60 s and a CA
# lifetime of 180 s while a loop reads and writes v1beta1 stacks (every one through /convert) and
# creates stacks (through /mutate and /validate). Expected within ~3 min: serving renewals at ~40 s
# intervals, the CA rotation (next CA at 120 s, switch at ~135 s, old CA dropped at ~155 s), both
# replicas serving what the Secret holds (openssl s_client), zero failed requests.
source "$(dirname "$0")/../lib/common.sh"
new_namespace certs
DURATION=${OP_CERTS_DURATION:-175}
WORK=$(mktemp -d)
FLAGS=(--leader-elect --cert-lifetime 60s --ca-lifetime 180s)
secret() { kubectl -n compose-operator get secret compose-operator-webhook-cert -o "jsonpath={.data.${1//./\\.}}" | base64 -d; }
cleanup() {
    kill "${BG[@]}" 2>/dev/null || true
    OP_INSTANCE=b operator stop >/dev/null 2>&1 || true
    operator stop >/dev/null 2>&1 || true
    # The next operator makes a new Secret with the default lifetimes.
    kubectl -n compose-operator delete secret compose-operator-webhook-cert --ignore-not-found >/dev/null 2>&1 || true
    operator start >/dev/null 2>&1 || true  # leave the operator as the other tests expect it
    kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

operator stop >/dev/null
kubectl -n compose-operator delete secret compose-operator-webhook-cert --ignore-not-found >/dev/null
operator start "${FLAGS[@]}" >/dev/null
OP_INSTANCE=b OP_WEBHOOK_PORT=$WEBHOOK_PORT_B OP_PROBE_PORT=$PROBE_PORT_B operator start "${FLAGS[@]}" >/dev/null
check "the Secret keeps the CA key" bash -c "[ -n \"\$(kubectl -n compose-operator get secret compose-operator-webhook-cert -o jsonpath='{.data.ca\\.key}')\" ]"

stack() { # name value: a v1beta1 stack whose Compose text changes with value
    cat <<YAML
apiVersion: compose.docker.com/v1beta1
kind: Stack
metadata:
  name: $1
  namespace: $NS
spec:
  composeFile: |
    services:
      web-$1:
        image: nginx:1.27
        environment:
          ROUND: "$2"
YAML
}

# The workload: every request's outcome is counted; a failure keeps its message.
work() {
    local i=0 end=$((SECONDS + DURATION))
    while [ $SECONDS -lt $end ]; do
        i=$((i + 1))
        if stack "s$((i % 4))" "$i" | kubectl apply -f - >/dev/null 2>>"$WORK/errors"; then echo >>"$WORK/ok"
        else echo "apply s$((i % 4)) #$i at $SECONDS s" >>"$WORK/failed"; fi
        if kubectl -n "$NS" get stacks.v1beta1.compose.docker.com -o yaml >/dev/null 2>>"$WORK/errors"; then echo >>"$WORK/ok"
        else echo "list v1beta1 #$i at $SECONDS s" >>"$WORK/failed"; fi
        if [ $((i % 3)) -eq 0 ]; then
            if stack "c$i" "$i" | kubectl create -f - >/dev/null 2>>"$WORK/errors"; then echo >>"$WORK/ok"
            else echo "create c$i at $SECONDS s" >>"$WORK/failed"; fi
        fi
    done
}
serial_of() { openssl x509 -noout -serial 2>/dev/null | sed 's/^serial=//'; }
served() { openssl s_client -connect "127.0.0.1:$1" -servername localhost </dev/null 2>/dev/null | serial_of; }
# The observer: every 2 s, the Secret's serving serial, signing CA, bundle size and what each port serves.
observe() {
    local end=$((SECONDS + DURATION + 5))
    while [ $SECONDS -lt $end ]; do
        echo "$(secret tls.crt | serial_of) $(secret ca-signer.crt | serial_of) $(secret ca.crt | grep -c 'BEGIN CERT')" \
            "$(served "$OP_WEBHOOK_PORT") $(served "$WEBHOOK_PORT_B")" >>"$WORK/seen"
        sleep 2
    done
}
BG=()
work & BG+=($!)
observe & BG+=($!)
wait "${BG[@]}"
BG=()

ok=$(wc -l <"$WORK/ok" 2>/dev/null || echo 0)
failed=$(wc -l <"$WORK/failed" 2>/dev/null || echo 0)
[ "$failed" -eq 0 ] || { echo "failed requests:"; head -20 "$WORK/failed"; sort "$WORK/errors" | uniq -c | sort -rn | head -10; }
check "zero failed requests ($ok succeeded, $failed failed)" [ "$failed" -eq 0 ]
check "the workload ran ($ok requests)" [ "$ok" -ge 100 ]
serials=$(awk '{print $1}' "$WORK/seen" | sort -u | grep -c .)
check "at least two serving renewals in the Secret ($((serials - 1)))" [ "$serials" -ge 3 ]
cas=$(awk '{print $2}' "$WORK/seen" | sort -u | grep -c .)
check "the signing CA rotated ($cas CAs seen)" [ "$cas" -ge 2 ]
check "the bundle held two CAs during the overlap" grep -q ' 2 ' "$WORK/seen"
check "the old CA left the bundle after the overlap" bash -c "tail -1 '$WORK/seen' | awk '{exit !(\$3 == 1)}'"
for col in 4 5; do
    n=$(awk -v c=$col '$c != "" {print $c}' "$WORK/seen" | sort -u | grep -c .)
    check "port of replica $((col - 3)) served $n certificates over the run" [ "$n" -ge 3 ]
done
now=$(secret tls.crt | serial_of)
eventually 10 "both replicas serve the Secret's current certificate" \
    bash -c "[ \"\$(openssl s_client -connect 127.0.0.1:$OP_WEBHOOK_PORT </dev/null 2>/dev/null | openssl x509 -noout -serial)\" = serial=$now ] && [ \"\$(openssl s_client -connect 127.0.0.1:$WEBHOOK_PORT_B </dev/null 2>/dev/null | openssl x509 -noout -serial)\" = serial=$now ]"
logs=$( (operator log; OP_INSTANCE=b operator log) 2>/dev/null || true)
echo "renewals written: $(grep -c 'certificates renewed' <<<"$logs" || true)," \
    "lost races re-read: $(grep -c 'another replica renewed' <<<"$logs" || true)"
check "no renewal failed in either replica" lacks "$logs" "certificate renewal failed"
finish
