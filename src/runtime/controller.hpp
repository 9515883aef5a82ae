#pragma once
// The reconciling half of the operator: informers for Stacks and their children (on every
// replica, started before the Lease is sought), the work queue, the reconciler and its workers
// (on the leader only).
#include "fence.hpp"
#include "reconcile_metrics.hpp"
#include "op/identity/identity.hpp"
#include "op/kube/client.hpp"
#include "op/kube/events.hpp"
#include "op/kube/informer.hpp"
#include "op/kube/workqueue.hpp"
#include "op/reconcile/handlers.hpp"
#include "op/reconcile/kube_adapters.hpp"
#include "op/reconcile/reconciler.hpp"
#include "op/reconcile/worker.hpp"
#include "op/runtime/operator.hpp"
#include "op/metrics/registry.hpp"

#include <atomic>
#include <map>
#include <memory>

namespace op::runtime {

// The mapping options the run flags select (webhook dry run and reconciler must agree).
[[nodiscard]] mapping::mapping_options mapping_options_from(run_options const& o);

// A writer that counts what it sends (compose_operator_writes_total{verb,result}), so /metrics
// shows which replica writes.
class metered_writer final : public reconcile::writer {
public:
    metered_writer(reconcile::writer& inner, metrics::registry& metrics);
    [[nodiscard]] result<kube::object> apply(reconcile::child_kind kind, kube::object_key const& key,
                                             std::string body,
                                             std::optional<reconcile::author> const& as) override;
    [[nodiscard]] result<void> remove(reconcile::child_kind kind, kube::object_key const& key,
                                      std::optional<reconcile::author> const& as) override;
    [[nodiscard]] result<void> update_status(kube::object const& stack, api::stack_status const& status,
                                             std::optional<reconcile::author> const& as) override;

private:
    template <class R>
    R const& count(std::string_view verb, R const& r);
    reconcile::writer& inner_;
    metrics::registry& metrics_;
};

class controller {
public:
    // `metrics` receives controller-runtime's controller_runtime_reconcile_* and workqueue_*
    // families (controller "stack"), compose_operator_reconcile_errors_total{reason} and the
    // documented compose_operator_reconcile_* and compose_operator_writes_total. Once `fence` is
    // engaged (leadership lost) no write or Event leaves this controller, and the reconciles'
    // stop tokens are signalled. Informers, cache lookups and Events use `c`; writes go through
    // `writes`, a client without a rate limit of its own: they take their turn (o.qps, o.burst)
    // in the fenced writer, before the fence is checked (fence.hpp).
    controller(kube::client& c, kube::client& writes, run_options const& o, identity::hmac_key const& key,
               std::string instance, metrics::registry& metrics, write_fence const& fence);
    ~controller();
    controller(controller const&) = delete;
    controller& operator=(controller const&) = delete;

    // Starts the informers and waits up to `sync_timeout` for them to sync; fails (transient)
    // when they do not. Every replica does this before it campaigns for the Lease (style.md
    // 2.2), so a replica that takes over starts with warm caches; events meanwhile only queue
    // keys.
    [[nodiscard]] result<void> start_caches(std::chrono::seconds sync_timeout);
    // Starts the workers (the leader, once the caches synced).
    void start_workers();
    // Shuts the queue down (in-flight keys finish), joins the workers, stops the informers.
    void stop();
    [[nodiscard]] bool synced() const { return synced_.load(); }

private:
    run_options const& opts_;
    kube::workqueue queue_;
    reconcile::event_handlers handlers_;
    std::unique_ptr<kube::informer> stacks_;
    std::map<reconcile::child_kind, std::unique_ptr<kube::informer>> children_;
    std::unique_ptr<reconcile::store_cache> cache_;
    write_fence const& fence_;
    reconcile::client_writer client_writer_;
    metered_writer writer_;
    kube::token_bucket write_pace_;
    fenced_writer fenced_writer_;
    kube::event_recorder recorder_;
    reconcile::kube_event_recorder events_;
    fenced_events fenced_events_;
    reconcile::function_owner_verifier owners_;
    std::unique_ptr<reconcile::stack_reconciler> reconciler_;
    std::unique_ptr<reconcile::worker_pool> pool_;
    std::atomic<bool> synced_{false};
    bool stopped_ = false;
};

}  // namespace op::runtime
