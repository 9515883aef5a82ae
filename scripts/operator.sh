#!/usr/bin/env bash
# Runs the operator against the local cluster (scripts/cluster.sh), as a background process whose
# PID is recorded next to the cluster's, so `scripts/cluster.sh down` stops it too.
#
#   scripts/operator.sh start [extra flags]   install the CRD, start `compose-operator run`, wait for /readyz
#   scripts/operator.sh stop                  SIGTERM (graceful), then SIGKILL after 20 s
#   scripts/operator.sh restart [flags]
#   scripts/operator.sh log                   the operator's log file
#   scripts/operator.sh kill                  SIGKILL at once (crash tests)
#   scripts/operator.sh pid                   the PID, when running
#   scripts/operator.sh kubeconfig            prints the path of the ServiceAccount's kubeconfig
# Env: OP_BIN (default build/src/compose-operator), OP_WEBHOOK_PORT (9443), OP_PROBE_PORT (8080),
#      OP_INSTANCE: a name for a second replica (its own PID file and log, e.g. OP_INSTANCE=b with
#      other ports and --leader-elect on both).
#
# The operator runs as its own ServiceAccount (system:serviceaccount:compose-operator:compose-operator)
# with exactly the RBAC in manifests/, never as admin. `start` first does, as admin, what an installer
# does: applies manifests/' namespace, ServiceAccount and RBAC (kustomize render, filtered: not the
# Deployment, PDB and Service whose pods kwok only pretends to run), creates the Stack CRD when absent,
# and registers the two webhook configurations in URL form for this run's webhook port (RBAC cannot
# limit create to a name, so the operator may only patch them). It then gives the operator a
# kubeconfig whose tokenFile holds a token of that account bound to a Secret (4 h, renewed after 1 h).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${OP_CLUSTER_DIR:-$ROOT/.cluster}
BIN=${OP_BIN:-$ROOT/build/src/compose-operator}
WEBHOOK_PORT=${OP_WEBHOOK_PORT:-9443}
PROBE_PORT=${OP_PROBE_PORT:-8080}
NAME=compose-operator${OP_INSTANCE:+-$OP_INSTANCE}
PIDFILE=$DIR/pids/$NAME.pid
LOG=$DIR/logs/$NAME.log
export KUBECONFIG=$DIR/kubeconfig
[ -x "$DIR/bin/kubectl" ] && export PATH="$DIR/bin:$PATH"
log() { printf '[operator %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

OP_NS=compose-operator
SA_DIR=$DIR/operator/sa
SA_KUBECONFIG=$SA_DIR/kubeconfig
TOKEN_SECRET=compose-operator-local-token

# manifests/ rendered by kustomize, keeping the identity objects (namespace, ServiceAccount,
# ClusterRoles and bindings, Role and RoleBinding) and turning the two webhook configurations into
# their URL form for $1 (the webhook port); printed as two YAML streams separated by a line "#webhooks".
render_install() {
    kubectl kustomize "$ROOT/manifests" | python3 -c '
import sys, yaml
port = sys.argv[1]
keep = {"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
hooks = {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}
ident, web = [], []
for text in sys.stdin.read().split("\n---\n"):
    kind = next((l[6:].strip() for l in text.splitlines() if l.startswith("kind: ")), "")
    if kind in keep:
        ident.append(text)
    elif kind in hooks:
        d = yaml.safe_load(text)
        for w in d["webhooks"]:
            w["clientConfig"] = {"url": "https://127.0.0.1:%s%s" % (port, w["clientConfig"]["service"]["path"])}
        web.append(yaml.safe_dump(d, sort_keys=False))
print("\n---\n".join(ident))
print("#webhooks")
print("---\n".join(web))
' "$1"
}

# The installer's part, as admin. Skipped when manifests/ and the port are those of the last run
# and the objects are still there (a start then costs one kubectl get).
install_identity() {
    local stamp_file=$DIR/operator/installed.$WEBHOOK_PORT stamp want have
    stamp=$(cat "$ROOT"/manifests/*.yaml | sha256sum | cut -c1-16)
    want="MutatingWebhookConfiguration=https://127.0.0.1:$WEBHOOK_PORT/mutate"
    want+=" ValidatingWebhookConfiguration=https://127.0.0.1:$WEBHOOK_PORT/validate"
    want+=" ClusterRoleBinding= RoleBinding= ServiceAccount= "
    have=$(kubectl get mutatingwebhookconfiguration/compose-operator validatingwebhookconfiguration/compose-operator \
        clusterrolebinding/compose-operator -n $OP_NS rolebinding/compose-operator serviceaccount/compose-operator \
        -o jsonpath='{range .items[*]}{.kind}={.webhooks[0].clientConfig.url} {end}' 2>/dev/null || true)
    if [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp" ] && [ "$have" = "$want" ]; then return 0; fi
    local r ident hooks kind url
    r=$(render_install "$WEBHOOK_PORT")
    ident=${r%%#webhooks*}
    hooks=${r#*#webhooks}
    kubectl apply -f - <<<"$ident" >/dev/null
    # Created when absent; otherwise only the clientConfig changes (its caBundle kept), so a running
    # replica's webhooks keep answering while another one starts.
    for kind in mutating validating; do
        url=https://127.0.0.1:$WEBHOOK_PORT/$([ $kind = mutating ] && echo mutate || echo validate)
        if ! kubectl get ${kind}webhookconfiguration compose-operator >/dev/null 2>&1; then
            python3 -c 'import sys, yaml; [print(yaml.safe_dump(d)) for d in yaml.safe_load_all(sys.stdin) if d and d["kind"].lower().startswith(sys.argv[1])]' \
                $kind <<<"$hooks" | kubectl create -f - >/dev/null
        elif [ "$(kubectl get ${kind}webhookconfiguration compose-operator -o jsonpath='{.webhooks[0].clientConfig.url}')" != "$url" ]; then
            local ca
            ca=$(kubectl get ${kind}webhookconfiguration compose-operator -o jsonpath='{.webhooks[0].clientConfig.caBundle}')
            kubectl patch ${kind}webhookconfiguration compose-operator --type json -p "[{\"op\": \"replace\",
                \"path\": \"/webhooks/0/clientConfig\", \"value\": {\"url\": \"$url\"${ca:+, \"caBundle\": \"$ca\"}}}]" >/dev/null
        fi
    done
    echo "$stamp" > "$stamp_file"
}

# A kubeconfig for the ServiceAccount: its token (bound to a Secret, so deleting the Secret revokes
# it) in a file the operator re-reads, renewed when older than an hour.
sa_kubeconfig() {
    mkdir -p "$SA_DIR"
    kubectl -n $OP_NS get secret $TOKEN_SECRET >/dev/null 2>&1 || kubectl -n $OP_NS create secret generic $TOKEN_SECRET >/dev/null
    if [ -z "$(find "$SA_DIR/token" -mmin -60 2>/dev/null)" ] || [ "${OP_NEW_TOKEN:-}" = 1 ]; then
        kubectl -n $OP_NS create token compose-operator --duration=4h \
            --bound-object-kind=Secret --bound-object-name=$TOKEN_SECRET > "$SA_DIR/token.new"
        mv "$SA_DIR/token.new" "$SA_DIR/token"
    fi
    local server
    server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
    cp "$DIR/pki/ca.crt" "$SA_DIR/ca.crt"
    cat > "$SA_DIR/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "$server", certificate-authority: ca.crt}
users:
- name: compose-operator
  user: {tokenFile: token}
contexts:
- name: compose-operator
  context: {cluster: local, user: compose-operator, namespace: $OP_NS}
current-context: compose-operator
YAML
}

start() {
    [ -x "$BIN" ] || { log "no binary at $BIN: build first (cmake --build build)"; exit 1; }
    [ -f "$KUBECONFIG" ] || { log "no cluster: run scripts/cluster.sh up"; exit 1; }
    if running; then log "already running (pid $(cat "$PIDFILE"))"; return 0; fi
    # Create the CRD only when absent: the running operator rewrites its conversion clientConfig
    # (a URL here), which a later `kubectl apply` of the placeholder Service form would conflict with.
    kubectl get crd stacks.compose.docker.com >/dev/null 2>&1 || kubectl create -f "$ROOT/crds/stacks.compose.docker.com.yaml" >/dev/null
    # Polled rather than `kubectl wait`: on a just-created CRD status.conditions can still be null,
    # which kubectl wait reports as an error at once instead of waiting (seen at load 16).
    local i established=
    for i in $(seq 1 120); do
        established=$(kubectl get crd stacks.compose.docker.com \
            -o jsonpath='{.status.conditions[?(@.type=="Established")].status}' 2>/dev/null || true)
        [ "$established" = True ] && break
        sleep 0.5
    done
    [ "$established" = True ] || { log "the Stack CRD is not Established after 60 s"; exit 1; }
    mkdir -p "$DIR/pids" "$DIR/logs" "$DIR/operator"
    install_identity
    sa_kubeconfig
    setsid "$BIN" run --kubeconfig "$SA_KUBECONFIG" \
        --webhook-host 127.0.0.1 --webhook-address 127.0.0.1 --webhook-port "$WEBHOOK_PORT" \
        --probe-address 127.0.0.1 --probe-port "$PROBE_PORT" \
        --cert-dir "$DIR/operator/certs" "$@" \
        >>"$LOG" 2>&1 < /dev/null &
    echo $! > "$PIDFILE"
    local t0=$SECONDS
    until curl -sf "http://127.0.0.1:$PROBE_PORT/readyz" >/dev/null 2>&1; do
        if ! running; then log "the operator exited; last lines of $LOG:"; tail -20 "$LOG" >&2; exit 1; fi
        if [ $((SECONDS - t0)) -gt 90 ]; then log "not ready after 90s; see $LOG"; exit 1; fi
        sleep 0.2
    done
    log "$NAME ready in $((SECONDS - t0))s (pid $(cat "$PIDFILE"), log $LOG)"
}

stop() {
    running || { rm -f "$PIDFILE"; return 0; }
    local p i
    p=$(cat "$PIDFILE")
    kill "$p" 2>/dev/null || true
    for i in $(seq 1 200); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && { log "still running after 20s: SIGKILL"; kill -9 "$p"; }
    rm -f "$PIDFILE"
    log "stopped"
}

kill9() {
    running || { rm -f "$PIDFILE"; return 0; }
    local p
    p=$(cat "$PIDFILE")
    kill -9 "$p" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    rm -f "$PIDFILE"
    log "killed (SIGKILL) pid $p"
}

case "${1:-}" in
    start) shift; start "$@" ;;
    stop) stop ;;
    restart) shift; stop; start "$@" ;;
    log) cat "$LOG" ;;
    kubeconfig) sa_kubeconfig; echo "$SA_KUBECONFIG" ;;
    kill) kill9 ;;
    pid) running && cat "$PIDFILE" ;;
    *) echo "usage: $0 start|stop|restart|kill|pid|log|kubeconfig" >&2; exit 2 ;;
esac
