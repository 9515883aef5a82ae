#pragma once
// The reconcile module: stack_reconciler turns one Stack key into the Kubernetes objects its
// spec asks for, level-triggered (it never sees the event that caused the call, style rule 1).
//
// One pass: read the Stack from the informer cache; decode it (hub); verify the owner recorded by
// the admission webhook; map it to desired objects; server-side apply each one as the owner
// (skipping objects whose cached state already matches); prune the stack's cached children that
// are no longer desired (same label AND controller ownerReference uid; never PVCs); then write
// status conditions (Ready / Reconciling / Stalled, phase, per-service counts) when they changed.
//
// Terminal failures (bad spec, unverified owner, 403, a name owned by someone else) are not
// errors to the worker: they become Stalled=True plus a Warning Event and return done (or a slow
// requeue for 403, since RBAC may be granted later). Transient failures are returned as errors
// so the worker requeues with rate-limited backoff. Dependencies are the interfaces in
// op/reconcile/ports.hpp, the mapper function and a clock; see kube_adapters.hpp for the real ones.
#include "op/api/hub.hpp"
#include "op/kube/resource.hpp"
#include "op/mapping/mapping.hpp"
#include "op/reconcile/ports.hpp"
#include "op/reconcile/status.hpp"
#include "op/util/clock.hpp"
#include "op/util/error.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace op::reconcile {

// What the worker should do with the key after a successful pass.
struct requeue {
    std::optional<std::chrono::nanoseconds> delay;  // nullopt: done (wait for the next event)
    // The pass stalled on something that may clear by itself (a 403 right after an API server
    // restart, or RBAC granted later): retry through the key's exponential backoff (5 ms
    // doubling, its failure count kept), never later than `delay`.
    bool backoff = false;

    [[nodiscard]] static requeue done() { return {std::nullopt, false}; }
    [[nodiscard]] static requeue after(std::chrono::nanoseconds d) { return {d, false}; }
    [[nodiscard]] static requeue backoff_up_to(std::chrono::nanoseconds d) { return {d, true}; }
    friend bool operator==(requeue const&, requeue const&) = default;
};

// Maps a hub Stack to its desired objects (apply configurations). Normally mapping::map_stack
// with the operator's options (make_mapper); tests inject their own.
using mapper = std::function<result<std::vector<mapping::k8s_object>>(api::stack const&)>;

// mapping::map_stack(stack, options), keeping only the objects (warnings are the webhook's job).
[[nodiscard]] mapper make_mapper(mapping::mapping_options options = {});

enum class impersonation_mode {
    owner,  // verify the signed owner annotation and act as that user (default)
    none,   // no verification; act as the operator's own service account (documented trade-off)
};

struct reconciler_options {
    impersonation_mode impersonation = impersonation_mode::owner;
    // Longest requeue of a stack stalled on 403 (requeue::backoff_up_to): RBAC may be granted
    // later, and a grant emits no event on the stack; an API server that has just restarted
    // answers 403 until its authorizer has synced, which the first fast retries ride out.
    std::chrono::nanoseconds forbidden_retry = std::chrono::minutes(5);
    // Requeue while waiting for a previous stack's children to be garbage collected, or for a
    // child being deleted to disappear.
    std::chrono::nanoseconds gc_wait = std::chrono::seconds(5);
    // Poll interval while not Ready. 0 (default) relies on the children informers: every change
    // of an owned Deployment/StatefulSet/DaemonSet enqueues its stack (handlers.hpp), so polling
    // is only needed when main runs without children informers.
    std::chrono::nanoseconds not_ready_poll{0};
    // Called on every pass that ends Stalled, with the condition's reason ("NameConflict",
    // "Forbidden", ...), so the caller can count failures by reason. May be empty.
    std::function<void(std::string_view reason)> on_stalled;
};

class stack_reconciler {
public:
    // All references must outlive the reconciler. Thread-safe: reconcile() may run on several
    // workers at once (the workqueue never hands one key to two workers).
    stack_reconciler(cache_reader const& cache, writer& out, event_recorder& events,
                     owner_verifier const& owners, mapper map, util::clock& clk,
                     reconciler_options options = {});

    // One level-triggered pass over the stack at `key`. Returns done or after(d); fails only on
    // transient trouble (network, 5xx, 409 on the status write, a failed live lookup), which the
    // worker retries with backoff. Stops early (done) when `stop` is requested.
    [[nodiscard]] result<requeue> reconcile(kube::object_key const& key, std::stop_token stop);

private:
    struct pass;
    [[nodiscard]] result<requeue> run(pass& p, std::stop_token const& stop);
    [[nodiscard]] result<requeue> sync_children(pass& p, std::stop_token const& stop);
    [[nodiscard]] result<requeue> finish(pass& p, std::optional<stall> failure, requeue next);
    [[nodiscard]] result<requeue> stalled(pass& p, std::string reason, std::string message,
                                          requeue next = requeue::done());

    cache_reader const& cache_;
    writer& out_;
    event_recorder& events_;
    owner_verifier const& owners_;
    mapper map_;
    util::clock& clock_;
    reconciler_options options_;
};

}  // namespace op::reconcile
