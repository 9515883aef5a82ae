#pragma once
// Informer event handlers: they only turn an event into a workqueue key (style rule 5). A Stack
// event enqueues the stack itself; a child event (Deployment, StatefulSet, DaemonSet, Service,
// ConfigMap, Secret) enqueues the Stack named by the child's controller ownerReference (kind
// Stack, apiVersion compose.docker.com/*). Objects with no such controller are ignored. Updates
// with an unchanged resourceVersion are skipped, but resync deltas are not: a resync is how a
// stack Stalled on something no event reports (a conflicting object of someone else's that was
// deleted) recovers. Deletes carry the last known state (the store unwraps tombstones), so they
// map like any other event.
#include "op/kube/resource.hpp"
#include "op/kube/store.hpp"
#include "op/kube/workqueue.hpp"

#include <rapidjson/document.h>

#include <optional>
#include <string>

namespace op::reconcile {

// The name of the Stack that controls `obj`, or nullopt when its controller ownerReference is
// missing or is not a compose.docker.com Stack.
[[nodiscard]] std::optional<std::string> controlling_stack(rapidjson::Value const& obj);

// The workqueue key ("namespace/name") of the Stack controlling a child, or nullopt.
[[nodiscard]] std::optional<std::string> owner_stack_key(rapidjson::Value const& child);

class event_handlers {
public:
    explicit event_handlers(kube::workqueue& queue) : queue_(queue) {}

    // For the Stack informer: enqueues the stack's key (a resync of a Stalled stack through the
    // rate limiter).
    void on_stack(kube::delta const& d);
    // For every children informer: enqueues the controlling stack of the new and, when the
    // controller changed, of the old object.
    void on_child(kube::delta const& d);

private:
    kube::workqueue& queue_;
};

}  // namespace op::reconcile
