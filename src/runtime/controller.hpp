#pragma once
// The leader's half of the operator: informers for Stacks and their children, the work queue,
// the reconciler and its workers. start() returns once the caches synced and workers run.
#include "op/kube/client.hpp"
#include "op/kube/events.hpp"
#include "op/kube/informer.hpp"
#include "op/kube/workqueue.hpp"
#include "op/reconcile/handlers.hpp"
#include "op/reconcile/kube_adapters.hpp"
#include "op/reconcile/reconciler.hpp"
#include "op/reconcile/worker.hpp"
#include "op/runtime/operator.hpp"
#include "op/webhook/identity.hpp"

#include <atomic>
#include <map>
#include <memory>

namespace op::runtime {

class controller {
public:
    controller(kube::client& c, run_options const& o, webhook::hmac_key const& key, std::string instance);
    ~controller();
    controller(controller const&) = delete;
    controller& operator=(controller const&) = delete;

    // Starts the informers, waits up to `sync_timeout` for them to sync, then starts the
    // workers. Fails (transient) when the caches do not sync in time.
    [[nodiscard]] result<void> start(std::chrono::seconds sync_timeout);
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
    reconcile::client_writer writer_;
    kube::event_recorder recorder_;
    reconcile::kube_event_recorder events_;
    reconcile::function_owner_verifier owners_;
    std::unique_ptr<reconcile::stack_reconciler> reconciler_;
    std::unique_ptr<reconcile::worker_pool> pool_;
    std::atomic<bool> synced_{false};
    bool stopped_ = false;
};

}  // namespace op::runtime
