#!/usr/bin/env bash
# A real local Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kwok (a simulated node, so pods become Running without a kubelet).
#
#   scripts/cluster.sh up                 build (cached) and start; returns when /readyz answers and
#                                         the node is Ready; prints how long each step took
#   scripts/cluster.sh down               stop exactly the processes `up` (and scripts/operator.sh)
#                                         started, remove state
#   scripts/cluster.sh status             what runs, with PIDs and RSS
#   scripts/cluster.sh env                `export` lines for KUBECONFIG and PATH (eval "$(... env)")
#   scripts/cluster.sh restart-apiserver  stop and start kube-apiserver (for watch-resilience tests)
#   scripts/cluster.sh restart-etcd [s]   stop etcd, wait s seconds (default 0), start it again with
#                                         its data (kube-apiserver stays up and reconnects)
#
# Users (static tokens): admin (system:masters), alice and bob (no rights until granted).
# Kubeconfigs: .cluster/kubeconfig (admin), .cluster/alice.kubeconfig, .cluster/bob.kubeconfig.
# A client CA for certificate users is at .cluster/pki/client-ca.{crt,key}.
# Env: OP_CLUSTER_DIR (default <repo>/.cluster), OP_APISERVER_PORT (36443), OP_ETCD_PORT (23790),
#      OP_PV_POOL (number of pre-created PersistentVolumes, 250).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${OP_CLUSTER_DIR:-$ROOT/.cluster}
APISERVER_PORT=${OP_APISERVER_PORT:-36443}
ETCD_PORT=${OP_ETCD_PORT:-23790}
ETCD_PEER_PORT=$((ETCD_PORT + 1))
PV_POOL=${OP_PV_POOL:-250}
NODE_NAME=kwok-node-0
SERVICE_CIDR=10.96.0.0/16
# --service-node-port-range 20000-52767 (32,768 ports, the default has 2,768): nothing binds a
# NodePort here (no kube-proxy), and bench_converge publishes two per stack for 2,000 stacks.

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

kubectl_bin() {
    if [ -x "$DIR/bin/kubectl" ]; then echo "$DIR/bin/kubectl"; else command -v kubectl; fi
}
kc() { "$(kubectl_bin)" --kubeconfig "$DIR/kubeconfig" "$@"; }

pid_of() { [ -f "$DIR/pids/$1.pid" ] && cat "$DIR/pids/$1.pid" || true; }
alive() { local p; p=$(pid_of "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

start_proc() { # name binary args...
    local name=$1; shift
    mkdir -p "$DIR/logs" "$DIR/pids"
    setsid "$@" >"$DIR/logs/$name.log" 2>&1 < /dev/null &
    echo $! > "$DIR/pids/$name.pid"
}

stop_proc() { # name: SIGTERM, wait up to 10 s, then SIGKILL; only the PID we recorded.
    local name=$1 p i
    p=$(pid_of "$name")
    [ -n "$p" ] || return 0
    if kill -0 "$p" 2>/dev/null; then
        kill "$p" 2>/dev/null || true
        for i in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null || true
    fi
    rm -f "$DIR/pids/$name.pid"
}

wait_for() { # description timeout_s command...: polls every 0.2 s
    local what=$1 timeout=$2 t0=$SECONDS; shift 2
    until "$@" >/dev/null 2>&1; do
        if [ $((SECONDS - t0)) -ge "$timeout" ]; then
            log "timed out after ${timeout}s waiting for $what"
            return 1
        fi
        sleep 0.2
    done
}

timed() { # name command...: runs a step and prints its duration
    local name=$1 t0; shift
    t0=$(date +%s.%N)
    "$@"
    log "$(printf '%-28s %6.1fs' "$name" "$(echo "$(date +%s.%N) - $t0" | bc)")"
}

# ---------------------------------------------------------------------------------------------
make_pki() {
    local p="$DIR/pki"
    [ -f "$p/done" ] && return 0
    mkdir -p "$p"
    (
        cd "$p"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
            -subj "/CN=compose-operator-local-ca" -keyout ca.key -out ca.crt 2>/dev/null
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
            -subj "/CN=compose-operator-local-client-ca" -keyout client-ca.key -out client-ca.crt 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -subj "/CN=kube-apiserver" -keyout apiserver.key -out apiserver.csr 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\n' > apiserver.ext
        openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
            -extfile apiserver.ext -out apiserver.crt 2>/dev/null
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key 2>/dev/null
        openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
        {
            echo "admin-token-$(openssl rand -hex 16),admin,uid-admin,\"system:masters\""
            echo "alice-token-$(openssl rand -hex 16),alice,uid-alice,\"developers,system:authenticated\""
            echo "bob-token-$(openssl rand -hex 16),bob,uid-bob,\"developers,system:authenticated\""
        } > tokens.csv
        touch done
    )
}

token_of() { grep ",$1,uid-$1," "$DIR/pki/tokens.csv" | cut -d, -f1; }

write_kubeconfig() { # user file
    cat > "$2" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority: $DIR/pki/ca.crt
users:
- name: $1
  user:
    token: $(token_of "$1")
contexts:
- name: $1@local
  context:
    cluster: local
    user: $1
    namespace: default
current-context: $1@local
EOF
    chmod 600 "$2"
}

start_etcd() {
    start_proc etcd "$BIN/etcd" --name local --data-dir "$DIR/etcd" \
        --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
        --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
        --initial-cluster "local=http://127.0.0.1:$ETCD_PEER_PORT" \
        --unsafe-no-fsync --auto-compaction-retention=1 --quota-backend-bytes=4294967296 --log-level=warn
    wait_for "etcd health" 60 curl -sf "http://127.0.0.1:$ETCD_PORT/health"
}

start_apiserver() {
    start_proc kube-apiserver "$BIN/kube-apiserver" \
        --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
        --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
        --tls-cert-file "$DIR/pki/apiserver.crt" --tls-private-key-file "$DIR/pki/apiserver.key" \
        --client-ca-file "$DIR/pki/client-ca.crt" --token-auth-file "$DIR/pki/tokens.csv" \
        --authorization-mode RBAC --allow-privileged=true \
        --enable-admission-plugins OwnerReferencesPermissionEnforcement \
        --service-account-issuer "https://kubernetes.default.svc.cluster.local" \
        --service-account-key-file "$DIR/pki/sa.pub" --service-account-signing-key-file "$DIR/pki/sa.key" \
        --service-cluster-ip-range "$SERVICE_CIDR" --endpoint-reconciler-type none \
        --service-node-port-range 20000-52767 \
        --enable-priority-and-fairness=false --max-requests-inflight 0 --max-mutating-requests-inflight 0 \
        --storage-media-type application/json \
        --v 0
    wait_for "kube-apiserver /readyz" 120 \
        curl -sf --cacert "$DIR/pki/ca.crt" -H "Authorization: Bearer $(token_of admin)" \
        "https://127.0.0.1:$APISERVER_PORT/readyz"
}

start_controllers() {
    start_proc kube-controller-manager "$BIN/kube-controller-manager" \
        --kubeconfig "$DIR/kubeconfig" --authentication-kubeconfig "$DIR/kubeconfig" \
        --authorization-kubeconfig "$DIR/kubeconfig" --leader-elect=false --secure-port 0 \
        --service-account-private-key-file "$DIR/pki/sa.key" --root-ca-file "$DIR/pki/ca.crt" \
        --controllers '*' --concurrent-deployment-syncs 10 --concurrent-replicaset-syncs 10 \
        --concurrent-statefulset-syncs 10 --concurrent-daemonset-syncs 10 --concurrent-gc-syncs 20 \
        --kube-api-qps 200 --kube-api-burst 400 --v 0
    start_proc kube-scheduler "$BIN/kube-scheduler" \
        --kubeconfig "$DIR/kubeconfig" --authentication-kubeconfig "$DIR/kubeconfig" \
        --authorization-kubeconfig "$DIR/kubeconfig" --leader-elect=false --secure-port 0 \
        --kube-api-qps 200 --kube-api-burst 400 --v 0
    start_proc kwok "$BIN/kwok" --kubeconfig "$DIR/kubeconfig" --manage-all-nodes=true \
        --cidr 10.244.0.1/16 --node-ip 127.0.0.1 --node-lease-duration-seconds 40 \
        --server-address 127.0.0.1:0 -c "$DIR/kwok.yaml"
}

create_objects() {
    kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: $NODE_NAME
    type: kwok
status:
  allocatable: {cpu: "64", memory: 512Gi, pods: "2000"}
  capacity: {cpu: "64", memory: 512Gi, pods: "2000"}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Retain
EOF
    local i f="$DIR/pvs.yaml"
    : > "$f"
    for i in $(seq -w 1 "$PV_POOL"); do
        cat >> "$f" <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: local-pv-$i
  labels: {compose-operator.local/pool: "true"}
spec:
  capacity: {storage: 100Gi}
  accessModes: [ReadWriteOnce, ReadOnlyMany, ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: standard
  hostPath: {path: /tmp/compose-operator-pv/$i}
EOF
    done
    kc apply --server-side -f "$f" >/dev/null
}

node_ready() {
    [ "$(kc get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]
}

cmd_up() {
    local t_all=$SECONDS
    if alive kube-apiserver && alive etcd && curl -sf --cacert "$DIR/pki/ca.crt" \
        -H "Authorization: Bearer $(token_of admin)" "https://127.0.0.1:$APISERVER_PORT/readyz" >/dev/null 2>&1; then
        log "already up (kubeconfig: $DIR/kubeconfig)"
        return 0
    fi
    cmd_down quiet
    for tool in curl openssl bc; do command -v $tool >/dev/null || die "$tool is missing: run scripts/setup.sh"; done
    local t0=$SECONDS
    BIN=$(bash "$ROOT/scripts/build-control-plane.sh" | tail -1)
    log "$(printf '%-28s %6ss' 'binaries (build or cache)' $((SECONDS - t0)))"
    mkdir -p "$DIR/bin"
    [ -x "$BIN/kubectl" ] && ln -sf "$BIN/kubectl" "$DIR/bin/kubectl"
    echo "$BIN" > "$DIR/binpath"
    timed "certificates and tokens" make_pki
    write_kubeconfig admin "$DIR/kubeconfig"
    write_kubeconfig alice "$DIR/alice.kubeconfig"
    write_kubeconfig bob "$DIR/bob.kubeconfig"
    : > "$DIR/kwok.yaml"  # kwok v0.7.0 uses its built-in node and pod stages when none are configured
    timed "etcd" start_etcd
    timed "kube-apiserver" start_apiserver
    timed "controllers, scheduler, kwok" start_controllers
    timed "node, storage class, PVs" create_objects
    timed "node Ready" wait_for "node $NODE_NAME Ready" 120 node_ready
    timed "default service account" wait_for "default service account" 60 kc get serviceaccount default -n default
    log "up in $((SECONDS - t_all))s; use: eval \"\$(scripts/cluster.sh env)\""
}

cmd_down() {
    local quiet=${1:-}
    local n
    # The operator first (scripts/operator.sh records its PID here), then the control plane.
    for n in "$DIR"/pids/compose-operator-*.pid; do [ -f "$n" ] && stop_proc "$(basename "$n" .pid)"; done
    for n in compose-operator kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_proc "$n"; done
    rm -rf "$DIR/etcd" "$DIR/pids" "$DIR/logs" "$DIR/pvs.yaml" "$DIR/operator"
    [ -z "$quiet" ] && log "down"
    return 0
}

cmd_status() {
    local n p rss any=0
    for n in etcd kube-apiserver kube-controller-manager kube-scheduler kwok compose-operator; do
        p=$(pid_of "$n")
        if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
            rss=$(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null)
            printf '%-26s running  pid %-8s rss %6d MiB\n' "$n" "$p" "$((rss / 1024))"
            any=1
        else
            printf '%-26s stopped\n' "$n"
        fi
    done
    [ $any -eq 1 ]
}

cmd_env() {
    echo "export KUBECONFIG=$DIR/kubeconfig"
    [ -d "$DIR/bin" ] && echo "export PATH=$DIR/bin:\$PATH"
    return 0
}

cmd_restart_apiserver() {
    BIN=$(cat "$DIR/binpath")
    stop_proc kube-apiserver
    timed "kube-apiserver restart" start_apiserver
}

cmd_restart_etcd() {
    BIN=$(cat "$DIR/binpath")
    stop_proc etcd
    sleep "${1:-0}"
    timed "etcd restart" start_etcd
}

case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    restart-apiserver) cmd_restart_apiserver ;;
    restart-etcd) cmd_restart_etcd "${2:-0}" ;;
    *) echo "usage: $0 up|down|status|env|restart-apiserver|restart-etcd [seconds]" >&2; exit 2 ;;
esac
