#pragma once
// The worker loop, written once (style rule 2, after controller-runtime's reconcileHandler and
// sample-controller's processNextWorkItem). Each worker takes a key from the workqueue, calls the
// reconcile function, and an RAII guard always calls done(key). Outcome -> queue action:
//   success, done            -> forget(key)
//   success, after(d)        -> forget(key), then add_after(key, d)
//   error terminal / invalid -> forget(key) and log (no retry; the reconciler set a condition)
//   any other error          -> add_rate_limited(key) (exponential backoff, 5 ms .. 1000 s)
//   exception                -> logged, add_rate_limited(key); the worker keeps running
#include "op/kube/resource.hpp"
#include "op/kube/workqueue.hpp"
#include "op/reconcile/reconciler.hpp"

#include <functional>
#include <stop_token>
#include <thread>
#include <vector>

namespace op::reconcile {

using reconcile_fn = std::function<result<requeue>(kube::object_key const&, std::stop_token)>;

// Processes one key: blocks in queue.get(). Returns false once the queue is shut down (the worker
// should exit), true otherwise.
bool process_next(kube::workqueue& queue, reconcile_fn const& fn, std::stop_token stop);

// N std::jthreads running process_next until the queue shuts down.
class worker_pool {
public:
    worker_pool(kube::workqueue& queue, reconcile_fn fn) : queue_(queue), fn_(std::move(fn)) {}
    worker_pool(worker_pool const&) = delete;
    worker_pool& operator=(worker_pool const&) = delete;
    ~worker_pool() { stop(); }

    // Starts `workers` threads (at least 1). Call once.
    void start(int workers);
    // Requests stop, shuts the queue down (with drain: in-flight keys finish) and joins.
    void stop();

private:
    kube::workqueue& queue_;
    reconcile_fn fn_;
    std::vector<std::jthread> threads_;
};

}  // namespace op::reconcile
