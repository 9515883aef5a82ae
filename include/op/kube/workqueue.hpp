#pragma once
// A work queue with client-go semantics (util/workqueue/queue.go, delaying_queue.go,
// rate_limiting_queue.go):
//  - a key is never handed to two workers at once (processing set);
//  - adding a key already waiting does nothing (dirty set);
//  - adding a key while it is being processed queues it again once done() is called;
//  - add_after delays an add; add_rate_limited delays it by the limiter;
//  - shut_down() wakes all getters; shut_down_with_drain() also waits until in-flight keys are
//    done. Time comes from the injected clock; try_get() never blocks (for tests).
// With a registry in `queue_metrics` it reports client-go's workqueue_* families (labels name and
// controller, as controller-runtime sets them): depth, adds_total, retries_total,
// queue_duration_seconds, work_duration_seconds, unfinished_work_seconds and
// longest_running_processor_seconds (the last two computed at scrape time).
#include "op/kube/rate_limiter.hpp"
#include "op/metrics/registry.hpp"
#include "op/util/clock.hpp"

#include <condition_variable>
#include <deque>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace op::kube {

// Where a workqueue reports; no registry: no metrics.
struct queue_metrics {
    metrics::registry* registry = nullptr;
    std::string name;  // the `name` and `controller` label
};

class workqueue {
public:
    // `limiter` null means default_controller_limiter on `clk`. `m.registry` must outlive the
    // queue.
    explicit workqueue(util::clock& clk = util::system_clock(),
                       std::unique_ptr<rate_limiter> limiter = nullptr, queue_metrics m = {});
    ~workqueue();
    workqueue(workqueue const&) = delete;
    workqueue& operator=(workqueue const&) = delete;

    // Queues `key` unless it is already waiting; ignored after shut down.
    void add(std::string const& key);
    // Queues `key` after `delay` (at once when delay <= 0).
    void add_after(std::string const& key, duration delay);
    // Queues `key` after the limiter's delay for it (counts a requeue).
    void add_rate_limited(std::string const& key);
    // The same, the delay capped at `cap` (the requeue is counted all the same).
    void add_rate_limited(std::string const& key, duration cap);
    // Clears the limiter's failure count for `key`.
    void forget(std::string const& key);
    [[nodiscard]] int num_requeues(std::string const& key);

    // Blocks until a key is ready; nullopt once shut down (and nothing is left to hand out).
    [[nodiscard]] std::optional<std::string> get();
    // Non-blocking get: moves due delayed keys first; nullopt when nothing is ready.
    [[nodiscard]] std::optional<std::string> try_get();
    // Marks `key` as processed; re-queues it if it was added meanwhile.
    void done(std::string const& key);

    void shut_down();
    // Stops accepting keys and waits until every key handed out is done().
    void shut_down_with_drain();
    [[nodiscard]] bool shutting_down() const;
    // Keys waiting (not counting delayed or in-flight ones).
    [[nodiscard]] std::size_t len() const;
    [[nodiscard]] std::size_t delayed_len() const;

private:
    struct delayed {
        std::chrono::steady_clock::time_point at;
        std::uint64_t seq;
        std::string key;
        bool operator>(delayed const& o) const { return at != o.at ? at > o.at : seq > o.seq; }
    };
    struct instruments;
    void add_locked(std::string const& key);
    void collect() const;
    void promote_due_locked();
    std::optional<std::string> pop_locked();

    util::clock* clock_;
    std::unique_ptr<rate_limiter> limiter_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::string> queue_;
    std::unordered_set<std::string> dirty_;
    std::unordered_set<std::string> processing_;
    std::priority_queue<delayed, std::vector<delayed>, std::greater<>> delayed_;
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> waiting_;  // earliest
    std::uint64_t seq_ = 0;
    bool shutting_down_ = false;
    bool drain_ = false;
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> queued_at_;   // with metrics
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> started_at_;  // with metrics
    std::unique_ptr<instruments> metrics_;  // last: its collector unregisters before the rest goes
};

}  // namespace op::kube
