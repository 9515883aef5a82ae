#!/usr/bin/env bash
# Flux drives stacks from Git, with the real controllers: source-controller and
# kustomize-controller v1.9.6 (scripts/build-flux.sh, built from their Go modules) run as processes
# against the local cluster, each as its own ServiceAccount (a kubeconfig with that account's
# token; RBAC in rbac.yaml, namespaced: both watch only the test namespace). A bare Git repository
# is served on loopback by git_http.py (`git http-backend`, smart HTTP for go-git). Kustomizations
# name a serviceAccountName, which kustomize-controller impersonates, so each stack's author is
# that account:
#   app    (deployer)   a stack whose claim waits for a PersistentVolume: the Kustomization stays
#                       not Ready while the stack is Reconciling, Ready once the stack is; a commit
#                       changing an image rolls out and the Kustomization is Ready on it
#   denied (restricted) a stack that needs a Service its author may not create: Stalled, and the
#                       Kustomization fails its health check naming the stack as Failed
# Both Kustomizations carry the health checks the README documents (deploy/flux/stack-health.yaml):
# kstatus alone reads a new Stack, which has no status until the operator's first write, as Current.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
HERE=$ROOT/test/e2e/flux

flux_bin=$(bash "$ROOT/scripts/build-flux.sh" | tail -1) || { echo "FAIL - building the Flux controllers"; exit 1; }
mapfile -t crd_dirs < <(bash "$ROOT/scripts/build-flux.sh" crds)
tool=$(bash "$ROOT/scripts/build-test-tool.sh" gitops-check | tail -1) || { echo "FAIL - building gitops-check"; exit 1; }

base=${OP_FLUX_PORT_BASE:-$((OP_PROBE_PORT + 20))}
SC_METRICS=$base SC_HEALTH=$((base + 1)) SC_STORAGE=$((base + 2))
KC_METRICS=$((base + 3)) KC_HEALTH=$((base + 4)) GIT_PORT=$((base + 5))

work=$(mktemp -d)
pids=()
cleanup() {
    set +e
    if [ -n "${NS:-}" ]; then  # while the controllers run, so their finalizers (and prune) finish
        kubectl -n "$NS" delete kustomizations.kustomize.toolkit.fluxcd.io --all --timeout=60s >/dev/null 2>&1
        kubectl -n "$NS" delete gitrepositories.source.toolkit.fluxcd.io --all --timeout=30s >/dev/null 2>&1
    fi
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    if [ -n "${NS:-}" ]; then
        for r in kustomizations.kustomize.toolkit.fluxcd.io gitrepositories.source.toolkit.fluxcd.io; do
            kubectl -n "$NS" get "$r" -o name 2>/dev/null | xargs -r -I{} kubectl -n "$NS" patch {} --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1
        done
        kubectl -n "$NS" delete stacks --all --timeout=60s >/dev/null 2>&1
    fi
    release_lease
    operator stop >/dev/null 2>&1
    [ -n "${PV:-}" ] && kubectl delete pv "$PV" --wait=false >/dev/null 2>&1
    [ -n "${NS:-}" ] && kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1
    if [ "$FAILS" -gt 0 ]; then
        for f in "$work"/*.log; do echo "---- last lines of $(basename "$f")"; tail -25 "$f"; done
    fi
    rm -rf "$work"
}
trap cleanup EXIT

for d in "${crd_dirs[@]}"; do kubectl apply --server-side -f "$d" >/dev/null; done
established() { [ "$(kubectl get "crd/$1" -o jsonpath='{.status.conditions[?(@.type=="Established")].status}')" = True ]; }
eventually 60 "the Flux CRDs are established" \
    bash -c "$(declare -f established); established gitrepositories.source.toolkit.fluxcd.io && established kustomizations.kustomize.toolkit.fluxcd.io"

# Another identity holds the operator's Lease at first, so the webhooks serve (stacks are admitted)
# but nothing reconciles: a new Stack has no status until the test releases the Lease (part 0).
operator stop >/dev/null 2>&1 || true
hold_lease e2e-flux-paused
operator start --leader-elect >/dev/null
NS="e2e-flux-$(date +%s)-$RANDOM"
kubectl create namespace "$NS" >/dev/null
sed "s/NAMESPACE/$NS/g" "$HERE/rbac.yaml" | kubectl apply -f - >/dev/null

# sa_kubeconfig <account>: a kubeconfig with a token of the account (TokenRequest, 2 h).
server=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')
ca=$(kubectl config view --raw --minify --flatten -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
sa_kubeconfig() {
    local f=$work/$1.kubeconfig token
    token=$(kubectl -n "$NS" create token "$1" --duration=2h)
    cat > "$f" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "$server", certificate-authority-data: "$ca"}}]
users: [{name: $1, user: {token: "$token"}}]
contexts: [{name: $1, context: {cluster: local, user: $1, namespace: $NS}}]
current-context: $1
YAML
    echo "$f"
}

# ---- the Git repository ----
mkdir -p "$work/srv" "$work/storage"
git init -q --bare -b main "$work/srv/app.git"
git clone -q "$work/srv/app.git" "$work/repo" 2>/dev/null
PV=flux-$NS
slow_class=flux-slow-$NS   # no PersistentVolume of this class until the test makes one
write_app() { # image of web
    mkdir -p "$work/repo/app" "$work/repo/denied"
    cat > "$work/repo/app/stack.yaml" <<YAML
apiVersion: compose.docker.com/v1beta2
kind: Stack
metadata: {name: shop}
spec:
  services:
  - {name: web, image: "$1", deploy: {replicas: 2}}
  - name: db
    image: postgres:16
    volumes: [{type: volume, source: data, target: /var/lib/postgresql/data}]
  volumes:
    data: {storageClassName: $slow_class}
YAML
    cat > "$work/repo/denied/stack.yaml" <<YAML
apiVersion: compose.docker.com/v1beta2
kind: Stack
metadata: {name: blog}
spec:
  services:
  - {name: blog, image: "wordpress:6", ports: [{target: 80, published: 8080}]}
YAML
}
commit() { # message: commits the work tree, pushes, prints the revision as Flux writes it
    git -C "$work/repo" add -A
    git -C "$work/repo" -c user.name=e2e -c user.email=e2e@example.invalid commit -qm "$1"
    git -C "$work/repo" push -q origin HEAD:main 2>/dev/null
    echo "main@sha1:$(git -C "$work/repo" rev-parse HEAD)"
}
write_app nginx:1.27
rev1=$(commit "shop with nginx:1.27")

python3 "$HERE/git_http.py" "$work/srv" "$GIT_PORT" 2>"$work/git-http.log" &
pids+=($!)
check "the Git server answers the smart HTTP protocol" \
    bash -c "for i in \$(seq 50); do git ls-remote http://127.0.0.1:$GIT_PORT/app.git >/dev/null 2>&1 && exit 0; sleep 0.2; done; exit 1"

# ---- the controllers, each as its own ServiceAccount ----
start_controller() { # name health-port args...
    local name=$1 health=$2 kc; shift 2
    kc=$(sa_kubeconfig "$name")
    KUBECONFIG=$kc RUNTIME_NAMESPACE=$NS "$flux_bin/$name" --watch-all-namespaces=false \
        --enable-leader-election=false --health-addr "127.0.0.1:$health" "$@" >"$work/$name.log" 2>&1 &
    pids+=($!)
    eventually 90 "$name is ready as system:serviceaccount:$NS:$name" \
        curl -sf "http://127.0.0.1:$health/readyz"
}
start_controller source-controller "$SC_HEALTH" --metrics-addr "127.0.0.1:$SC_METRICS" \
    --storage-path "$work/storage" --storage-addr "127.0.0.1:$SC_STORAGE" --storage-adv-addr "127.0.0.1:$SC_STORAGE"
start_controller kustomize-controller "$KC_HEALTH" --metrics-addr "127.0.0.1:$KC_METRICS" --no-remote-bases=true

# The shipped entries, indented under spec.healthCheckExprs (comments dropped).
health_exprs=$(grep -v '^#' "$ROOT/deploy/flux/stack-health.yaml" | sed 's/^/  /')
kubectl apply -f - >/dev/null <<YAML
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: app, namespace: $NS}
spec:
  url: http://127.0.0.1:$GIT_PORT/app.git
  ref: {branch: main}
  interval: 10s
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: app, namespace: $NS}
spec:
  sourceRef: {kind: GitRepository, name: app}
  path: ./app
  targetNamespace: $NS
  serviceAccountName: deployer
  prune: true
  wait: true
  healthCheckExprs:
$health_exprs
  timeout: 3m
  interval: 1m
  retryInterval: 5s
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: denied, namespace: $NS}
spec:
  sourceRef: {kind: GitRepository, name: app}
  path: ./denied
  targetNamespace: $NS
  serviceAccountName: restricted
  prune: true
  wait: true
  healthCheckExprs:
$health_exprs
  timeout: 1m
  interval: 1m
  retryInterval: 10s
YAML

ks_field() { kubectl -n "$NS" get kustomizations.kustomize.toolkit.fluxcd.io "$1" -o jsonpath="$2" 2>/dev/null || true; }
ks_ready() { ks_field "$1" '{.status.conditions[?(@.type=="Ready")].status}'; }
ks_ready_on() { [ "$(ks_ready "$1")" = True ] && [ "$(ks_field "$1" '{.status.lastAppliedRevision}')" = "$2" ]; }
stack_cond() { kubectl -n "$NS" get "stack/$1" -o jsonpath="{.status.conditions[?(@.type==\"$2\")].$3}" 2>/dev/null || true; }
stack_is() { # stack condition: the condition is True for the current generation
    [ "$(stack_cond "$1" "$2" status)" = True ] &&
        [ "$(kubectl -n "$NS" get "stack/$1" -o jsonpath='{.status.observedGeneration}')" = \
          "$(kubectl -n "$NS" get "stack/$1" -o jsonpath='{.metadata.generation}')" ]
}

eventually 90 "the GitRepository has an artifact of the first commit" \
    bash -c "[ \"\$(kubectl -n $NS get gitrepositories.source.toolkit.fluxcd.io app -o jsonpath='{.status.artifact.revision}')\" = '$rev1' ]"
eventually 90 "kustomize-controller applied the stack (as deployer)" kubectl -n "$NS" get stack/shop
check "the stack's author is the Kustomization's service account" \
    contains "$(annotation "$NS" shop compose.docker.com/owner)" "\"username\":\"system:serviceaccount:$NS:deployer\""

# ---- 0. A new Stack has no status until the operator's first write: not healthy yet. ----
# (kstatus alone reads such an object as Current; the healthCheckExprs make it wait.)
samples=0 early=0 with_status=0
for _ in $(seq 15); do
    [ "$(ks_ready app)" = True ] && early=$((early + 1))
    [ -n "$(kubectl -n "$NS" get stack/shop -o jsonpath='{.status}')" ] && with_status=$((with_status + 1))
    samples=$((samples + 1))
    sleep 1
done
check "the new stack has no status while the operator is not leading ($with_status of $samples samples had one)" [ "$with_status" -eq 0 ]
check "kstatus alone would call it Current (why the health checks are needed)" \
    bash -c "kubectl -n $NS get stack/shop -o json | '$tool' kstatus - | grep -q '^Current'"
check "the Kustomization is not Ready on a stack without status ($early of $samples samples were)" [ "$early" -eq 0 ]
check "... its health check is running (reason $(ks_field app '{.status.conditions[?(@.type=="Ready")].reason}'))" \
    [ "$(ks_field app '{.status.conditions[?(@.type=="Ready")].reason}')" = Progressing ]
release_lease
eventually 60 "shop is Reconciling once the operator leads (its claim has no volume yet)" stack_is shop Reconciling

# ---- 1. Ready only when the stack is: sample both while the stack cannot be Ready. ----
samples=0 early=0
for _ in $(seq 20); do
    k=$(ks_ready app) s=$(stack_cond shop Ready status)
    samples=$((samples + 1))
    [ "$k" = True ] && [ "$s" != True ] && early=$((early + 1))
    sleep 1
done
check "the Kustomization is not Ready while the stack is Reconciling ($early of $samples samples were)" [ "$early" -eq 0 ]
check "the Kustomization is running its health check (Ready: $(ks_ready app), $(ks_field app '{.status.conditions[?(@.type=="Ready")].reason}'))" \
    [ "$(ks_field app '{.status.conditions[?(@.type=="Ready")].reason}')" = Progressing ]
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolume
metadata: {name: $PV}
spec:
  capacity: {storage: 100Gi}
  accessModes: [ReadWriteOnce, ReadOnlyMany, ReadWriteMany]
  persistentVolumeReclaimPolicy: Delete
  storageClassName: $slow_class
  hostPath: {path: /tmp/compose-operator-pv/$PV}
YAML
# Until the Kustomization is Ready, every sample where it is Ready must see the stack Ready too.
# kube-scheduler retries a pod that was unschedulable for an unbound claim when the claim binds,
# but under load that wake-up can be missed, and the pod then waits for the scheduler's 5-minute
# flush of unschedulable pods (a rehearsal saw db-0 Pending for 6 minutes with its claim Bound).
# Scheduling is not what this suite tests: 30 s after the claim is Bound, a db-0 still without a
# node is deleted once, and its StatefulSet's new pod is scheduled at once. The count is printed.
t0=$SECONDS early=0 bound_at= nudged=0
until ks_ready_on app "$rev1" || [ $((SECONDS - t0)) -ge 180 ]; do
    k=$(ks_ready app) s=$(stack_cond shop Ready status)
    [ "$k" = True ] && [ "$s" != True ] && early=$((early + 1))
    if [ -z "$bound_at" ]; then
        [ "$(kubectl -n "$NS" get pvc data-db-0 -o jsonpath='{.status.phase}' 2>/dev/null)" = Bound ] && bound_at=$SECONDS
    elif [ "$nudged" -eq 0 ] && [ $((SECONDS - bound_at)) -ge 30 ] &&
         [ -z "$(kubectl -n "$NS" get pod db-0 -o jsonpath='{.spec.nodeName}' 2>/dev/null)" ]; then
        echo "     db-0 unscheduled $((SECONDS - bound_at))s after its claim was bound: deleting it once"
        kubectl -n "$NS" delete pod db-0 --wait=false >/dev/null 2>&1 || true
        nudged=1
    fi
    sleep 0.5
done
echo "     claim bound after $([ -n "$bound_at" ] && echo "$((bound_at - t0))s" || echo never), db-0 deleted $nudged time(s)"
if ! ks_ready_on app "$rev1"; then
    kubectl -n "$NS" get pvc,pod,statefulset,deployment -o wide 2>&1 | sed 's/^/     /'
fi
check "the Kustomization becomes Ready on the first commit once its volume exists ($((SECONDS - t0))s)" ks_ready_on app "$rev1"
check "... and the stack is Ready then" stack_is shop Ready
check "... and it was never Ready before the stack ($early samples were)" [ "$early" -eq 0 ]

# ---- 2. Stalled: the author may not create Services. ----
eventually 90 "blog (by restricted, which may not create Services) is Stalled" stack_is blog Stalled
stalled_msg=$(stack_cond blog Stalled message)
check "blog's author is restricted" \
    contains "$(annotation "$NS" blog compose.docker.com/owner)" "\"username\":\"system:serviceaccount:$NS:restricted\""
# Reason and message are read together: kustomize-controller retries every 10 s and each retry
# first sets Ready to Unknown "Reconciliation in progress", so two separate reads can straddle one.
t0=$SECONDS ks_reason= ks_msg=
until [ "$ks_reason" = HealthCheckFailed ] || [ $((SECONDS - t0)) -ge 120 ]; do
    sleep 0.5
    IFS=$'\t' read -r ks_reason ks_msg < <(ks_field denied '{.status.conditions[?(@.type=="Ready")].reason}{"\t"}{.status.conditions[?(@.type=="Ready")].message}{"\n"}') || true
done
check "the denied Kustomization fails its health check ($((SECONDS - t0))s)" [ "$ks_reason" = HealthCheckFailed ]
echo "     denied: $ks_msg"
echo "     blog:   $stalled_msg"
check "its message names the stack as Failed (kstatus)" contains "$ks_msg" "Stack/$NS/blog status: 'Failed'"
check "kstatus, as Flux computes it, is Failed with the stack's message" \
    [ "$(kubectl -n "$NS" get stack/blog -o json | "$tool" kstatus -)" = "Failed"$'\t'"$stalled_msg" ]
check "the stack's message names the missing right" contains "$stalled_msg" services
check "the app Kustomization is unaffected" ks_ready_on app "$rev1"

# ---- 3. A commit that changes the image rolls out. ----
write_app nginx:1.28
rev2=$(commit "web: nginx:1.28")
kubectl -n "$NS" annotate --overwrite gitrepositories.source.toolkit.fluxcd.io app "reconcile.fluxcd.io/requestedAt=$(date +%s)" >/dev/null
eventually 90 "the GitRepository has an artifact of the second commit" \
    bash -c "[ \"\$(kubectl -n $NS get gitrepositories.source.toolkit.fluxcd.io app -o jsonpath='{.status.artifact.revision}')\" = '$rev2' ]"
eventually 120 "deployment/web rolls out nginx:1.28" \
    bash -c "[ \"\$(kubectl -n $NS get deploy/web -o jsonpath='{.spec.template.spec.containers[0].image}')\" = nginx:1.28 ]"
eventually 180 "the Kustomization is Ready on the second commit" ks_ready_on app "$rev2"
check "... and the stack is Ready on its new generation" stack_is shop Ready
check "the stack's author is still deployer" \
    contains "$(annotation "$NS" shop compose.docker.com/owner)" "\"username\":\"system:serviceaccount:$NS:deployer\""

finish
