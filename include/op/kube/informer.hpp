#pragma once
// An informer keeps a store in sync with the API server for one resource (client-go Reflector +
// shared informer): a paginated LIST (limit/continue), then a WATCH from the list's
// resourceVersion with bookmarks; a watch that ends is resumed from the last seen RV; 410 Gone /
// "too old resource version" means LIST again; failures back off exponentially with jitter
// (800 ms doubling to 30 s). The store is updated before handlers run, handlers are called on the
// informer's strand and must only enqueue keys; same-resourceVersion updates are dropped.
// An optional resync re-delivers every cached object as a delta of type resync.
#include "op/kube/client.hpp"
#include "op/kube/store.hpp"
#include "op/kube/workqueue.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <future>
#include <string>
#include <vector>

namespace op::kube {

struct informer_options {
    std::string ns;  // empty: all namespaces
    std::string label_selector;  // cache only matching objects (e.g. our own children)
    std::string field_selector;
    int page_size = 500;
    std::chrono::seconds resync_period{0};  // 0: no resync
    duration backoff_initial = std::chrono::milliseconds(800);
    duration backoff_max = std::chrono::seconds(30);
    int watch_timeout_min_s = 300;  // each watch asks timeoutSeconds in [min, 2*min)
    std::function<double()> random01;  // jitter source; null: a seeded std::mt19937
    // Cache objects as the server sends them. By default managedFields and the last-applied
    // annotation are dropped first (without_bookkeeping): the operator reads neither.
    bool keep_bookkeeping = false;
    // Cache only apiVersion, kind and metadata (labels, ownerReferences, ...): for caches that
    // answer who owns a name, not what the object says (the webhook's collision lookups).
    bool metadata_only = false;
    // The store's indexes (store_indexes): by default all; the operator's caches ask for the
    // lookups they make and nothing else.
    store_indexes indexes;
};

// Receives every delta the store applied (and resync deltas), on the informer's strand.
using event_handler = std::function<void(delta const&)>;

// Counters for tests and metrics.
struct informer_stats {
    std::uint64_t lists = 0;         // complete (all pages) lists
    std::uint64_t pages = 0;
    std::uint64_t watches = 0;       // watch requests started
    std::uint64_t gone = 0;          // 410 / Expired seen
    std::uint64_t events = 0;        // watch events applied
    std::uint64_t errors = 0;        // failed list/watch attempts
};

class informer {
public:
    informer(client& c, resource r, informer_options opts = {});
    ~informer();
    informer(informer const&) = delete;
    informer& operator=(informer const&) = delete;

    // Registers handlers; call before start().
    void add_handler(event_handler h);
    // Starts the list/watch loop on the client's io_context.
    void start();
    // Ends the loop and waits for it. Must not be called from an io_context thread.
    void stop();
    // True once the first list has been stored and its events dispatched.
    [[nodiscard]] bool has_synced() const { return synced_.load(); }
    // Waits (real time) until has_synced(); false on timeout.
    [[nodiscard]] bool wait_for_sync(std::chrono::milliseconds timeout);
    [[nodiscard]] store const& cache() const { return store_; }
    [[nodiscard]] std::string last_resource_version() const;
    [[nodiscard]] informer_stats stats() const;
    // Test hook: the next watch starts from this RV instead of the last seen one.
    void set_resume_version_for_test(std::string rv);

private:
    net::awaitable<void> run();
    net::awaitable<void> resync_loop();
    net::awaitable<result<void>> list_all();
    net::awaitable<result<void>> watch_once();
    net::awaitable<void> sleep(duration d);
    void dispatch(delta const& d);
    void set_rv(std::string rv);

    client& client_;
    resource res_;
    informer_options opts_;
    net::strand<net::io_context::executor_type> strand_;
    net::steady_timer timer_;
    net::steady_timer resync_timer_;
    watch_cancel cancel_;
    store store_;
    std::vector<event_handler> handlers_;
    std::atomic<bool> synced_{false};
    bool stopping_ = false;  // strand only
    bool started_ = false;
    std::promise<void> done_;
    std::promise<void> resync_done_;
    mutable std::mutex mutex_;  // rv_, stats_, sync cv
    std::condition_variable sync_cv_;
    std::string rv_;
    std::string forced_rv_;
    informer_stats stats_;
};

}  // namespace op::kube
