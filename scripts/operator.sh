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
# Env: OP_BIN (default build/src/compose-operator), OP_WEBHOOK_PORT (9443), OP_PROBE_PORT (8080),
#      OP_INSTANCE: a name for a second replica (its own PID file and log, e.g. OP_INSTANCE=b with
#      other ports and --leader-elect on both).
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

start() {
    [ -x "$BIN" ] || { log "no binary at $BIN: build first (cmake --build build)"; exit 1; }
    [ -f "$KUBECONFIG" ] || { log "no cluster: run scripts/cluster.sh up"; exit 1; }
    if running; then log "already running (pid $(cat "$PIDFILE"))"; return 0; fi
    # Create the CRD only when absent: the running operator rewrites its conversion clientConfig
    # (a URL here), which a later `kubectl apply` of the placeholder Service form would conflict with.
    kubectl get crd stacks.compose.docker.com >/dev/null 2>&1 || kubectl create -f "$ROOT/crds/stacks.compose.docker.com.yaml" >/dev/null
    kubectl wait --for=condition=Established crd/stacks.compose.docker.com --timeout=60s >/dev/null
    kubectl get namespace compose-operator >/dev/null 2>&1 || kubectl create namespace compose-operator >/dev/null
    mkdir -p "$DIR/pids" "$DIR/logs" "$DIR/operator"
    setsid "$BIN" run --kubeconfig "$KUBECONFIG" \
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
    kill) kill9 ;;
    pid) running && cat "$PIDFILE" ;;
    *) echo "usage: $0 start|stop|restart|kill|pid|log" >&2; exit 2 ;;
esac
