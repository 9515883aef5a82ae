#pragma once
// The metrics module: the process-wide Prometheus registry every other module reports into
// (webhook server, kube client and workqueue, reconciler, process). Counters, gauges and
// fixed-bucket histograms, each in a labelled family, rendered in the text exposition format
// (version 0.0.4) for GET /metrics. Depends on util only, so kube, reconcile and webhook can all
// report without depending on each other.
//
// Updates are lock-free atomics; looking a series up by labels takes the registry's mutex, so hot
// paths keep the returned reference (series live as long as the registry). Values computed at
// scrape time (process RSS, in-flight work) come from collectors, which run before each render.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace op::metrics {

using labels = std::vector<std::pair<std::string, std::string>>;

// A monotonically increasing total (requests, seconds of CPU).
class counter {
public:
    void inc(double n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    // Raises the total to `total` (a total read from elsewhere, e.g. /proc); never lowers it.
    void advance_to(double total) noexcept;
    [[nodiscard]] double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

class gauge {
public:
    void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
    void add(double d) noexcept { value_.fetch_add(d, std::memory_order_relaxed); }
    [[nodiscard]] double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

class histogram {
public:
    // `bounds` are the upper bounds of the buckets (sorted here); +Inf is implicit.
    explicit histogram(std::vector<double> bounds);
    void observe(double v) noexcept;
    [[nodiscard]] std::vector<double> const& bounds() const noexcept { return bounds_; }
    // Non-cumulative count of bucket i (i == bounds().size() is the +Inf bucket).
    [[nodiscard]] std::uint64_t bucket(std::size_t i) const noexcept;
    [[nodiscard]] std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
    [[nodiscard]] double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
    std::atomic<std::uint64_t> count_{0};
    std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 0.5 ms to 10 s.
[[nodiscard]] std::vector<double> default_latency_buckets();
// `count` bounds start, start*factor, start*factor^2, ... (Prometheus' ExponentialBuckets).
[[nodiscard]] std::vector<double> exponential_buckets(double start, double factor, int count);

class registry;

// Keeps a collector registered; destroying it unregisters (waiting for a render that runs it).
// The registry must outlive its handles.
class collector_handle {
public:
    collector_handle() = default;
    collector_handle(collector_handle&& o) noexcept;
    collector_handle& operator=(collector_handle&& o) noexcept;
    ~collector_handle();

private:
    friend class registry;
    collector_handle(registry* r, std::uint64_t id) : registry_(r), id_(id) {}
    registry* registry_ = nullptr;
    std::uint64_t id_ = 0;
};

class registry {
public:
    registry();
    ~registry();
    registry(registry const&) = delete;
    registry& operator=(registry const&) = delete;

    // The series of family `name` with `lbls`, created on first use. The help text of the first
    // call wins. Asking for a name already used with another metric type is a bug: it asserts in
    // debug builds and otherwise returns a series that is never rendered.
    counter& get_counter(std::string_view name, std::string_view help, labels const& lbls = {});
    gauge& get_gauge(std::string_view name, std::string_view help, labels const& lbls = {});
    histogram& get_histogram(std::string_view name, std::string_view help, labels const& lbls = {},
                             std::vector<double> const& bounds = default_latency_buckets());

    // Runs `collect` before each render (it typically sets gauges from a snapshot) until the
    // returned handle is destroyed. `collect` must not add or remove collectors.
    [[nodiscard]] collector_handle add_collector(std::function<void()> collect);

    // Runs the collectors, then renders all families in the Prometheus text format, families
    // sorted by name, series by label values.
    [[nodiscard]] std::string render() const;

private:
    friend class collector_handle;
    struct family;
    family& family_for(std::string_view name, std::string_view help, int type);
    void remove_collector(std::uint64_t id);

    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<family>, std::less<>> families_;
    std::vector<std::unique_ptr<family>> mismatched_;  // series handed out on a type mismatch
    mutable std::mutex collectors_mutex_;  // taken before mutex_, never after
    std::map<std::uint64_t, std::function<void()>> collectors_;
    std::uint64_t next_collector_ = 1;
};

// Escapes a label value for the text format (backslash, double quote, newline).
[[nodiscard]] std::string escape_label_value(std::string_view v);

}  // namespace op::metrics
