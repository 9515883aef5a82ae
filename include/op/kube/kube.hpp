#pragma once
// op::kube: our own Kubernetes client and controller runtime. It knows nothing about Stacks.
//
// - config.hpp:   kubeconfig (files, KUBECONFIG merge, contexts, token/tokenFile/exec plugin,
//                 client certs, CA) and in-cluster service-account configuration.
// - client.hpp:   HTTPS REST client on one shared io_context: pooled keep-alive connections,
//                 timeouts, QPS/burst limiting, 429/Retry-After retries, impersonation, verbs
//                 incl. server-side apply and streaming watch; blocking facades for workers.
// - resource.hpp: generic {group, version, plural, namespaced} addressing; api_error mapping.
// - informer.hpp: list(paginated)+watch(bookmarks) with relist on 410, backoff, resync, into a
//   store.hpp:    thread-safe store of immutable snapshots indexed by namespace/label/owner.
// - workqueue.hpp, rate_limiter.hpp: client-go workqueue semantics and limiters.
// - leader_election.hpp: Lease election; events.hpp: deduplicated events.k8s.io/v1 Events.
// yaml-cpp is linked privately for kubeconfig parsing only (the compose module owns YAML).
#include "op/kube/client.hpp"
#include "op/kube/config.hpp"
#include "op/kube/events.hpp"
#include "op/kube/informer.hpp"
#include "op/kube/io_runner.hpp"
#include "op/kube/leader_election.hpp"
#include "op/kube/rate_limiter.hpp"
#include "op/kube/resource.hpp"
#include "op/kube/store.hpp"
#include "op/kube/watch.hpp"
#include "op/kube/workqueue.hpp"
