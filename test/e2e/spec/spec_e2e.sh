#!/usr/bin/env bash
# Issue 10, the rest of the Compose Specification: a stack using depends_on conditions, profiles,
# resources, shm_size, sysctls, hooks and an Ingress reaches Ready with the expected children;
# removing the expose prunes the Ingress. About 16 s on the loaded 2-core machine (measured).
source "$(dirname "$0")/../lib/common.sh"
new_namespace spec
trap 'kubectl delete namespace $NS --wait=false >/dev/null 2>&1 || true; operator restart >/dev/null 2>&1 || true' EXIT
operator restart --wait-image registry.example/tools/wait:1 >/dev/null
get() { kubectl -n "$NS" get "$1" -o jsonpath="$2"; }

out=$(kubectl -n "$NS" apply -f "$(dirname "$0")/stack.yaml" 2>&1)
check "the webhook warns that the profiled service is not deployed" \
    contains "$out" "services.debug" "not deployed" "--profile debug"
eventually 120 "the stack becomes Ready" kubectl -n "$NS" wait --for=condition=Ready stack/spec --timeout=2s
check "db, cache and web are Deployments; debug (profile debug) is not deployed" \
    bash -c "kubectl -n $NS get deploy db cache web >/dev/null && ! kubectl -n $NS get deploy debug >/dev/null 2>&1"

# depends_on -> init containers with the run flag's image
check "web waits for db and cache in init containers" \
    [ "$(get deploy/web '{.spec.template.spec.initContainers[*].name}')" = "wait-for-db wait-for-cache" ]
check "the init containers use --wait-image" \
    [ "$(get deploy/web '{.spec.template.spec.initContainers[0].image}')" = registry.example/tools/wait:1 ]
args() { get deploy/web "{.spec.template.spec.initContainers[$1].command[4]}|{.spec.template.spec.initContainers[$1].command[5]}|{.spec.template.spec.initContainers[$1].command[6]}"; }
check "service_healthy waits for db's name to resolve (ready pods only), without a deadline" [ "$(args 0)" = "db||0" ]
check "service_started waits for cache's first port; required: false gives up after 60 s" [ "$(args 1)" = "cache|6379|60" ]

# resources, shm_size, sysctls, group_add, hooks
check "cpus and mem_limit are the container's limits" \
    [ "$(get deploy/db '{.spec.template.spec.containers[0].resources.limits.cpu} {.spec.template.spec.containers[0].resources.limits.memory}')" = "500m 512Mi" ]
check "shm_size is a memory emptyDir at /dev/shm" \
    [ "$(get deploy/db '{.spec.template.spec.volumes[?(@.name=="dshm")].emptyDir.sizeLimit} {.spec.template.spec.containers[0].volumeMounts[?(@.name=="dshm")].mountPath}')" = "128Mi /dev/shm" ]
check "sysctls and group_add are the pod's securityContext" \
    [ "$(get deploy/web '{.spec.template.spec.securityContext.sysctls[0].name}={.spec.template.spec.securityContext.sysctls[0].value} {.spec.template.spec.securityContext.supplementalGroups[0]}')" = "net.ipv4.tcp_syncookies=1 2000" ]
check "pre_stop is the container's preStop hook" \
    [ "$(get deploy/web '{.spec.template.spec.containers[0].lifecycle.preStop.exec.command[*]}')" = "nginx -s quit" ]

# x-kubernetes: serviceType and expose
check "serviceType: ClusterIP for web-published" [ "$(get svc/web-published '{.spec.type}')" = ClusterIP ]
check "expose is an Ingress for shop.example.com -> web-published:8080 with TLS and class" \
    [ "$(get ingress/web '{.spec.rules[0].host} {.spec.rules[0].http.paths[0].backend.service.name}:{.spec.rules[0].http.paths[0].backend.service.port.number} {.spec.tls[0].secretName} {.spec.ingressClassName}')" = "shop.example.com web-published:8080 shop-tls nginx" ]
check "the Ingress is controlled by the stack" \
    [ "$(get ingress/web '{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}')" = Stack/spec ]

# Drop the expose: the Ingress is pruned, the rest stays Ready.
sed '/x-kubernetes:/,/expose:/d' "$(dirname "$0")/stack.yaml" | kubectl -n "$NS" apply -f - >/dev/null
eventually 60 "removing expose prunes the Ingress" bash -c "! kubectl -n $NS get ingress web >/dev/null 2>&1"
eventually 60 "web-published is back to the default type" \
    bash -c "[ \"\$(kubectl -n $NS get svc web-published -o jsonpath='{.spec.type}')\" = LoadBalancer ]"
eventually 60 "and the stack is Ready again" kubectl -n "$NS" wait --for=condition=Ready stack/spec --timeout=2s
finish
