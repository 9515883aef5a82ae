#include "op/reconcile/worker.hpp"

#include "op/util/log.hpp"

#include <exception>
#include <string>

namespace op::reconcile {
namespace {

// Calls done(key) however the iteration ends.
class done_guard {
public:
    done_guard(kube::workqueue& q, std::string const& key) : queue_(q), key_(key) {}
    ~done_guard() { queue_.done(key_); }
    done_guard(done_guard const&) = delete;
    done_guard& operator=(done_guard const&) = delete;

private:
    kube::workqueue& queue_;
    std::string const& key_;
};

void handle(kube::workqueue& queue, std::string const& key, result<requeue> const& r) {
    if (r) {
        if (r->backoff && r->delay) {  // stalled: the failure count grows, the delay is capped
            queue.add_rate_limited(key, *r->delay);
            return;
        }
        queue.forget(key);
        if (r->delay) queue.add_after(key, *r->delay);
        return;
    }
    // Every error but `invalid` is retried with backoff, as controller-runtime retries every
    // error: `terminal` (401/403, an unreadable token) included, because an API server that has
    // just restarted answers 403 until its RBAC authorizer has synced, and a key dropped here
    // would wait for the next resync (10 min).
    auto const& e = r.error();
    if (e.code == errc::invalid) {
        queue.forget(key);
        log::error("reconcile failed; not retrying", {{"key", key}, {"error", e.what()}});
        return;
    }
    log::warn("reconcile failed; retrying with backoff",
              {{"key", key},
               {"error", e.what()},
               {"requeues", std::to_string(queue.num_requeues(key))}});
    queue.add_rate_limited(key);
}

}  // namespace

bool process_next(kube::workqueue& queue, reconcile_fn const& fn, std::stop_token stop) {
    auto key = queue.get();
    if (!key) return false;
    done_guard guard(queue, *key);
    try {
        handle(queue, *key, fn(kube::object_key::parse(*key), stop));
    } catch (std::exception const& e) {
        log::error("reconcile threw; retrying with backoff", {{"key", *key}, {"error", e.what()}});
        queue.add_rate_limited(*key);
    } catch (...) {
        log::error("reconcile threw a non-exception; retrying with backoff", {{"key", *key}});
        queue.add_rate_limited(*key);
    }
    return true;
}

void worker_pool::start(int workers) {
    if (workers < 1) workers = 1;
    for (int i = 0; i < workers; ++i) {
        threads_.emplace_back([this](std::stop_token stop) {
            while (!stop.stop_requested()) {
                if (!process_next(queue_, fn_, stop)) return;
            }
        });
    }
}

void worker_pool::stop() {
    for (auto& t : threads_) t.request_stop();
    queue_.shut_down_with_drain();
    threads_.clear();  // joins
}

}  // namespace op::reconcile
